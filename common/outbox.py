"""A transactional outbox for Celery tasks.

`enqueue` writes the task in the caller's transaction and publishes it once that
transaction commits. A publish that fails (broker down) is logged and left in the
table; `drain` (run by the beat every minute, and after every commit) publishes what
is left. Tasks are named, not imported, so a lower app can ask for work that a higher
app does (settings wire the names); every task published this way must be idempotent,
because a row can be published twice if a process dies between publish and delete.
"""

import importlib
import logging

from celery import current_app
from django.db import transaction

from .models import OutboxMessage

log = logging.getLogger(__name__)

BATCH = 500


def enqueue(task_name, *args):
    """Publish `task_name(*args)` after the current transaction commits; never lost."""
    message = OutboxMessage.objects.create(task=task_name, args=list(args))
    transaction.on_commit(lambda: drain(ids=[message.pk]))
    return message


def resolve(task_name):
    """The registered Celery task called `task_name`, importing its module if needed."""
    if task_name not in current_app.tasks:
        importlib.import_module(task_name.rpartition(".")[0])
    return current_app.tasks[task_name]


def drain(ids=None, limit=BATCH):
    """Publish waiting messages, oldest first; stop at the first broker failure.

    Returns how many were published. Rows are claimed with SKIP LOCKED so that two
    drains never publish the same row at once.
    """
    published = 0
    with transaction.atomic():
        rows = OutboxMessage.objects.select_for_update(skip_locked=True).order_by("pk")
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        for message in rows[:limit]:
            try:
                resolve(message.task).apply_async(args=message.args)
            except Exception as exc:  # the broker's errors vary by transport
                log.warning("outbox: could not publish %s, kept for later: %s", message, exc)
                OutboxMessage.objects.filter(pk=message.pk).update(
                    attempts=message.attempts + 1, last_error=str(exc)[:1000]
                )
                break
            message.delete()
            published += 1
    return published

"""A broker outage never fails a save, and the follow-up work is not lost."""

import contextlib
import json
import os
import time

import pytest
import redis
from django.urls import reverse

from activities.models import Activity
from common import outbox
from common.models import OutboxMessage
from gmg_portal.celery import app

from .test_activity_access import form_data
from .workers import forget_connections

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Nothing listens on port 1: a broker that is down.
DEAD_BROKER = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def broker(url, settings):
    """Point the test process's Celery app at `url`, publishing for real (not eagerly)."""
    old = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    forget_connections()
    try:
        yield
    finally:
        app.conf.update(old)
        forget_connections()


def queued_task_names(client):
    """The task names waiting in Celery's default queue on a Redis broker."""
    return [json.loads(raw)["headers"]["task"] for raw in client.lrange("celery", 0, -1)]


def test_saving_with_the_broker_down_succeeds_and_keeps_the_recheck(
    client, alice, settings, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with broker(DEAD_BROKER, settings), django_capture_on_commit_callbacks(execute=True):
        started = time.monotonic()
        response = client.post(reverse("activities:create"), form_data())
        elapsed = time.monotonic() - started
    activity = Activity.objects.get(reference="IOM-2026-777")
    assert response.status_code == 302
    assert response["Location"] == activity.get_absolute_url()
    # The person is told it was saved, not that something failed.
    messages = [m.message for m in response.wsgi_request._messages]
    assert messages == ["The activity was logged."]
    waiting = OutboxMessage.objects.get()
    assert (waiting.task, waiting.args) == ("overlaps.tasks.rescore_activity", [activity.pk])
    assert waiting.attempts == 1 and waiting.last_error
    assert elapsed < 10, f"a save with the broker down took {elapsed:.1f} s"


def test_what_waited_is_published_once_the_broker_is_back(
    client, alice, settings, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with broker(DEAD_BROKER, settings), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("activities:create"), form_data())
    assert OutboxMessage.objects.count() == 1

    queue = redis.Redis.from_url(REDIS_URL)
    queue.flushdb()
    with broker(REDIS_URL, settings):
        assert outbox.drain() == 1
    assert not OutboxMessage.objects.exists()
    assert queued_task_names(queue) == ["overlaps.tasks.rescore_activity"]
    queue.flushdb()


def test_a_saved_activity_publishes_its_recheck_at_commit(
    client, alice, settings, django_capture_on_commit_callbacks
):
    queue = redis.Redis.from_url(REDIS_URL)
    queue.flushdb()
    client.force_login(alice)
    with broker(REDIS_URL, settings), django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("activities:create"), form_data()).status_code == 302
    assert not OutboxMessage.objects.exists()
    assert queued_task_names(queue) == ["overlaps.tasks.rescore_activity"]
    queue.flushdb()


def test_the_beat_drains_the_outbox_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["common-drain-outbox"]
    assert entry["task"] == "common.tasks.drain_outbox"
    assert entry["schedule"] <= 60
    assert outbox.resolve(entry["task"]).name == entry["task"]


def test_every_task_named_for_changed_activities_exists(settings):
    assert settings.ACTIVITY_CHANGED_TASKS
    for name in settings.ACTIVITY_CHANGED_TASKS:
        assert outbox.resolve(name).name == name

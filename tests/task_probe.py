"""Loaded into a test's Celery worker (`--include tests.task_probe`): writes one line per
task the worker finished, with its arguments, to the file named by GMG_TEST_TASK_LOG, so
that a test can count how many times each piece of work really ran."""

import json
import os
import threading

from celery.signals import task_success

_lock = threading.Lock()


@task_success.connect
def _record(sender=None, **_kwargs):
    path = os.environ.get("GMG_TEST_TASK_LOG")
    if not path:
        return
    line = json.dumps({"task": sender.name, "args": list(sender.request.args or [])})
    with _lock, open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")

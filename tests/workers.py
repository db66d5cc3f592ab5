"""A real Celery worker process for the tests that are about tasks.

It shares the test database (PostgreSQL only: an in-memory SQLite cannot be shared) and
a local Redis database of its own, and the test process's Celery app is pointed at the
same broker for the duration.
"""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from gmg_portal.celery import app

ROOT = Path(__file__).resolve().parents[1]


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def worker_idle(redis_url, queue="celery"):
    """Whether the worker has nothing left to do: its queue in Redis is empty and it holds
    no task, running, prefetched or waiting for its time (a retry with a countdown).

    The worker runs one task at a time (solo pool) and answers only between tasks, so no
    answer means it is busy.
    """
    if redis.Redis.from_url(redis_url).llen(queue):
        return False
    inspect = app.control.inspect(timeout=1)
    replies = (inspect.active(), inspect.reserved(), inspect.scheduled())
    return all(reply and not any(reply.values()) for reply in replies)


def forget_connections():
    """The app caches its broker pool and result backend from the first use (an earlier
    test's memory:// broker, no backend): make it build them again from its conf."""
    # Dropped, not closed: producers cached elsewhere may still hold the old pool.
    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None
    app._backend = app._get_backend()


@contextlib.contextmanager
def celery_worker(redis_url, settings, include=(), **extra_env):
    """A worker process on `redis_url`; `include` names extra modules it imports (probes)."""
    if connection.vendor != "postgresql":
        pytest.skip("A worker process needs a database it can share: run on PostgreSQL.")
    redis.Redis.from_url(redis_url).ping()  # no Redis is a failure, not a skip
    redis.Redis.from_url(redis_url).flushdb()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **extra_env,
    }
    command = [sys.executable, "-m", "celery", "-A", "gmg_portal", "worker", "--pool=solo"]
    command += ["--concurrency=1", "--without-gossip", "--without-mingle", "-l", "warning"]
    command += [f"--include={','.join(include)}"] if include else []
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    old = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    forget_connections()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        reply = None
        deadline = time.monotonic() + 60
        while not reply and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read().decode()
            reply = app.control.ping(timeout=1)
        assert reply, "the Celery worker did not answer"
        yield process
    finally:
        app.conf.update(old)
        forget_connections()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()

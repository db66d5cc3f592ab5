"""The overlap tasks on a real Celery worker process, through the local Redis."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from gmg_portal.celery import app
from overlaps import tasks
from overlaps.models import OverlapFlag

from .test_overlap_flow import ILO_TEXT, IOM_TEXT, log

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


@pytest.fixture
def worker(settings):
    if connection.vendor != "postgresql":
        pytest.skip("A worker process needs a database it can share: run on PostgreSQL.")
    redis.Redis.from_url(REDIS_URL).ping()  # no Redis is a failure, not a skip
    redis.Redis.from_url(REDIS_URL).flushdb()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "gmg_portal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    old = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
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
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_saving_an_activity_is_rechecked_by_a_worker(worker, iom, ilo, alice, bob):
    log(iom, alice, "IOM-1", IOM_TEXT)
    log(ilo, bob, "ILO-1", ILO_TEXT)
    assert wait_for(lambda: OverlapFlag.objects.exists()), "no flag after the worker's check"
    flag = OverlapFlag.objects.get()
    assert flag.reasons["countries"] == ["KEN"]


def test_full_scan_runs_as_a_chord_of_blocks_on_the_worker(worker, iom, ilo, alice, bob):
    log(iom, alice, "IOM-1", IOM_TEXT)
    log(ilo, bob, "ILO-1", ILO_TEXT)
    wait_for(lambda: OverlapFlag.objects.exists())
    OverlapFlag.objects.all().delete()
    tasks.full_scan.delay(3)
    assert wait_for(lambda: OverlapFlag.objects.exists()), "the chord did not record the flag"
    assert OverlapFlag.objects.get().status == OverlapFlag.Status.OPEN

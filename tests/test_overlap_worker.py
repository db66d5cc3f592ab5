"""The overlap tasks on a real Celery worker process, through the local Redis.

Each test proves the work ran on the worker: the test process is not eager, the services
that write flags are replaced in it by recorders that write nothing (so a task run here
could neither pass nor go unnoticed), and the flags or the chord's result in the result
backend can only come from the worker process.
"""

import os

import pytest
from celery.result import AsyncResult

from common.models import OutboxMessage
from gmg_portal.celery import app
from overlaps import services, tasks
from overlaps.models import OverlapFlag

from .factories import ActivityFactory
from .test_overlap_flow import ILO_TEXT, IOM_TEXT, log
from .workers import celery_worker, wait_for

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def worker(settings):
    with celery_worker(REDIS_URL, settings) as process:
        yield process


@pytest.fixture
def ran_here(worker, monkeypatch):
    """Names of the flag-writing services this (test) process ran; they do nothing here."""
    assert not app.conf.task_always_eager
    calls = []
    for name in ("rescore_activity", "full_scan", "sync_flags"):
        monkeypatch.setattr(services, name, lambda *a, _name=name, **kw: calls.append(_name))
    return calls


def test_saving_an_activity_is_rechecked_by_a_worker(ran_here, iom, ilo, alice, bob):
    log(iom, alice, "IOM-1", IOM_TEXT)
    log(ilo, bob, "ILO-1", ILO_TEXT)
    assert wait_for(lambda: OverlapFlag.objects.exists()), "no flag after the worker's check"
    flag = OverlapFlag.objects.get()
    assert flag.reasons["countries"] == ["KEN"]
    # Both saves went out through the outbox, and neither check ran in this process.
    assert not OutboxMessage.objects.exists()
    assert ran_here == []


def test_full_scan_runs_as_a_chord_of_blocks_on_the_worker(ran_here, iom, ilo):
    # Stored without the services: no check on save is queued, only the scan can flag them.
    a = ActivityFactory(agency=iom, title=IOM_TEXT[0], description=IOM_TEXT[1])
    b = ActivityFactory(agency=ilo, title=ILO_TEXT[0], description=ILO_TEXT[1])
    callback = tasks.full_scan.delay(3).get(timeout=60)
    # The chord's callback (finish_scan) stored its counts in the result backend.
    counts = AsyncResult(callback, app=app).get(timeout=120)
    assert counts == {"created": 1, "updated": 0, "removed": 0, "reopened": 0}
    flag = OverlapFlag.objects.get()
    assert (flag.activity_a_id, flag.activity_b_id) == (min(a.pk, b.pk), max(a.pk, b.pk))
    assert flag.status == OverlapFlag.Status.OPEN
    assert ran_here == []

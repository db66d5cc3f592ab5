"""The overlap tasks on a real Celery worker process, through the local Redis."""

import os

import pytest

from overlaps import tasks
from overlaps.models import OverlapFlag

from .test_overlap_flow import ILO_TEXT, IOM_TEXT, log
from .workers import celery_worker, wait_for

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def worker(settings):
    with celery_worker(REDIS_URL, settings) as process:
        yield process


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

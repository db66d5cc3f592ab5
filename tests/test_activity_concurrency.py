"""Simultaneous writes to the register: the database, not luck, keeps references unique.

Each thread has its own database connection, so these tests commit for real
(transactional tests) and need PostgreSQL: SQLite would serialise the writers.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from activities import services
from activities.models import Activity
from geo.models import Country
from priorities.models import Priority

from .test_activity_access import form_data

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WRITERS = 8


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers need a database with real row locks: run on PostgreSQL.")


def run_together(work, count=WRITERS, timeout=60):
    """Run work(i) in `count` threads released at once; return what each returned or raised."""
    barrier = threading.Barrier(count, timeout=timeout)
    outcomes = [None] * count

    def body(i):
        try:
            barrier.wait()
            outcomes[i] = work(i)
        except BaseException as exc:  # reported to the test, which asserts on it
            outcomes[i] = exc
        finally:
            # Each thread opened its own connection; leave none behind for the teardown.
            connections.close_all()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a writer did not finish"
    return outcomes


def create_with_reference(agency, by, reference):
    return services.activity_create(
        agency=agency,
        by=by,
        reference=reference,
        title="Race",
        start_date="2026-01-01",
        priorities=[Priority.objects.get(code="b")],
        countries=[Country.objects.get(pk="KEN")],
    )


def test_references_differing_only_in_case_save_one_activity(iom, alice):
    variants = ["race-x", "RACE-X", "Race-X", "rACE-x", "race-X", "RACE-x", "Race-x", "rAcE-X"]

    outcomes = run_together(lambda i: create_with_reference(iom, alice, variants[i]))

    created = [o for o in outcomes if isinstance(o, Activity)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(created) == 1, outcomes
    assert len(refused) == WRITERS - 1, outcomes
    assert all(set(error.message_dict) == {"reference"} for error in refused)
    assert Activity.objects.filter(agency=iom, reference__iexact="race-x").count() == 1


def test_identical_submits_at_once_log_one_activity_and_show_field_errors(alice):
    def submit(i):
        client = Client()
        client.force_login(alice)
        return client.post(reverse("activities:create"), form_data(reference="SAME-1"))

    responses = run_together(submit)

    # The test client re-raises a view's exception: an IntegrityError would land here.
    assert not [r for r in responses if isinstance(r, BaseException)], responses
    assert sorted(r.status_code for r in responses) == [200] * (WRITERS - 1) + [302]
    for response in responses:
        if response.status_code == 200:
            assert list(response.context["form"].errors) == ["reference"]
    assert Activity.objects.filter(reference="SAME-1").count() == 1


def test_renaming_to_a_case_twin_at_once_keeps_one(iom, alice):
    from .factories import ActivityFactory

    others = [ActivityFactory(agency=iom, reference=f"OLD-{i}") for i in range(WRITERS)]
    variants = ["twin-1", "TWIN-1", "Twin-1", "tWIN-1", "twin-1", "TWIN-1", "Twin-1", "tWIN-1"]

    outcomes = run_together(
        lambda i: services.activity_update(others[i], by=alice, reference=variants[i])
    )

    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == WRITERS - 1, outcomes
    assert all(set(error.message_dict) == {"reference"} for error in refused)
    assert Activity.objects.filter(agency=iom, reference__iexact="twin-1").count() == 1

"""Many secretariat members acting on one pair at the same moment, on real PostgreSQL.

Each thread holds its own connection, so the row lock and the version check are what
decide who wins: exactly one, whatever the order.
"""

import threading
import time

import pytest
from django.db import connection, connections

from agencies.models import Role
from initiatives.models import JointInitiative
from overlaps import review, services
from overlaps.models import FlagComment, OverlapFlag

from .factories import ActivityFactory, UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrency is only real on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 6


def run_together(targets):
    """Start every target at the same moment; what each returned or raised, in order."""
    barrier = threading.Barrier(len(targets))
    outcomes = [None] * len(targets)

    def run(index, target):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = target()
        except Exception as exc:  # noqa: BLE001 - the test looks at every outcome
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, target)) for index, target in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive(), "a thread is still waiting: a lock was never released"
    return outcomes


@pytest.fixture
def flag(iom, ilo):
    a, b = ActivityFactory(agency=iom), ActivityFactory(agency=ilo)
    a, b = sorted((a, b), key=lambda activity: activity.pk)
    return OverlapFlag.objects.create(activity_a=a, activity_b=b, score=0.8, reasons={})


@pytest.fixture
def secretariat(db):
    return [
        UserFactory(email=f"member{n}@gmg.example", agency=None, role=Role.SECRETARIAT)
        for n in range(THREADS)
    ]


def test_of_many_people_deciding_one_pair_at_once_exactly_one_wins(flag, secretariat):
    loaded = flag.version
    decisions = [
        OverlapFlag.Status.CONFIRMED,
        OverlapFlag.Status.COMPLEMENTARY,
        OverlapFlag.Status.NOT_RELATED,
    ]

    def deciding(n):
        return lambda: review.decide(
            flag,
            by=secretariat[n],
            status=decisions[n % 3],
            note=f"Decided by member {n}",
            expected_version=loaded,
        )

    outcomes = run_together([deciding(n) for n in range(THREADS)])

    winners = [n for n, outcome in enumerate(outcomes) if isinstance(outcome, OverlapFlag)]
    assert len(winners) == 1, outcomes
    assert all(
        isinstance(outcome, review.StaleFlagError)
        for n, outcome in enumerate(outcomes)
        if n != winners[0]
    ), outcomes
    flag.refresh_from_db()
    assert flag.version == loaded + 1
    assert flag.decided_by == secretariat[winners[0]]
    assert flag.status == decisions[winners[0] % 3]
    assert flag.decision_note == f"Decided by member {winners[0]}"


def creating_at_once(flag, secretariat):
    """Every member clicks "Create joint initiative" on the same page at the same moment."""
    flag = review.decide(flag, by=secretariat[0], status=OverlapFlag.Status.CONFIRMED)
    loaded = flag.version
    return run_together(
        [
            lambda n=n: review.initiative_from_flag(
                flag, by=secretariat[n], expected_version=loaded
            )
            for n in range(THREADS)
        ]
    )


def assert_one_initiative(flag, outcomes):
    assert all(isinstance(outcome, tuple) for outcome in outcomes), outcomes
    initiative = JointInitiative.objects.get()
    # Everyone lands on the same initiative; exactly one request made it.
    assert {outcome[0] for outcome in outcomes} == {initiative}
    assert sum(created for _initiative, created in outcomes) == 1, outcomes
    flag.refresh_from_db()
    assert flag.initiative == initiative
    assert set(initiative.activities.all()) == {flag.activity_a, flag.activity_b}


def test_many_clicks_on_create_joint_initiative_at_once_create_one(flag, secretariat):
    assert_one_initiative(flag, creating_at_once(flag, secretariat))


def test_the_database_keeps_one_initiative_per_pair_even_without_the_row_lock(
    flag, secretariat, monkeypatch
):
    # Without the lock every request reads "no initiative yet" and makes one; the link is
    # written only while it is empty, so all but one roll theirs back.
    def read_without_locking(flag, expected_version):
        return OverlapFlag.objects.get(pk=flag.pk)

    flag = review.decide(flag, by=secretariat[0], status=OverlapFlag.Status.CONFIRMED)
    monkeypatch.setattr(review, "_lock", read_without_locking)
    started = threading.Barrier(THREADS)
    real_create = review.initiative_services.initiative_create

    def create_after_everyone_has_read(**fields):
        started.wait(timeout=30)  # every request has read the empty link by now
        return real_create(**fields)

    monkeypatch.setattr(
        review.initiative_services, "initiative_create", create_after_everyone_has_read
    )
    loaded = flag.version
    outcomes = run_together(
        [
            lambda n=n: review.initiative_from_flag(
                flag, by=secretariat[n], expected_version=loaded
            )
            for n in range(THREADS)
        ]
    )
    assert_one_initiative(flag, outcomes)


def test_one_initiative_is_the_source_of_one_pair_at_most(flag, iom, ilo):
    from django.db import IntegrityError, transaction

    from .factories import JointInitiativeFactory

    initiative = JointInitiativeFactory(lead_agency=iom)
    other = OverlapFlag.objects.create(
        activity_a=ActivityFactory(agency=iom),
        activity_b=ActivityFactory(agency=ilo),
        score=0.7,
        reasons={},
    )
    OverlapFlag.objects.filter(pk=flag.pk).update(initiative=initiative)
    with pytest.raises(IntegrityError), transaction.atomic():
        OverlapFlag.objects.filter(pk=other.pk).update(initiative=initiative)


def test_the_same_comment_sent_many_times_at_once_is_added_once(flag, secretariat):
    outcomes = run_together(
        [
            lambda: review.comment(flag, by=secretariat[0], text="Ask IOM first.")
            for _ in range(THREADS)
        ]
    )
    assert all(isinstance(outcome, FlagComment) for outcome in outcomes), outcomes
    assert FlagComment.objects.count() == 1


def waiting_on_a_lock():
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps showing the activity it first saw.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_decision_taken_while_a_rescan_runs_is_not_lost(flag, secretariat, monkeypatch):
    from overlaps.engine import Score

    loaded = flag.version
    outcome = {}
    real_bulk_create = OverlapFlag.objects.bulk_create

    def decide_meanwhile():
        try:
            outcome["flag"] = review.decide(
                flag, by=secretariat[0], status="not_related", expected_version=loaded
            )
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcome["error"] = exc
        finally:
            connections.close_all()

    decider = threading.Thread(target=decide_meanwhile)

    def bulk_create_after_a_decision(*args, **kwargs):
        # The re-scan has read the flags and not yet written them back: a person decides.
        # If the re-scan holds the row, the decision waits for it instead.
        decider.start()
        deadline = time.monotonic() + 30
        while decider.is_alive() and not waiting_on_a_lock():
            assert time.monotonic() < deadline, "the decision neither ended nor waited"
            time.sleep(0.01)
        return real_bulk_create(*args, **kwargs)

    monkeypatch.setattr(OverlapFlag.objects, "bulk_create", bulk_create_after_a_decision)
    pair = (flag.activity_a_id, flag.activity_b_id)
    services.sync_flags({pair: Score(value=0.8, joint=False, reasons={})}, {}, scope_ids=None)
    decider.join(30)
    assert not decider.is_alive()

    assert "error" not in outcome, outcome
    flag.refresh_from_db()
    assert flag.status == OverlapFlag.Status.NOT_RELATED
    assert flag.decided_by == secretariat[0]
    assert flag.version == loaded + 1

"""The register's migrations carry a populated database across without losing a row.

The database is taken back to the schema before the activity register moved out of
`initiatives` (its table then `initiatives_activity`), filled through the historical
models, and migrated forward; what it held is then read through today's models.
Transactional, because migrations change the schema: every other test keeps the fully
migrated database, which the `finally` below restores whatever happens.
"""

import datetime

import pgtrigger
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from activities.models import Activity
from overlaps.models import OverlapFlag

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE_THE_MOVE = [
    ("initiatives", "0002_activity_time_indexes"),
    ("overlaps", "0002_score_calibration"),
]


def migrate(targets=None):
    """Migrate the test database to `targets` (default: the latest); return the apps then."""
    executor = MigrationExecutor(connection)
    latest = targets is None
    if latest:
        targets = executor.loader.graph.leaf_nodes()
    # The audit triggers (pgtrigger, installed after `migrate`) write to the history app's
    # tables, which an older state does not have: off while the schema moves, on at the end.
    pgtrigger.uninstall()
    executor.migrate(targets)
    if latest:
        pgtrigger.install()
    # A fresh loader: the executor's graph still holds the state before it ran.
    return MigrationExecutor(connection).loader.project_state(targets).apps


def populate(apps):
    """Activities (case twins among them), every kind of link, and flags between them.

    Returns, by primary key, what each activity should still hold afterwards.
    """
    Activity = apps.get_model("initiatives", "Activity")
    OverlapFlag = apps.get_model("overlaps", "OverlapFlag")
    Agency = apps.get_model("agencies", "Agency")
    Country = apps.get_model("geo", "Country")
    Region = apps.get_model("geo", "Region")
    Priority = apps.get_model("priorities", "Priority")
    TargetGroup = apps.get_model("priorities", "TargetGroup")
    Theme = apps.get_model("priorities", "Theme")
    iom, ilo, unhcr = (Agency.objects.get(acronym=a) for a in ("IOM", "ILO", "UNHCR"))
    start = timezone.now() - datetime.timedelta(days=30)

    # (agency, reference); created one hour apart in this order.
    rows = [
        (iom, "IOM-7"),
        (iom, "iom-7"),  # a case twin, created later
        (iom, "iom-7~2"),  # takes the first suffix a twin would get
        (iom, "Iom-7"),  # a third twin
        (ilo, "IOM-7"),  # another agency's reference is no twin
        (iom, "X" * 60),  # a twin pair with no room for a suffix
        (iom, "x" * 60),
        (ilo, "ILO-1"),
    ]
    countries = list(Country.objects.order_by("iso3")[:6])
    regions = list(Region.objects.order_by("code")[:3])
    priorities = list(Priority.objects.order_by("code"))
    target_groups = list(TargetGroup.objects.order_by("slug"))
    themes = list(Theme.objects.order_by("slug"))
    expected = {}
    for n, (agency, reference) in enumerate(rows):
        activity = Activity.objects.create(
            agency=agency,
            reference=reference,
            title=f"Activity {n}",
            start_date=datetime.date(2026, 1, 1),
            created_at=start + datetime.timedelta(hours=n),
            updated_at=start + datetime.timedelta(hours=n),
        )
        links = {
            "countries": countries[n % 6 : n % 6 + 2],
            "regions": regions[n % 3 : n % 3 + 1],
            "priorities": priorities[n : n + 2],
            "target_groups": target_groups[n % 2 : n % 2 + 1],
            "themes": themes[: n % 3],
            "partners": [unhcr] if n % 2 else [],
        }
        for name, values in links.items():
            getattr(activity, name).set(values)
        expected[activity.pk] = {
            "agency": agency.acronym,
            "title": activity.title,
            **{name: sorted(v.pk for v in values) for name, values in links.items()},
        }
    pks = sorted(expected)
    flags = [
        OverlapFlag.objects.create(activity_a_id=pks[0], activity_b_id=pks[1], score=0.9),
        OverlapFlag.objects.create(
            activity_a_id=pks[3], activity_b_id=pks[4], score=0.7, status="confirmed"
        ),
    ]
    return expected, {f.pk: (f.activity_a_id, f.activity_b_id, f.status) for f in flags}


def test_activities_links_and_flags_survive_the_move_and_twins_get_distinct_references(db):
    try:
        old_apps = migrate(BEFORE_THE_MOVE)
        expected, flags = populate(old_apps)
        migrate()
    finally:
        migrate()

    activities = Activity.objects.in_bulk(list(expected))
    assert set(activities) == set(expected)
    for pk, links in expected.items():
        activity = activities[pk]
        assert activity.agency.acronym == links["agency"]
        assert activity.title == links["title"]
        for name in ("countries", "regions", "priorities", "target_groups", "themes", "partners"):
            assert sorted(getattr(activity, name).values_list("pk", flat=True)) == links[name], (
                activity,
                name,
            )
    assert {
        f.pk: (f.activity_a_id, f.activity_b_id, f.status) for f in OverlapFlag.objects.all()
    } == flags

    # The earliest twin keeps its reference; later ones get the first free "~n".
    references = [activities[pk].reference for pk in sorted(expected)]
    assert references == [
        "IOM-7",
        "iom-7~3",
        "iom-7~2",
        "Iom-7~4",
        "IOM-7",
        "X" * 60,
        "x" * 58 + "~2",
        "ILO-1",
    ]

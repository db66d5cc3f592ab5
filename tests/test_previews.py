"""Several lists' first rows and counts in one query (common.previews.Batch): the same rows,
columns, related rows and annotations as each list read on its own."""

import datetime

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat

from agencies.models import Agency
from common.previews import Batch
from initiatives.models import JointInitiative
from overlaps.models import OverlapFlag

from .factories import ActivityFactory, JointInitiativeFactory

pytestmark = pytest.mark.django_db


def described(obj):
    """Every loaded column of `obj`, and of each related row it carries, recursively."""
    columns = {
        name: value
        for name, value in vars(obj).items()
        # A batch leaves the search vector out (test below).
        if not name.startswith("_") and name != "search_vector"
    }
    related = {
        name: described(row) if row is not None else None
        for name, row in obj._state.fields_cache.items()
    }
    return columns, related


def alone(queryset, order, cap):
    rows = list(queryset.order_by(*order)[:cap])
    return rows, queryset.count()


@pytest.fixture
def pairs(iom, ilo, sam):
    flags = []
    for n in range(5):
        a, b = ActivityFactory(agency=iom), ActivityFactory(agency=ilo)
        flags.append(
            OverlapFlag.objects.create(
                activity_a=a,
                activity_b=b,
                score=0.5 + n / 13,
                reasons={"countries": ["KEN"], "words": [f"w{n}"]},
            )
        )
    # Decided ones carry who decided (a nullable relation the open ones leave empty).
    for day, flag in enumerate(flags[:2], start=1):
        flag.status = OverlapFlag.Status.CONFIRMED
        flag.decided_by = sam
        flag.decided_at = datetime.datetime(2026, 1, day, tzinfo=datetime.UTC)
        flag.save()
    return flags


def test_rows_of_several_models_as_each_list_alone(pairs, iom, django_assert_num_queries):
    for n in range(4):
        JointInitiativeFactory(title=f"Initiative {n}", lead_agency=iom)
    lists = [
        (OverlapFlag.objects.with_pair(), ("-score", "pk"), 3),
        (OverlapFlag.objects.with_pair().filter(status="confirmed"), ("-decided_at", "pk"), 3),
        (JointInitiative.objects.select_related("lead_agency"), ("title", "pk"), None),
        (Agency.objects.filter(acronym__in=["IOM", "ILO"]), ("acronym",), 1),
        (
            Agency.objects.annotate(label=Concat(F("acronym"), Value("!"))),
            ("-acronym",),
            2,
        ),
        (Agency.objects.none(), ("acronym",), 3),
        (OverlapFlag.objects.filter(score__gt=2), ("pk",), 3),
    ]
    batch = Batch()
    previews = [batch.add(queryset, order, cap) for queryset, order, cap in lists]
    with django_assert_num_queries(1):
        batch.run()
    for (queryset, order, cap), preview in zip(lists, previews, strict=True):
        rows, total = alone(queryset, order, cap)
        assert [r.pk for r in preview.rows] == [r.pk for r in rows]
        assert preview.total == total
        assert [described(r) for r in preview.rows] == [described(r) for r in rows]
    # What the lists hold: capped, ordered, related rows empty or not.
    flags = previews[0].rows
    assert len(flags) == 3 and previews[0].total == 5
    assert flags[0].activity_a.agency.acronym == "IOM" and flags[0].decided_by is None
    assert previews[1].rows[0].decided_by.email
    assert len(previews[2].rows) == 4  # no cap: every row
    assert [a.label for a in previews[4].rows] == [f"{a.acronym}!" for a in previews[4].rows]
    assert previews[5].rows == [] and previews[6].total == 0


def test_columns_left_out_are_loaded_when_read(pairs, django_assert_num_queries):
    batch = Batch()
    preview = batch.add(OverlapFlag.objects.select_related("activity_a"), ("pk",), 1)
    batch.run()
    activity = preview.rows[0].activity_a
    # The search vector is not carried (kilobytes of text no preview shows) ...
    assert "search_vector" not in vars(activity)
    # ... and read from the database if something asks for it.
    with django_assert_num_queries(1):
        assert activity.search_vector

"""An import validates every row, then writes the valid ones together; when the database
refuses the set, each row is written on its own and the refused one reported on its line."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from activities import services
from activities.models import Activity
from history.models import EVENT_MODELS, LINK_EVENT_MODELS
from priorities.models import Theme

from .factories import ActivityFactory
from .test_interchange import GOOD, HEADER, import_lines, snapshot

pytestmark = pytest.mark.django_db

THEMES = HEADER + ",themes"
REFERENCE_TAKEN = "reference: This agency already has an activity with this reference"


@pytest.fixture
def before_the_write(monkeypatch):
    """Runs `change()` between the rows' validation and the batch's write, as a colleague's
    save that commits meanwhile does."""

    def install(change):
        flush = services.ActivityBatch.flush

        def changed_meanwhile(batch):
            if batch._waiting:
                change()
            return flush(batch)

        monkeypatch.setattr(services.ActivityBatch, "flush", changed_meanwhile)

    return install


def history_counts():
    """How many events each history table holds."""
    models = [*EVENT_MODELS.values(), *LINK_EVENT_MODELS.values()]
    return {model._meta.label: model.objects.count() for model in models}


def test_a_twin_saved_meanwhile_is_reported_on_its_line_and_the_other_rows_are_saved(
    iom, before_the_write
):
    before_the_write(lambda: ActivityFactory(agency=iom, reference="iom-1", title="Theirs"))

    result = import_lines(GOOD.replace("IOM-1", "IOM-0"), GOOD, GOOD.replace("IOM-1", "IOM-2"))

    assert (result.created, result.updated) == (2, 0)
    assert [e.line for e in result.errors] == [3]
    assert REFERENCE_TAKEN in result.errors[0].message
    assert sorted(Activity.objects.values_list("reference", "title")) == [
        ("IOM-0", "Labour survey"),
        ("IOM-2", "Labour survey"),
        ("iom-1", "Theirs"),
    ]
    saved = Activity.objects.get(reference="IOM-2")
    assert sorted(c.iso3 for c in saved.countries.all()) == ["KEN", "UGA"]


def test_a_code_deleted_meanwhile_refuses_its_rows_whole_and_keeps_the_others(
    iom, before_the_write
):
    existing = ActivityFactory(agency=iom, reference="IOM-5", title="Kept")
    health = Theme.objects.get(slug="health")
    before_the_write(lambda: Theme.objects.filter(pk=health.pk).delete())
    rows = [
        GOOD.replace("IOM-1", "IOM-0") + ",",
        GOOD + ",health",  # a new activity
        GOOD.replace("IOM-1", "IOM-5") + ",health",  # an update
        GOOD.replace("IOM-1", "IOM-2") + ",",
    ]
    before = snapshot()[("IOM", "IOM-5")]

    result = import_lines(*rows, header=THEMES)

    assert (result.created, result.updated) == (2, 0)
    assert [e.line for e in result.errors] == [3, 4]
    assert all("the database refused the row" in e.message for e in result.errors)
    assert sorted(Activity.objects.values_list("reference", flat=True)) == [
        "IOM-0",
        "IOM-2",
        "IOM-5",
    ]
    # Nothing half-saved: the update left neither its fields nor its links behind.
    assert snapshot()[("IOM", "IOM-5")] == before
    existing.refresh_from_db()
    assert existing.version == 1


def test_a_refused_new_row_leaves_its_reference_to_a_later_row_of_the_file(iom, before_the_write):
    health = Theme.objects.get(slug="health")
    before_the_write(lambda: Theme.objects.filter(pk=health.pk).delete())
    rows = [GOOD + ",health", GOOD.replace("Labour", "Second") + ","]

    result = import_lines(*rows, header=THEMES)

    # The second row updates what the first created, so the first is written before it is
    # validated: refused there, it leaves the reference free and the second creates it.
    assert (result.created, result.updated) == (1, 0)
    assert [e.line for e in result.errors] == [2]
    assert Activity.objects.get(agency=iom, reference="IOM-1").title == "Second survey"


class _Undo(Exception):
    pass


def test_the_row_by_row_fallback_saves_what_the_bulk_write_saves(iom, ilo, monkeypatch):
    ActivityFactory(agency=iom, reference="IOM-5", title="Old", countries=[])
    rows = [
        GOOD.replace("IOM-1", "IOM-0") + ",health",
        GOOD + ",",
        GOOD.replace("IOM-1", "IOM-5") + ",health;financial-flows",
        GOOD.replace("IOM-1", "IOM-2").replace("b;d", "q") + ",",  # refused by the parser
        GOOD.replace("IOM-1", "IOM-3").replace(",ILO", ",IOM") + ",",  # by the rules
    ]

    def imported():
        """What the import reports, saves and records, then undone for the next run."""
        try:
            with transaction.atomic():
                start = history_counts()
                result = import_lines(*rows, header=THEMES)
                end = history_counts()
                found = (
                    (result.created, result.updated, [tuple(e) for e in result.errors]),
                    snapshot(),
                    {label: end[label] - start[label] for label in start},
                )
                raise _Undo
        except _Undo:
            return found

    bulk = imported()

    def refused(*args, **kwargs):
        raise IntegrityError("refused, as a twin saved meanwhile would be")

    # The same file again, the set's INSERT refused: every row is then written on its own.
    monkeypatch.setattr(Activity.objects, "bulk_create", refused)
    one_by_one = imported()

    assert bulk[0][:2] == (2, 1)
    assert [line for line, _message in bulk[0][2]] == [5, 6]
    assert one_by_one == bulk
    # Every row and link has its event, whichever way it was written.
    assert bulk[2]["history.ActivityEvent"] == 3


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2026, 1, 1), None),
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 1)),
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 2)),
        (datetime.date(2026, 1, 2), datetime.date(2026, 1, 1)),
        (None, datetime.date(2026, 1, 1)),
    ],
)
def test_a_constraint_checked_in_python_agrees_with_the_database(iom, start, end):
    activity = Activity(agency=iom, reference="X", title="X", start_date=start, end_date=end)
    for name, (_fields, holds) in Activity.ROW_CHECKS.items():
        constraint = next(c for c in Activity._meta.constraints if c.name == name)
        try:
            # Django's own check: a query that evaluates the condition in the database.
            constraint.validate(Activity, activity)
            database_says = True
        except ValidationError:
            database_says = False
        assert holds(activity) == database_says


def test_an_activity_updated_twice_in_one_file_gets_both_changes_in_order(iom):
    existing = ActivityFactory(agency=iom, reference="IOM-1", title="Old")
    rows = [GOOD.replace("Labour survey", "First"), GOOD.replace("Labour survey", "Second")]

    result = import_lines(*rows)

    assert (result.created, result.updated, result.errors) == (0, 2, [])
    existing.refresh_from_db()
    assert (existing.title, existing.version) == ("Second", 3)


def test_the_queries_of_an_import_do_not_grow_with_its_new_rows(iom):
    def queries(n):
        with CaptureQueriesContext(connection) as captured:
            result = import_lines(*[GOOD.replace("IOM-1", f"IOM-{n}-{i}") for i in range(n)])
        assert (result.created, result.errors) == (n, [])
        return len(captured.captured_queries)

    assert queries(40) == queries(2)

"""An import is checked for overlaps in one pass, with the flags one check per row would give."""

import csv
import io

import pytest
from django.db import transaction

from activities.interchange import COLUMNS, import_csv
from activities.models import Activity
from common.models import OutboxMessage
from initiatives.models import JointInitiative
from overlaps import engine, services
from overlaps.models import OverlapFlag, ScoreCalibration


class _Undo(Exception):
    pass


def _row(reference, spec, **extra):
    row = {
        "reference": reference,
        "agency": spec.agency,
        "title": spec.title,
        "description": spec.description,
        "status": "ongoing",
        "start_date": spec.start.isoformat(),
        "end_date": spec.end.isoformat() if spec.end else "",
        "countries": ";".join(spec.countries),
        "regions": ";".join(spec.regions),
        "priorities": ";".join(sorted(set(spec.priorities))),
        "partners": ";".join(spec.partners),
        "kind": "",
        "target_groups": ";".join(spec.target_groups),
        "themes": "",
        "initiative": "",
        "language": "",
    }
    row.update(extra)
    return row


def _csv(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _flags():
    """Every flag, keyed by its two activities' (agency, reference): ids differ by path."""
    refs = {
        a.pk: (a.agency.acronym, a.reference) for a in Activity.all_objects.select_related("agency")
    }
    return {
        tuple(sorted((refs[f.activity_a_id], refs[f.activity_b_id]))): (
            f.status,
            f.score,
            f.reasons,
        )
        for f in OverlapFlag.objects.all()
    }


@pytest.fixture
def register_and_file(db):
    """A register of about 300 activities with its flags, and a file of about 100 rows:
    new work (some of it the register's subjects in its countries, partners, a joint
    initiative, the world), changed texts of register activities, a cancellation and a
    rejected row."""
    from benchmarks import corpus

    names = corpus.country_names()
    register = corpus.create(corpus.generate("tune", cases=50, names=names), fast=True)
    Activity.objects.all().refresh_search_vector()
    # Threshold low: many more pairs than the shipped one gives, so that a disagreement shows.
    ScoreCalibration.objects.create(weights=dict(engine.WEIGHTS), threshold=0.05, decisions=30)
    services.embed_missing()
    services.full_scan()
    assert OverlapFlag.objects.count() > 50

    incoming = corpus.generate("tune", cases=15, seed=11, names=names).specs
    rows = [_row(f"NEW-{s.key}", s) for s in incoming]
    initiative = JointInitiative.objects.order_by("pk").first()
    member = initiative.activities.order_by("pk").first()
    rows.append(
        _row(
            "NEW-JOINT",
            incoming[0],
            agency="UNHCR" if member.agency.acronym != "UNHCR" else "ILO",
            countries=";".join(member.countries.values_list("iso3", flat=True)),
            regions=";".join(member.regions.values_list("code", flat=True)),
            start_date=member.start_date.isoformat(),
            end_date="",
            initiative=str(initiative.pk),
        )
    )
    # Changed texts of register activities: their stale vectors and flags must be redone.
    for spec, other in zip(register.specs[:24:2], incoming[1::2], strict=False):
        rows.append(
            _row(
                f"EVAL-{spec.key:07d}",
                spec,
                title=other.title,
                description=other.description,
            )
        )
    rows.append(_row(f"EVAL-{register.specs[30].key:07d}", register.specs[30], status="cancelled"))
    rows.append(_row("NEW-BAD", incoming[2], start_date="31/12/2026"))
    return _csv(rows)


def test_an_import_gives_the_flags_that_checking_each_row_in_turn_gives(
    register_and_file, settings, django_capture_on_commit_callbacks
):
    before = _flags()
    engine.warm_cache()
    # One pass: the import's one message, run through the outbox when it commits; then
    # undone, so that the other path starts from the same register.
    with pytest.raises(_Undo), transaction.atomic():
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            result = import_csv(io.BytesIO(register_and_file.encode()))
        # The outbox publishing the import's one message (the stored counts of the register,
        # common.tallies, add their own callbacks beside it).
        published = [c for c in callbacks if c.__qualname__.startswith("enqueue.")]
        assert len(published) == 1
        assert result.created > 80 and result.updated == 13 and len(result.errors) == 1
        in_one_pass = _flags()
        raise _Undo
    assert _flags() == before

    # Row by row, as before: each row saved, committed and checked before the next.
    engine.invalidate_cache()
    engine.warm_cache()
    settings.ACTIVITIES_CHANGED_IN_BULK_TASKS = []
    lines = register_and_file.splitlines(keepends=True)
    for line in lines[1:]:
        with django_capture_on_commit_callbacks(execute=True):
            import_csv(io.BytesIO((lines[0] + line).encode()))
        reference = next(csv.reader([line]))[0]
        saved = Activity.objects.filter(reference=reference).first()
        if saved is not None:
            services.rescore_activity(saved.pk)
    one_by_one = _flags()

    assert in_one_pass != before
    assert set(in_one_pass) == set(one_by_one)
    assert in_one_pass == one_by_one


def _simple(reference, agency, **extra):
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        reference=reference,
        agency=agency,
        title=f"Return support {reference}",
        description="Help for returnees",
        status="ongoing",
        start_date="2026-01-01",
        countries="KEN",
        priorities="d",
    )
    row.update(extra)
    return row


def test_an_import_queues_one_check_of_everything_it_saved(db, iom, ilo):
    rows = [_simple(f"IOM-{n}", "IOM") for n in range(5)]
    rows += [_simple("ILO-1", "ILO"), _simple("ILO-2", "ILO", countries="", regions="")]
    result = import_csv(io.BytesIO(_csv(rows).encode()))
    assert (result.created, len(result.errors)) == (6, 1)
    messages = list(OutboxMessage.objects.all())
    assert [m.task for m in messages] == ["overlaps.tasks.rescore_activities"]
    assert sorted(messages[0].args[0]) == sorted(Activity.objects.values_list("pk", flat=True))
    # The upkeep was done for the set: search vectors and coverage tallies are there.
    assert not Activity.objects.filter(search_vector__isnull=True).exists()
    assert not Activity.objects.filter(priority_mask=0).exists()


def test_an_import_that_saves_nothing_queues_nothing(db, iom):
    result = import_csv(io.BytesIO(_csv([_simple("IOM-1", "IOM", priorities="")]).encode()))
    assert result.errors and not result.created
    assert not OutboxMessage.objects.exists()


def test_an_atomic_import_with_a_rejected_row_queues_nothing(db, iom):
    rows = [_simple("IOM-1", "IOM"), _simple("IOM-2", "IOM", start_date="not a date")]
    result = import_csv(io.BytesIO(_csv(rows).encode()), atomic=True)
    assert result.rolled_back
    assert not Activity.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_every_task_named_for_activities_changed_in_bulk_exists(settings):
    from common import outbox

    assert settings.ACTIVITIES_CHANGED_IN_BULK_TASKS
    for name in settings.ACTIVITIES_CHANGED_IN_BULK_TASKS:
        assert outbox.resolve(name).name == name


def test_the_bulk_check_runs_twice_without_changing_anything(db, iom, ilo):
    """A broker may deliver the message twice."""
    from overlaps import tasks

    rows = [_simple("IOM-1", "IOM"), _simple("ILO-1", "ILO")]
    import_csv(io.BytesIO(_csv(rows).encode()))
    (message,) = OutboxMessage.objects.all()
    tasks.rescore_activities(*message.args)
    first = _flags()
    assert len(first) == 1
    tasks.rescore_activities(*message.args)
    assert _flags() == first

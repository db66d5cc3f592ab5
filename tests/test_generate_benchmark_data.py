"""generate_benchmark_data: deterministic bulk data for the "Fast at 100,000" measurements."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from pghistory.models import Context

from activities.models import Activity
from agencies.models import Agency, Role, User
from capacity.models import Training, Transfer
from governance.models import ActionPoint, Meeting, WorkingGroup
from initiatives.models import JointInitiative, Participation
from library.models import LibraryItem
from overlaps.models import FlagComment, OverlapFlag
from positions.models import Position
from processes.models import Contribution, Event, Process
from states.models import Engagement, SupportRequest

pytestmark = pytest.mark.django_db

N = 300


def generate(n=N, seed=5, **options):
    out = io.StringIO()
    call_command("generate_benchmark_data", activities=n, seed=seed, stdout=out, **options)
    return out.getvalue()


def snapshot():
    """What the run wrote, without its ids or the moments Django stamps itself."""
    activities = [
        (
            a.reference,
            a.agency.acronym,
            a.title,
            a.description,
            a.language,
            a.kind,
            a.status,
            a.start_date,
            a.end_date,
            a.created_at,
            a.created_by.email,
            a.initiative.title if a.initiative else None,
            sorted(c.iso3 for c in a.countries.all()),
            sorted(r.code for r in a.regions.all()),
            sorted(p.code for p in a.priorities.all()),
            sorted(g.slug for g in a.target_groups.all()),
            sorted(p.acronym for p in a.partners.all()),
        )
        for a in Activity.all_objects.select_related("agency", "created_by", "initiative")
        .prefetch_related("countries", "regions", "priorities", "target_groups", "partners")
        .order_by("reference")
    ]
    flags = sorted(
        OverlapFlag.objects.values_list(
            "activity_a__reference",
            "activity_b__reference",
            "status",
            "score",
            "decision_note",
            "decided_by__email",
            "decided_at",
        )
    )
    people = sorted(User.objects.values_list("email", "role", "full_name", "agency__acronym"))
    initiatives = sorted(
        JointInitiative.objects.values_list("title", "status", "lead_agency__acronym")
    )
    comments = sorted(
        FlagComment.objects.values_list(
            "flag__activity_a__reference", "flag__activity_b__reference", "author__email", "text"
        )
    )
    return activities, flags, people, initiatives, comments


def test_fills_every_part_of_the_portal():
    output = generate()

    assert Activity.objects.count() == N
    assert Activity.objects.filter(search_vector__isnull=True).count() == 0
    assert JointInitiative.objects.exists()
    assert Participation.objects.exists()
    assert OverlapFlag.objects.count() >= 10
    assert FlagComment.objects.exists()
    for model in (
        LibraryItem,
        Process,
        Event,
        Contribution,
        Position,
        Engagement,
        SupportRequest,
        Training,
        Transfer,
        Meeting,
        ActionPoint,
        WorkingGroup,
    ):
        assert model.objects.exists(), model
    # Several statuses, languages and kinds, not one of each.
    assert Activity.objects.values("status").distinct().count() >= 3
    assert Activity.objects.values("language").distinct().count() >= 2
    assert Activity.partners.through.objects.exists()
    # The history triggers recorded it all, as the command's doing.
    assert Context.objects.filter(metadata__command="generate_benchmark_data").exists()
    # Progress and the time of each stage.
    assert "overlap flags:" in output and " s" in output


def test_every_role_is_present_for_every_agency():
    generate()

    people = User.objects.filter(email__endswith="@bench.example")
    assert people.filter(role=Role.SECRETARIAT, agency__isnull=True).exists()
    for agency in Agency.objects.all():
        for role in (Role.STAFF, Role.FOCAL_POINT, Role.HEAD):
            assert people.filter(agency=agency, role=role).exists(), (agency, role)
    # Nobody can sign in without a password set on purpose, and none was hashed per person.
    assert not any(u.has_usable_password() for u in people[:5])


def test_heads_and_focal_points_have_a_digest_archive_to_page_through():
    from digests.models import DigestDelivery

    generate()

    head = User.objects.filter(role=Role.HEAD, email__endswith="@bench.example").first()
    mine = DigestDelivery.objects.filter(recipient=head)
    assert mine.count() == 104
    # One a week, each with a body, the latest last week.
    assert mine.values("iso_year", "iso_week").distinct().count() == 104
    assert not mine.filter(text_body="").exists()
    assert DigestDelivery.objects.filter(recipient__role=Role.FOCAL_POINT).exists()
    assert not DigestDelivery.objects.filter(recipient__role=Role.STAFF).exists()


def test_flags_pair_other_agencies_in_a_common_country_at_the_same_time():
    generate()

    flags = OverlapFlag.objects.select_related("activity_a", "activity_b", "decided_by")
    assert flags.exists()
    for flag in flags:
        a, b = flag.activity_a, flag.activity_b
        assert a.pk < b.pk
        assert a.agency_id != b.agency_id
        assert set(a.countries.all()) & set(b.countries.all())
        assert a.end_date is None or a.end_date >= b.start_date
        assert b.end_date is None or b.end_date >= a.start_date
        if flag.status == OverlapFlag.Status.OPEN:
            assert flag.decided_by is None and flag.decided_at is None
        else:
            assert flag.status in OverlapFlag.DECISIONS
            assert flag.decided_by.role == Role.SECRETARIAT
            assert flag.decided_at is not None and flag.created_at < flag.decided_at
    statuses = set(flags.values_list("status", flat=True))
    assert "open" in statuses and statuses - {"open"}


def test_same_seed_gives_the_same_data():
    with transaction.atomic():
        generate()
        first = snapshot()
        transaction.set_rollback(True)
    assert not Activity.all_objects.exists()

    generate()
    second = snapshot()

    assert first == second
    assert len(first[0]) == N


def test_another_seed_gives_other_data():
    with transaction.atomic():
        generate(seed=1)
        first = snapshot()
        transaction.set_rollback(True)
    generate(seed=2)

    assert snapshot()[0] != first[0]


def test_refuses_a_database_that_has_activities_unless_forced():
    generate(n=20)

    with pytest.raises(CommandError, match="already has 20 activities.*--force"):
        generate(n=20)
    assert Activity.objects.count() == 20

    generate(n=20, force=True)
    assert Activity.objects.count() == 40


def test_refuses_a_count_below_one():
    with pytest.raises(CommandError, match="positive"):
        generate(n=0)

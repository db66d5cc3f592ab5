import datetime
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from agencies.models import Role, User
from capacity.models import Training, Transfer
from demo import data as demo_data
from governance.models import ActionPoint, Meeting, WorkingGroup
from initiatives.models import InitiativeEvent, JointInitiative, Milestone, Participation
from library.files import check as check_upload
from library.models import LibraryItem
from processes.models import Contribution, Event
from states.models import Engagement, FollowUp, SupportRequest

from .factories import ActivityFactory, UserFactory

pytestmark = pytest.mark.django_db

# Unrelated words: "migration-governance-2026" would be refused, made of the portal's own words.
STRONG = "fennel-quorum-atlas-2026"


def create_member(*args):
    out = StringIO()
    call_command("create_member", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


class TestCreateMember:
    def test_staff_with_agency_and_password_is_verified(self, iom):
        out = create_member(
            "Nadia.Staff@IOM.example",
            "--agency",
            "iom",
            "--role",
            "staff",
            "--name",
            "Nadia Staff",
            "--password",
            STRONG,
        )

        user = User.objects.get(email="nadia.staff@iom.example")
        assert (user.agency, user.role, user.full_name) == (iom, Role.STAFF, "Nadia Staff")
        assert user.check_password(STRONG)
        assert EmailAddress.objects.get(user=user).verified
        assert "nadia.staff@iom.example" in out

    def test_agency_may_be_given_by_acronym_with_a_space(self):
        create_member("desa@un.example", "--agency", "UN DESA", "--role", "focal_point")

        user = User.objects.get(email="desa@un.example")
        assert user.agency.acronym == "UN DESA"
        assert user.role == Role.FOCAL_POINT

    def test_secretariat_needs_no_agency(self):
        out = create_member("sec@gmg.example", "--role", "secretariat")

        user = User.objects.get(email="sec@gmg.example")
        assert user.agency is None
        assert user.is_secretariat
        # Without a password they must reset it first, so the address stays unverified.
        assert not user.has_usable_password()
        assert not EmailAddress.objects.get(user=user).verified
        assert "No password" in out

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["x@y.example", "--agency", "NOPE", "--role", "staff"], "Known acronyms include"),
            (["x@y.example", "--role", "head"], "--agency is required"),
            (["x@y.example", "--agency", "IOM", "--role", "boss"], "invalid choice"),
            (["not-an-email", "--role", "secretariat"], "not a valid email"),
            (
                ["x@y.example", "--agency", "IOM", "--role", "staff", "--password", "short"],
                "too short",
            ),
            (
                ["x@y.example", "--agency", "IOM", "--role", "staff", "--password", "password1234"],
                "too common",
            ),
        ],
    )
    def test_errors_create_nobody(self, args, message):
        before = User.objects.count()

        with pytest.raises(CommandError, match=message):
            create_member(*args)

        assert User.objects.count() == before
        assert not EmailAddress.objects.filter(email="x@y.example").exists()

    def test_unknown_agency_lists_valid_ones(self):
        with pytest.raises(CommandError) as excinfo:
            create_member("x@y.example", "--agency", "IMO", "--role", "staff")
        assert "IOM" in str(excinfo.value)

    def test_existing_email_is_refused(self, alice):
        with pytest.raises(CommandError, match="already exists"):
            create_member(alice.email.upper(), "--agency", "ILO", "--role", "staff")

        alice.refresh_from_db()
        assert alice.agency.acronym == "IOM"
        assert User.objects.filter(email__iexact=alice.email).count() == 1

    def test_inactive_agency_is_refused(self, iom):
        iom.is_active = False
        iom.save()

        with pytest.raises(CommandError, match="no longer active"):
            create_member("x@y.example", "--agency", "IOM", "--role", "staff")
        assert not User.objects.filter(email="x@y.example").exists()


class TestSeedDemo:
    def test_creates_people_of_every_role_and_activities(self):
        out = seed()

        people = User.objects.filter(email__endswith="@" + demo_data.DOMAIN)
        assert set(people.values_list("role", flat=True)) == set(Role.values)
        for acronym in ("IOM", "ILO", "UNHCR", "UNICEF", "UNDP"):
            roles = set(people.filter(agency__acronym=acronym).values_list("role", flat=True))
            assert roles == {Role.STAFF, Role.FOCAL_POINT, Role.HEAD}
        assert Activity.objects.count() >= 30
        assert Activity.objects.values("agency").distinct().count() >= 10
        assert JointInitiative.objects.count() == len(demo_data.INITIATIVES) >= 4
        assert Activity.objects.filter(initiative__isnull=False).count() >= 2
        assert Activity.objects.filter(regions__code="001").exists()
        assert Activity.objects.filter(end_date__isnull=True).exists()
        for person in people:
            assert person.email in out
        assert demo_data.PASSWORD in out

    def test_every_activity_is_complete(self):
        seed()

        for activity in Activity.objects.all():
            assert activity.priorities.exists(), activity
            assert activity.countries.exists() or activity.regions.exists(), activity
            assert activity.contact_name and activity.contact_email, activity
            assert activity.version == 1

    def test_running_twice_changes_nothing(self):
        seed()
        snapshot = {
            "people": list(User.objects.values_list("pk", "email", "password")),
            "emails": EmailAddress.objects.count(),
            "activities": list(Activity.objects.values_list("pk", "version", "updated_at")),
            "initiatives": list(JointInitiative.objects.values_list("pk", "updated_at")),
            "activity_countries": Activity.countries.through.objects.count(),
            "initiative_agencies": JointInitiative.participating_agencies.through.objects.count(),
            "participations": list(Participation.objects.values_list("pk", "status", "updated_at")),
            "milestones": list(Milestone.objects.values_list("pk", "done", "due_date")),
            "events": list(InitiativeEvent.objects.values_list("pk", "created_at")),
        }

        out = seed()

        assert snapshot == {
            "people": list(User.objects.values_list("pk", "email", "password")),
            "emails": EmailAddress.objects.count(),
            "activities": list(Activity.objects.values_list("pk", "version", "updated_at")),
            "initiatives": list(JointInitiative.objects.values_list("pk", "updated_at")),
            "activity_countries": Activity.countries.through.objects.count(),
            "initiative_agencies": JointInitiative.participating_agencies.through.objects.count(),
            "participations": list(Participation.objects.values_list("pk", "status", "updated_at")),
            "milestones": list(Milestone.objects.values_list("pk", "done", "due_date")),
            "events": list(InitiativeEvent.objects.values_list("pk", "created_at")),
        }
        assert "Created 0 people, 0 joint initiatives and 0 activities" in out

    def test_keeps_existing_people_and_activities(self, iom):
        email = demo_data.PEOPLE[0][0]
        UserFactory(email=email, agency=iom, full_name="Already here")
        reference = next(a["reference"] for a in demo_data.ACTIVITIES if a["agency"] == "IOM")
        ActivityFactory(agency=iom, reference=reference, title="Edited since")

        out = seed()

        assert User.objects.get(email=email).full_name == "Already here"
        assert Activity.objects.get(agency=iom, reference=reference).title == "Edited since"
        assert Activity.objects.count() == len(demo_data.ACTIVITIES)
        assert f"{len(demo_data.PEOPLE) - 1} people" in out

    def test_demo_people_can_sign_in(self, client):
        seed("--password", STRONG)

        for email, *_ in demo_data.PEOPLE:
            user = User.objects.get(email=email)
            assert user.check_password(STRONG)
            assert EmailAddress.objects.get(user=user).verified
        email = demo_data.PEOPLE[0][0]
        assert client.login(email=email, password=STRONG)
        client.logout()
        # Through allauth too, which insists on a verified address.
        response = client.post(reverse("account_login"), {"login": email, "password": STRONG})
        assert response.status_code == 302
        assert "_auth_user_id" in client.session

    def test_the_initiatives_show_every_step_of_their_lifecycle(self):
        seed()
        today = timezone.localdate()

        assert set(JointInitiative.objects.values_list("status", flat=True)) == set(
            JointInitiative.Status.values
        )
        # Invitations some agency's focal point (and head, in the digest) still has to answer.
        waiting = Participation.objects.unanswered()
        assert waiting.filter(agency__members__role=Role.FOCAL_POINT).exists()
        assert Participation.objects.filter(status=Participation.Status.ACCEPTED).exists()
        assert Participation.objects.filter(status=Participation.Status.DECLINED).exists()
        open_milestones = Milestone.objects.filter(done=False)
        assert Milestone.objects.filter(done=True).exists()
        assert open_milestones.overdue(today).exists()
        due_soon = open_milestones.filter(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=14)
        )
        assert due_soon.exists()
        completed = JointInitiative.objects.filter(status=JointInitiative.Status.COMPLETED)
        assert all(i.results and i.people_reached for i in completed)

    def test_each_initiative_history_tells_how_it_came_to_be(self):
        seed()

        Kind = InitiativeEvent.Kind
        for initiative in JointInitiative.objects.all():
            events = list(initiative.events.order_by("pk"))
            assert events[0].kind == Kind.CREATED and events[0].actor is not None
            # Told in order, and dated in the past.
            times = [event.created_at for event in events]
            assert times == sorted(times) and times[-1] <= timezone.now()
            # The status changes lead from the proposal to where the initiative is.
            steps = [(e.from_status, e.to_status) for e in events if e.kind == Kind.TRANSITIONED]
            path = [JointInitiative.Status.PROPOSED] + [to for _from, to in steps]
            assert [from_ for from_, _to in steps] == path[:-1]
            assert path[-1] == initiative.status
            # Every invitation was sent, and every answer given by that agency's focal point.
            for participation in initiative.participations.all():
                about = [e for e in events if e.agency_id == participation.agency_id]
                kinds = [e.kind for e in about]
                if Kind.INVITED not in kinds:  # taking part from the start
                    assert participation.status == Participation.Status.ACCEPTED
                    continue
                answers = {
                    Participation.Status.ACCEPTED: Kind.ACCEPTED,
                    Participation.Status.DECLINED: Kind.DECLINED,
                }
                if participation.status in answers:
                    (answer,) = [e for e in about if e.kind == answers[participation.status]]
                    assert answer.actor == participation.answered_by
                    assert participation.answered_by.agency_id == participation.agency_id
                    assert participation.answered_by.role == Role.FOCAL_POINT
                    assert answer.created_at == participation.answered_at
                else:
                    assert kinds[-1] == Kind.INVITED
            taking_part = set(initiative.participating_agencies.all())
            accepted = {
                p.agency
                for p in initiative.participations.filter(status=Participation.Status.ACCEPTED)
            }
            assert taking_part == accepted | {initiative.lead_agency}
            for milestone in initiative.milestones.all():
                told = [e for e in events if e.milestone_id == milestone.pk]
                kinds = [e.kind for e in told]
                expected = [Kind.MILESTONE_ADDED]
                if milestone.done:
                    expected.append(Kind.MILESTONE_DONE)
                    assert timezone.localdate(told[-1].created_at) == milestone.done_on
                assert kinds == expected

    def test_nobody_is_emailed_about_the_seeded_history(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            seed()
        assert InitiativeEvent.objects.exists()
        assert not InitiativeEvent.objects.filter(notified_at__isnull=True).exists()
        assert mail.outbox == []

    def test_the_groups_meetings_action_points_and_working_groups(self):
        out = seed()

        today = timezone.localdate()
        principals = Meeting.objects.get(kind=Meeting.Kind.PRINCIPALS)
        assert principals.chair is not None and principals.agenda_items.count() >= 2
        assert principals.agenda_items.exclude(decision="").exists()
        assert ActionPoint.objects.overdue(today).count() == 1
        assert ActionPoint.objects.filter(status="done", done_on__isnull=False).exists()
        assert Meeting.objects.filter(kind=Meeting.Kind.WORKING_LEVEL, date__gt=today).exists()
        for group in WorkingGroup.objects.all():
            assert group.co_chairs.count() == 2
            assert set(group.co_chairs.all()) <= set(group.members.all())
        assert WorkingGroup.objects.count() == 2
        assert "Created 2 meetings of the group." in out
        # Moved on by the owner agency's own focal point, as the portal lets them.
        for point in ActionPoint.objects.exclude(status="open").select_related("updated_by"):
            assert point.updated_by.agency_id == point.owner_id

        points = list(ActionPoint.objects.values_list("pk", "status", "updated_at"))
        out = seed()
        assert list(ActionPoint.objects.values_list("pk", "status", "updated_at")) == points
        assert "Created 0 meetings of the group." in out

    def test_contributions_to_the_major_processes(self):
        out = seed()

        hld = Event.objects.get(process__slug="hld", start_date__year=2013)
        stockholm = Event.objects.get(process__slug="gfmd", start_date__year=2014)
        for event in (hld, stockholm):
            single = event.contributions.filter(is_joint=False)
            assert single.values("lead_agency").distinct().count() >= 3
        joint = Contribution.objects.filter(is_joint=True)
        assert joint.filter(event=hld).exists()
        assert joint.filter(initiative__isnull=False).exists()
        assert all(c.agencies.count() >= 2 for c in joint)
        # Recorded by the lead agency's own people, as the portal lets them.
        for contribution in Contribution.objects.select_related("created_by"):
            assert contribution.created_by.agency_id == contribution.lead_agency_id
            assert contribution.priorities.filter(code="e").exists()
        # An upcoming event whose inputs are due, for the dashboard.
        today = timezone.localdate()
        assert Event.objects.deadlines_from(today).filter(start_date__gt=today).exists()
        created = Contribution.objects.count()
        assert f"Created {created} contributions to major processes." in out

        snapshot = list(Contribution.objects.values_list("pk", "version", "updated_at"))
        events = list(Event.objects.values_list("pk", "version", "start_date"))
        out = seed()
        assert list(Contribution.objects.values_list("pk", "version", "updated_at")) == snapshot
        assert list(Event.objects.values_list("pk", "version", "start_date")) == events
        assert "Created 0 contributions to major processes." in out

    def test_joint_trainings_and_a_secondment(self):
        out = seed()
        iom_led = Training.objects.with_total().get(lead_agency__acronym="IOM")
        assert set(iom_led.organisers.values_list("acronym", flat=True)) == {
            "IOM",
            "UN DESA",
            "UNFPA",
        }
        totals = {t.pk: t.participant_total for t in Training.objects.with_total()}
        for training in Training.objects.all():
            assert totals[training.pk] == sum(r.participants for r in training.participants.all())
            assert training.priorities.filter(code="l").exists()
        today = timezone.localdate()
        assert {t.status_on(today) for t in Training.objects.all()} == {"planned", "held"}
        transfer = Transfer.objects.get()
        assert transfer.from_agency != transfer.to_agency
        assert transfer.created_by.agency_id == transfer.from_agency_id
        created = Training.objects.count() + Transfer.objects.count()
        assert f"Recorded {created} joint trainings and transfers." in out

        snapshot = list(Training.objects.values_list("pk", "version"))
        out = seed()
        assert list(Training.objects.values_list("pk", "version")) == snapshot
        assert Transfer.objects.count() == 1
        assert "Recorded 0 joint trainings and transfers." in out

    def test_engagements_and_requests_for_support(self):
        out = seed()
        kinds = set(Engagement.objects.values_list("counterpart_kind", flat=True))
        assert {"government", "regional_body", "rcp"} <= kinds
        assert Engagement.objects.filter(country__iso3="MEX").exists()
        today = timezone.localdate()
        assert FollowUp.objects.overdue(today).exists()
        assert FollowUp.objects.filter(status="done").exists()
        statuses = set(SupportRequest.objects.values_list("status", flat=True))
        assert statuses == set(SupportRequest.Status.values)
        for support_request in SupportRequest.objects.all():
            steps = list(support_request.events.values_list("to_status", flat=True))
            assert steps[0] == "received" and steps[-1] == support_request.status
        # Recorded by the lead agency's own people, as the portal lets them.
        for engagement in Engagement.objects.select_related("created_by"):
            assert engagement.created_by.agency_id == engagement.lead_agency_id
        assert "Created 5 engagements with States and 5 requests for support." in out

        snapshot = list(Engagement.objects.values_list("pk", "version", "updated_at"))
        requests = list(SupportRequest.objects.values_list("pk", "version", "status"))
        out = seed()
        assert list(Engagement.objects.values_list("pk", "version", "updated_at")) == snapshot
        assert list(SupportRequest.objects.values_list("pk", "version", "status")) == requests
        assert "Created 0 engagements with States and 0 requests for support." in out

    def test_the_library_shows_items_with_files_and_a_reviewed_good_practice(
        self, client, library_files
    ):
        out = seed()

        items = LibraryItem.objects.all()
        assert items.count() == len(demo_data.LIBRARY) >= 4
        assert f"Shared {items.count()} library items" in out
        assert set(items.values_list("kind", flat=True)) == set(LibraryItem.Kind.values)
        assert {"en", "fr", "es"} <= set(items.values_list("language", flat=True))
        for code in ("b", "f"):
            assert items.filter(priorities__code=code).exists(), code
        reviewed = items.filter(reviewed_at__isnull=False)
        assert reviewed.exists() and all(i.reviewed_by.is_secretariat for i in reviewed)
        assert items.filter(kind="good_practice", reviewed_at__isnull=True).exists()
        # The files were written at seed time, pass the upload checks, and download.
        with_files = items.exclude(stored_name="")
        assert {i.file_type for i in with_files} == {"pdf", "csv"}
        staff = User.objects.get(email=demo_data.PEOPLE[0][0])
        client.force_login(staff)
        for item in with_files:
            stored = library_files / item.stored_name
            with stored.open("rb") as handle:
                upload = SimpleUploadedFile(item.file_name, handle.read())
            assert check_upload(upload) == item.file_type
            response = client.get(item.get_download_url())
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == stored.read_bytes()
        # Each was shared by a person of one of its agencies.
        for item in items:
            assert item.created_by.agency in item.agencies.all(), item

    def test_the_library_seeds_once(self, library_files):
        seed()
        snapshot = list(LibraryItem.objects.values_list("pk", "version", "stored_name"))
        stored = sorted(p.name for p in library_files.iterdir())

        out = seed()

        assert list(LibraryItem.objects.values_list("pk", "version", "stored_name")) == snapshot
        assert sorted(p.name for p in library_files.iterdir()) == stored
        assert "Shared 0 library items" in out

    def test_the_positions_show_every_stage(self, django_capture_on_commit_callbacks):
        from positions import selectors as position_selectors
        from positions import services as position_services
        from positions.models import Endorsement, Position, PositionComment, PositionEvent

        with django_capture_on_commit_callbacks(execute=True):
            out = seed()
        today = timezone.localdate()

        assert set(Position.objects.values_list("status", flat=True)) == set(Position.Status.values)
        assert "Created 5 common positions" in out
        # Versions to compare, comments in threads on more than one version.
        assert Position.objects.filter(current_version__number__gte=2).count() >= 2
        assert PositionComment.objects.filter(parent__isnull=False).exists()
        consulted = Position.objects.get(status=Position.Status.CONSULTATION)
        assert consulted.comments.values("version").distinct().count() == 2
        # In endorsement: answered both ways, demo heads still to answer, reminders due.
        endorsing = Position.objects.get(status=Position.Status.ENDORSEMENT)
        assert set(endorsing.endorsements.values_list("status", flat=True)) == set(
            Endorsement.Status.values
        )
        waiting = endorsing.endorsements.pending().filter(agency__members__role=Role.HEAD)
        assert waiting.exists()
        assert position_services.reminders_due(today).filter(pk__in=waiting).exists()
        # UNHCR's head has it to endorse, and UNHCR's comments are due on the consultation's
        # second version (it commented on the first).
        unhcr = waiting.get(agency__acronym="UNHCR").agency
        kinds = {p.attention for p in position_selectors.needing_attention(unhcr, today)}
        assert kinds == {"endorse", "comment"}
        adopted = Position.objects.get(status=Position.Status.ADOPTED)
        assert adopted.endorsements.filter(status=Endorsement.Status.ENDORSED).count() == 5
        # The history is told in order and in the past; nobody was emailed about it.
        for position in Position.objects.all():
            times = list(position.events.order_by("pk").values_list("created_at", flat=True))
            assert times == sorted(times) and times[-1] <= timezone.now()
            versions = position.versions.order_by("number").values_list("created_at", flat=True)
            assert list(versions) == sorted(versions)
        assert not PositionEvent.objects.filter(notified_at__isnull=True).exists()
        assert mail.outbox == []

        snapshot = list(Position.objects.values_list("pk", "status", "updated_at"))
        assert "Created 0 common positions" in seed()
        assert list(Position.objects.values_list("pk", "status", "updated_at")) == snapshot

    def test_weak_password_is_refused_and_nothing_created(self):
        with pytest.raises(CommandError, match="too short"):
            seed("--password", "demo")

        assert not User.objects.filter(email__endswith="@" + demo_data.DOMAIN).exists()
        assert not Activity.objects.exists()

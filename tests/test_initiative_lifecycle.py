"""A joint initiative goes proposed → active → completed (with its results), or is closed
without completion; each step is taken by the lead agency's focal point or the secretariat,
and kept in the initiative's history, with who took it and why."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import Agency, Role
from initiatives import services
from initiatives.models import InitiativeEvent, JointInitiative
from priorities.models import Priority

from .factories import JointInitiativeFactory, UserFactory

Status = JointInitiative.Status


@pytest.fixture
def unhcr(db):
    return Agency.objects.get(acronym="UNHCR")


@pytest.fixture
def initiative(iom, unhcr):
    """Proposed, led by IOM, with UNHCR taking part."""
    made = JointInitiativeFactory(title="Joint returnee survey", lead_agency=iom)
    made.participating_agencies.set([iom, unhcr])
    return made


@pytest.fixture
def una(unhcr):
    """Focal point at UNHCR: takes part in the initiative, does not lead it."""
    return UserFactory(
        email="una@unhcr.example", full_name="Una", agency=unhcr, role=Role.FOCAL_POINT
    )


@pytest.fixture
def otto(ilo):
    """Focal point at ILO: an outsider to the initiative."""
    return UserFactory(
        email="otto@ilo.example", full_name="Otto", agency=ilo, role=Role.FOCAL_POINT
    )


def transition_url(initiative):
    return reverse("initiatives:transition", args=[initiative.pk])


def step(initiative, to, **extra):
    return {"to": to, "version": initiative.version, "note": "", "results": "", **extra}


# The service: which steps, and what they need


def test_an_initiative_goes_from_proposal_to_completion_with_its_history(initiative, fiona):
    initiative = services.initiative_transition(
        initiative, to=Status.ACTIVE, by=fiona, note="Both agencies agreed."
    )
    initiative = services.initiative_transition(
        initiative, to=Status.COMPLETED, by=fiona, results="1,200 returnees surveyed."
    )
    assert initiative.status == Status.COMPLETED
    assert initiative.results == "1,200 returnees surveyed."
    steps = list(
        initiative.events.filter(kind=InitiativeEvent.Kind.TRANSITIONED).values_list(
            "from_status", "to_status", "actor", "note"
        )
    )
    assert steps == [
        (Status.PROPOSED, Status.ACTIVE, fiona.pk, "Both agencies agreed."),
        (Status.ACTIVE, Status.COMPLETED, fiona.pk, ""),
    ]


def test_completing_needs_results(initiative, fiona):
    initiative = services.initiative_transition(initiative, to=Status.ACTIVE, by=fiona)
    with pytest.raises(ValidationError) as raised:
        services.initiative_transition(initiative, to=Status.COMPLETED, by=fiona, results="  ")
    assert "results" in raised.value.message_dict
    initiative.refresh_from_db()
    assert initiative.status == Status.ACTIVE
    assert initiative.events.filter(to_status=Status.COMPLETED).count() == 0


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (Status.PROPOSED, Status.COMPLETED),  # not without being active first
        (Status.PROPOSED, Status.PROPOSED),
        (Status.ACTIVE, Status.PROPOSED),
        (Status.COMPLETED, Status.ACTIVE),
        (Status.COMPLETED, Status.CANCELLED),
        (Status.CANCELLED, Status.ACTIVE),
    ],
)
def test_steps_the_lifecycle_does_not_allow_are_refused(iom, fiona, start, to):
    initiative = JointInitiativeFactory(lead_agency=iom, status=start, results="Done.")
    with pytest.raises(ValidationError):
        services.initiative_transition(initiative, to=to, by=fiona)
    initiative.refresh_from_db()
    assert initiative.status == start


@pytest.mark.parametrize("start", [Status.PROPOSED, Status.ACTIVE])
def test_a_proposed_or_active_initiative_may_be_closed_without_completion(iom, fiona, start):
    initiative = JointInitiativeFactory(lead_agency=iom, status=start)
    initiative = services.initiative_transition(
        initiative, to=Status.CANCELLED, by=fiona, note="Funding fell through."
    )
    assert initiative.get_status_display() == "Closed without completion"


def test_a_stale_transition_is_refused(initiative, fiona, sam):
    seen = initiative.version
    services.initiative_transition(initiative, to=Status.ACTIVE, by=sam)
    with pytest.raises(services.StaleInitiativeError):
        services.initiative_transition(
            initiative, to=Status.CANCELLED, by=fiona, expected_version=seen
        )
    initiative.refresh_from_db()
    assert initiative.status == Status.ACTIVE


def test_create_and_edit_are_recorded(iom, fiona):
    made = services.initiative_create(
        title="New", lead_agency=iom, priorities=[Priority.objects.get(code="a")], by=fiona
    )
    services.initiative_update(made, by=fiona, title="Renamed")
    assert list(made.events.values_list("kind", "actor")) == [
        (InitiativeEvent.Kind.CREATED, fiona.pk),
        (InitiativeEvent.Kind.EDITED, fiona.pk),
    ]


def test_editing_does_not_change_the_status(initiative, fiona):
    with pytest.raises(TypeError):
        services.initiative_update(initiative, by=fiona, status=Status.COMPLETED)


# Who may take a step


@pytest.mark.parametrize("person", ["fiona", "sam"])
def test_lead_focal_point_and_secretariat_change_the_status(client, request, initiative, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(transition_url(initiative)).status_code == 200
    response = client.post(
        transition_url(initiative), step(initiative, Status.ACTIVE, note="Agreed <b>today</b>")
    )
    assert response.status_code == 302
    assert response["Location"] == initiative.get_absolute_url()
    initiative.refresh_from_db()
    assert initiative.status == Status.ACTIVE
    page = client.get(initiative.get_absolute_url())
    assert "Agreed &lt;b&gt;today&lt;/b&gt;" in page.content.decode()
    assert "Status changed from Proposed to Active" in page.content.decode()


@pytest.mark.parametrize("person", ["una", "otto", "alice", "harry"])
def test_others_may_not_change_the_status(client, request, initiative, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(transition_url(initiative)).status_code == 403
    response = client.post(transition_url(initiative), step(initiative, Status.ACTIVE))
    assert response.status_code == 403
    initiative.refresh_from_db()
    assert initiative.status == Status.PROPOSED
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert transition_url(initiative) not in page


def test_anonymous_is_sent_to_sign_in_to_change_the_status(client, initiative):
    response = client.post(transition_url(initiative), step(initiative, Status.ACTIVE))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    initiative.refresh_from_db()
    assert initiative.status == Status.PROPOSED


def test_completing_without_results_shows_the_error_on_the_form(client, fiona, iom):
    initiative = JointInitiativeFactory(lead_agency=iom, status=Status.ACTIVE)
    client.force_login(fiona)
    response = client.post(transition_url(initiative), step(initiative, Status.COMPLETED))
    assert response.status_code == 200
    assert "Record the initiative" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.status == Status.ACTIVE


def test_completing_with_results_shows_them(client, fiona, iom):
    initiative = JointInitiativeFactory(lead_agency=iom, status=Status.ACTIVE)
    client.force_login(fiona)
    data = step(initiative, Status.COMPLETED, results="Reached <i>900</i> people.")
    assert client.post(transition_url(initiative), data).status_code == 302
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "Reached &lt;i&gt;900&lt;/i&gt; people." in page


def test_the_history_is_shown_once_in_the_page_and_not_in_its_title(client, fiona, initiative):
    services.initiative_transition(initiative, to=Status.ACTIVE, by=fiona, note="Agreed.")
    client.force_login(fiona)
    page = client.get(initiative.get_absolute_url()).content.decode()
    title = page[page.index("<title>") : page.index("</title>")]
    assert title == "<title>Joint returnee survey · GMG Portal"
    assert page.count('<ol class="timeline">') == 1
    assert page.count("Agreed.") == 1


def test_a_step_not_offered_is_refused_by_the_form(client, fiona, initiative):
    client.force_login(fiona)
    response = client.post(transition_url(initiative), step(initiative, Status.COMPLETED))
    assert response.status_code == 200
    initiative.refresh_from_db()
    assert initiative.status == Status.PROPOSED


# Proposing from scratch


def create_data(**changes):
    data = {
        "title": "Joint data on returns",
        "description": "",
        "priorities": [Priority.objects.get(code="b").pk],
        "start_date": "",
        "end_date": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("person", ["alice", "fiona"])
def test_agency_staff_and_focal_points_propose_an_initiative_their_agency_leads(
    client, request, person, iom, unhcr, ilo
):
    client.force_login(request.getfixturevalue(person))
    assert client.get(reverse("initiatives:create")).status_code == 200
    # A lead agency posted by someone who may not choose it is ignored.
    data = create_data(invited_agencies=[unhcr.pk], lead_agency=ilo.pk)
    response = client.post(reverse("initiatives:create"), data)
    assert response.status_code == 302
    made = JointInitiative.objects.get(title="Joint data on returns")
    assert response["Location"] == made.get_absolute_url()
    assert made.lead_agency == iom
    assert made.status == Status.PROPOSED
    # UNHCR is invited; it takes part once its focal point accepts.
    assert set(made.participating_agencies.all()) == {iom}
    assert list(made.participations.values_list("agency", "status")) == [(unhcr.pk, "invited")]
    proposer = request.getfixturevalue(person)
    assert list(made.events.values_list("kind", "actor")) == [
        (InitiativeEvent.Kind.CREATED, proposer.pk),
        (InitiativeEvent.Kind.INVITED, proposer.pk),
    ]


def test_the_secretariat_chooses_the_lead_agency(client, sam, ilo):
    client.force_login(sam)
    response = client.post(reverse("initiatives:create"), create_data(lead_agency=ilo.pk))
    assert response.status_code == 302
    assert JointInitiative.objects.get(title="Joint data on returns").lead_agency == ilo


def test_the_secretariat_must_choose_a_lead_agency(client, sam):
    client.force_login(sam)
    response = client.post(reverse("initiatives:create"), create_data())
    assert response.status_code == 200
    assert not JointInitiative.objects.exists()


def test_a_proposal_needs_a_priority(client, fiona):
    client.force_login(fiona)
    response = client.post(reverse("initiatives:create"), create_data(priorities=[]))
    assert response.status_code == 200
    assert not JointInitiative.objects.exists()


def test_a_head_of_agency_does_not_propose(client, harry):
    client.force_login(harry)
    assert client.get(reverse("initiatives:create")).status_code == 403
    assert client.post(reverse("initiatives:create"), create_data()).status_code == 403
    assert not JointInitiative.objects.exists()


def test_anonymous_is_sent_to_sign_in_to_propose(client, db):
    response = client.post(reverse("initiatives:create"), create_data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not JointInitiative.objects.exists()


def test_the_gate_tells_an_anonymous_visitor_nothing(db):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    from initiatives import access

    with pytest.raises(Http404):
        access.check_create(AnonymousUser())


# Milestones and results


def milestone_add_url(initiative):
    return reverse("initiatives:milestone-add", args=[initiative.pk])


@pytest.mark.parametrize("person", ["fiona", "sam"])
def test_lead_focal_point_and_secretariat_add_and_complete_milestones(
    client, request, initiative, person, unhcr
):
    client.force_login(request.getfixturevalue(person))
    assert client.get(milestone_add_url(initiative)).status_code == 200
    data = {"title": "Questionnaire <agreed>", "due_date": "2020-01-31", "owner_agency": unhcr.pk}
    assert client.post(milestone_add_url(initiative), data).status_code == 302
    milestone = initiative.milestones.get()
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "Questionnaire &lt;agreed&gt;" in page
    assert "Overdue" in page
    done_url = reverse("initiatives:milestone-done", args=[initiative.pk, milestone.pk])
    assert client.post(done_url).status_code == 302
    assert client.post(done_url).status_code == 302  # a second click records nothing more
    milestone.refresh_from_db()
    assert milestone.done and milestone.done_on is not None
    kinds = list(initiative.events.values_list("kind", flat=True))
    assert kinds.count(InitiativeEvent.Kind.MILESTONE_DONE) == 1
    assert "Overdue" not in client.get(initiative.get_absolute_url()).content.decode()


@pytest.mark.parametrize("person", ["una", "otto", "alice", "harry"])
def test_others_do_not_add_or_complete_milestones(client, request, initiative, iom, person):
    milestone = services.milestone_add(
        initiative, title="Draft", due_date="2030-01-01", owner_agency=iom, by=None
    )
    client.force_login(request.getfixturevalue(person))
    data = {"title": "Mine", "due_date": "2030-01-31", "owner_agency": iom.pk}
    assert client.post(milestone_add_url(initiative), data).status_code == 403
    done_url = reverse("initiatives:milestone-done", args=[initiative.pk, milestone.pk])
    assert client.post(done_url).status_code == 403
    milestone.refresh_from_db()
    assert not milestone.done
    assert initiative.milestones.count() == 1


def test_a_milestone_of_another_initiative_is_not_found(client, fiona, initiative, iom):
    other = JointInitiativeFactory(lead_agency=iom)
    milestone = services.milestone_add(
        other, title="Other", due_date="2030-01-01", owner_agency=iom, by=None
    )
    client.force_login(fiona)
    url = reverse("initiatives:milestone-done", args=[initiative.pk, milestone.pk])
    assert client.post(url).status_code == 404


def test_a_milestone_owner_takes_part(initiative, ilo, fiona):
    with pytest.raises(ValidationError):
        services.milestone_add(
            initiative, title="X", due_date="2030-01-01", owner_agency=ilo, by=fiona
        )


def test_overdue_milestones(initiative, iom):
    import datetime

    today = datetime.date(2026, 6, 1)
    late = services.milestone_add(
        initiative, title="Late", due_date=datetime.date(2026, 5, 1), owner_agency=iom, by=None
    )
    services.milestone_add(
        initiative, title="Soon", due_date=datetime.date(2026, 7, 1), owner_agency=iom, by=None
    )
    done = services.milestone_add(
        initiative, title="Done", due_date=datetime.date(2026, 4, 1), owner_agency=iom, by=None
    )
    services.milestone_mark_done(done, by=None)
    assert list(initiative.milestones.overdue(today)) == [late]
    assert late.is_overdue(today)


def test_completion_records_people_reached(client, fiona, iom):
    initiative = JointInitiativeFactory(lead_agency=iom, status=Status.ACTIVE)
    client.force_login(fiona)
    data = step(initiative, Status.COMPLETED, results="Surveyed.", people_reached="1200")
    assert client.post(transition_url(initiative), data).status_code == 302
    initiative.refresh_from_db()
    assert initiative.people_reached == 1200
    assert "1200 people reached." in client.get(initiative.get_absolute_url()).content.decode()


# The primary priority


def test_the_primary_priority_is_one_of_its_priorities(initiative, fiona):
    a, b = Priority.objects.get(code="a"), Priority.objects.get(code="b")
    with pytest.raises(ValidationError):
        services.initiative_update(initiative, by=fiona, primary_priority=b)
    updated = services.initiative_update(
        initiative, by=fiona, priorities=[a, b], primary_priority=b
    )
    assert updated.primary_priority == b
    with pytest.raises(ValidationError):
        services.initiative_update(updated, by=fiona, priorities=[a])


def test_the_proposal_form_marks_the_primary_priority(client, fiona):
    client.force_login(fiona)
    a, b = Priority.objects.get(code="a"), Priority.objects.get(code="b")
    refused = create_data(priorities=[a.pk], primary_priority=b.pk)
    assert client.post(reverse("initiatives:create"), refused).status_code == 200
    assert not JointInitiative.objects.exists()
    data = create_data(priorities=[a.pk, b.pk], primary_priority=b.pk)
    assert client.post(reverse("initiatives:create"), data).status_code == 302
    made = JointInitiative.objects.get()
    assert made.primary_priority == b
    assert "(primary)" in client.get(made.get_absolute_url()).content.decode()


# Proposing from an activity's similar-work panel


def test_the_proposal_link_fills_in_the_page_from_both_activities(client, fiona, iom, unhcr):
    from overlaps.templatetags.overlap_tags import proposal_url

    from .factories import ActivityFactory

    a, b = Priority.objects.get(code="a"), Priority.objects.get(code="c")
    ours = ActivityFactory(agency=iom, title="Returnee survey", priorities=[a])
    theirs = ActivityFactory(agency=unhcr, title="Their survey", priorities=[b])
    client.force_login(fiona)
    form = client.get(proposal_url(theirs, ours)).context["form"]
    assert form["title"].value() == "Joint: Returnee survey"
    assert sorted(int(pk) for pk in form["priorities"].value()) == sorted([a.pk, b.pk])
    assert [int(pk) for pk in form["invited_agencies"].value()] == [unhcr.pk]
    # On the entry form nothing of ours is saved yet: filled in from theirs.
    form = client.get(proposal_url(theirs)).context["form"]
    assert form["title"].value() == "Joint: Their survey"

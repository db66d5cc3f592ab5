"""The lead agency invites agencies to a joint initiative; each invited agency's focal
point accepts or declines on the initiative's page, and the lead sees who answered."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import Agency, Role
from initiatives import services
from initiatives.models import InitiativeEvent, JointInitiative, Participation

from .factories import JointInitiativeFactory, UserFactory


@pytest.fixture
def unhcr(db):
    return Agency.objects.get(acronym="UNHCR")


@pytest.fixture
def initiative(iom):
    """Proposed, led by IOM, nobody invited yet."""
    made = JointInitiativeFactory(title="Joint returnee survey", lead_agency=iom)
    made.participating_agencies.set([iom])
    return made


@pytest.fixture
def una(unhcr):
    """Focal point at UNHCR, the agency invited."""
    return UserFactory(
        email="una@unhcr.example", full_name="Una", agency=unhcr, role=Role.FOCAL_POINT
    )


@pytest.fixture
def ulla(unhcr):
    """Staff at UNHCR: reads, does not answer for the agency."""
    return UserFactory(email="ulla@unhcr.example", full_name="Ulla", agency=unhcr)


@pytest.fixture
def otto(ilo):
    """Focal point at ILO, not invited."""
    return UserFactory(
        email="otto@ilo.example", full_name="Otto", agency=ilo, role=Role.FOCAL_POINT
    )


@pytest.fixture
def invited(initiative, unhcr, fiona):
    return services.participation_invite(initiative, agency=unhcr, by=fiona)


def invite_url(initiative):
    return reverse("initiatives:invite", args=[initiative.pk])


def answer_url(initiative):
    return reverse("initiatives:answer", args=[initiative.pk])


# The services


def test_an_invited_agency_takes_part_once_it_accepts(initiative, invited, unhcr, una, iom):
    assert set(initiative.participating_agencies.all()) == {iom}
    answered = services.participation_answer(invited, accept=True, by=una, note="Glad to.")
    assert answered.status == Participation.Status.ACCEPTED
    assert answered.answered_by == una
    assert answered.answered_at is not None
    assert set(initiative.participating_agencies.all()) == {iom, unhcr}
    assert list(initiative.events.values_list("kind", "agency", "actor", "note")) == [
        (InitiativeEvent.Kind.INVITED, unhcr.pk, answered.invited_by_id, ""),
        (InitiativeEvent.Kind.ACCEPTED, unhcr.pk, una.pk, "Glad to."),
    ]


def test_a_declining_agency_does_not_take_part(initiative, invited, unhcr, una, iom):
    services.participation_answer(invited, accept=False, by=una)
    assert set(initiative.participating_agencies.all()) == {iom}
    assert initiative.events.last().kind == InitiativeEvent.Kind.DECLINED


def test_an_invitation_is_answered_once(invited, una):
    services.participation_answer(invited, accept=True, by=una)
    with pytest.raises(ValidationError):
        services.participation_answer(invited, accept=False, by=una)
    invited.refresh_from_db()
    assert invited.status == Participation.Status.ACCEPTED


def test_an_agency_is_invited_once_but_may_be_asked_again_after_declining(
    initiative, invited, unhcr, una, fiona
):
    with pytest.raises(ValidationError):
        services.participation_invite(initiative, agency=unhcr, by=fiona)
    services.participation_answer(invited, accept=False, by=una)
    again = services.participation_invite(initiative, agency=unhcr, by=fiona)
    assert again.pk == invited.pk
    assert again.status == Participation.Status.INVITED
    assert again.answered_by is None


def test_the_lead_agency_is_not_invited(initiative, iom, fiona):
    with pytest.raises(ValidationError):
        services.participation_invite(initiative, agency=iom, by=fiona)


def test_a_closed_initiative_takes_no_new_participants(iom, unhcr, fiona):
    closed = JointInitiativeFactory(lead_agency=iom, status=JointInitiative.Status.CANCELLED)
    with pytest.raises(ValidationError):
        services.participation_invite(closed, agency=unhcr, by=fiona)
    assert not closed.participations.exists()


def test_setting_participants_directly_keeps_the_invitations_in_step(initiative, unhcr, ilo, sam):
    services.initiative_update(initiative, by=sam, participating_agencies=[unhcr, ilo])
    assert set(initiative.participations.values_list("agency", "status")) == {
        (unhcr.pk, "accepted"),
        (ilo.pk, "accepted"),
    }
    services.initiative_update(initiative, by=sam, participating_agencies=[ilo])
    assert list(initiative.participations.values_list("agency", flat=True)) == [ilo.pk]


# Who may invite


@pytest.mark.parametrize("person", ["fiona", "sam"])
def test_lead_focal_point_and_secretariat_invite(client, request, initiative, unhcr, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(invite_url(initiative)).status_code == 200
    response = client.post(invite_url(initiative), {"agency": unhcr.pk})
    assert response.status_code == 302
    assert response["Location"] == initiative.get_absolute_url()
    assert initiative.participations.get().agency == unhcr


@pytest.mark.parametrize("person", ["alice", "harry", "una", "otto"])
def test_others_do_not_invite(client, request, initiative, unhcr, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(invite_url(initiative)).status_code == 403
    assert client.post(invite_url(initiative), {"agency": unhcr.pk}).status_code == 403
    assert not initiative.participations.exists()


def test_an_agency_invited_already_is_not_offered(client, fiona, initiative, invited, unhcr):
    client.force_login(fiona)
    response = client.post(invite_url(initiative), {"agency": unhcr.pk})
    assert response.status_code == 200
    assert initiative.participations.count() == 1


# Who may answer


def test_the_invited_agencys_focal_point_answers_on_the_page(client, una, initiative, invited):
    client.force_login(una)
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert answer_url(initiative) in page
    assert client.get(answer_url(initiative)).status_code == 200
    response = client.post(answer_url(initiative), {"answer": "accept", "note": ""})
    assert response.status_code == 302
    assert response["Location"] == initiative.get_absolute_url()
    invited.refresh_from_db()
    assert invited.status == Participation.Status.ACCEPTED
    # Answered: the invitation is no longer offered, and a second answer is refused.
    assert answer_url(initiative) not in client.get(initiative.get_absolute_url()).content.decode()
    assert client.post(answer_url(initiative), {"answer": "decline"}).status_code == 403


def test_the_lead_sees_who_answered(client, fiona, una, initiative, invited):
    services.participation_answer(invited, accept=False, by=una)
    client.force_login(fiona)
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "Declined" in page
    assert "Una" in page


@pytest.mark.parametrize("person", ["ulla", "otto", "fiona", "sam", "alice", "harry"])
def test_others_do_not_answer(client, request, initiative, invited, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(answer_url(initiative)).status_code == 403
    assert client.post(answer_url(initiative), {"answer": "accept"}).status_code == 403
    invited.refresh_from_db()
    assert invited.status == Participation.Status.INVITED


def test_anonymous_is_sent_to_sign_in(client, initiative, invited, unhcr):
    for url in (answer_url(initiative), invite_url(initiative)):
        response = client.post(url, {"answer": "accept", "agency": unhcr.pk})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    invited.refresh_from_db()
    assert invited.status == Participation.Status.INVITED


def test_an_initiative_that_does_not_exist_is_not_found(client, una):
    client.force_login(una)
    assert client.get(answer_url(JointInitiative(pk=999999))).status_code == 404


def test_a_completed_initiative_offers_no_invitation_nor_status_change(client, fiona, iom):
    done = JointInitiativeFactory(lead_agency=iom, status=JointInitiative.Status.COMPLETED)
    client.force_login(fiona)
    page = client.get(done.get_absolute_url()).content.decode()
    assert reverse("initiatives:edit", args=[done.pk]) in page
    assert invite_url(done) not in page
    assert reverse("initiatives:transition", args=[done.pk]) not in page

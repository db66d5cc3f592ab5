"""Each member agency's head endorses or declines a position put to endorsement, once, with
the date and an optional note; who has not answered is visible to everyone."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import Role
from positions import services
from positions.models import Endorsement, PositionEvent

from .factories import AgencyFactory, UserFactory
from .markup import Page
from .positions import answer, consulted, draft, in_endorsement


def answer_url(position):
    return reverse("positions:answer", args=[position.pk])


def test_only_agencies_active_when_it_opens_are_asked(iom, sam):
    AgencyFactory(acronym="GONE", is_active=False)
    position = in_endorsement(iom)
    AgencyFactory(acronym="LATE")  # joins afterwards
    asked = set(position.endorsements.values_list("agency__acronym", flat=True))
    assert "GONE" not in asked and "LATE" not in asked and "IOM" in asked


def test_the_head_endorses_with_date_note_and_version(client, iom, harry):
    position = in_endorsement(iom)
    client.force_login(harry)
    response = client.post(answer_url(position), {"answer": "endorse", "note": "With pride."})
    assert response.status_code == 302
    endorsement = position.endorsements.get(agency=iom)
    assert endorsement.status == Endorsement.Status.ENDORSED
    assert endorsement.answered_by == harry and endorsement.answered_at is not None
    assert endorsement.note == "With pride."
    assert endorsement.version == position.current_version
    event = position.events.get(kind=PositionEvent.Kind.ENDORSED)
    assert event.agency == iom and event.actor == harry


def test_a_head_declines(client, ilo):
    from .positions import head_of

    hilda = head_of("ILO")
    position = in_endorsement(ilo)
    client.force_login(hilda)
    client.post(answer_url(position), {"answer": "decline", "note": "Not our mandate."})
    assert position.endorsements.get(agency=ilo).status == Endorsement.Status.DECLINED


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("harry", 302),  # IOM's head
        ("fiona", 403),  # IOM's focal point
        ("alice", 403),  # IOM's staff
        ("bob", 403),  # ILO's staff
        ("sam", 403),  # the secretariat speaks for no agency
        (None, 302),  # to sign in
    ],
)
def test_only_a_head_answers_for_the_agency(request, client, iom, who, status):
    position = in_endorsement(iom)
    if who:
        client.force_login(request.getfixturevalue(who))
    assert client.get(answer_url(position)).status_code == (200 if who == "harry" else status)
    response = client.post(answer_url(position), {"answer": "endorse"})
    assert response.status_code == status
    answered = position.endorsements.exclude(status=Endorsement.Status.PENDING)
    assert list(answered.values_list("agency__acronym", flat=True)) == (
        ["IOM"] if who == "harry" else []
    )


def test_a_head_of_an_agency_not_asked_is_refused(client, iom):
    position = in_endorsement(iom)
    newcomer = AgencyFactory(acronym="NEW")
    head = UserFactory(email="head@new.example", agency=newcomer, role=Role.HEAD)
    client.force_login(head)
    assert client.post(answer_url(position), {"answer": "endorse"}).status_code == 403


@pytest.mark.parametrize("stage", ["draft", "consultation", "adopted", "withdrawn"])
def test_answers_only_during_endorsement(client, iom, harry, sam, stage):
    if stage == "draft":
        position = draft(iom)
    elif stage == "consultation":
        position = consulted(iom)
    else:
        position = in_endorsement(iom)
        endorsement = position.endorsements.get(agency__acronym="ILO")
        services.endorsement_answer(endorsement, endorse=True, by=None)
        if stage == "adopted":
            for other in position.endorsements.pending().exclude(agency=iom):
                answer(position, other.agency.acronym)
            # IOM's own answer is the only one missing: adopted after the deadline passes.
            position.endorsement_deadline = position.endorsement_deadline.replace(year=2000)
            position.save()
            position = services.position_transition(position, to="adopted", by=sam)
        else:
            position = services.position_transition(position, to="withdrawn", by=sam, note="W")
    client.force_login(harry)
    assert client.post(answer_url(position), {"answer": "endorse"}).status_code == 403
    pending = position.endorsements.filter(agency=iom).first()
    if pending is not None:
        assert pending.status == Endorsement.Status.PENDING
        with pytest.raises(ValidationError):
            services.endorsement_answer(pending, endorse=True, by=harry)


def test_a_second_answer_is_refused(iom, harry):
    position = in_endorsement(iom)
    endorsement = position.endorsements.get(agency=iom)
    services.endorsement_answer(endorsement, endorse=True, by=harry)
    with pytest.raises(ValidationError):
        services.endorsement_answer(endorsement, endorse=False, by=harry)
    assert position.endorsements.get(agency=iom).status == Endorsement.Status.ENDORSED
    assert position.events.filter(kind__in=["endorsed", "declined"]).count() == 1


def test_everyone_sees_who_has_not_answered(client, iom, bob):
    position = in_endorsement(iom)
    answer(position, "IOM", note="Yes.")
    answer(position, "ILO", endorse=False, note="No.")
    client.force_login(bob)
    page = Page(client.get(position.get_absolute_url()).content.decode())
    rows = {row.text.split()[0]: row.text for row in page.all("tr") if row.inside("tbody")}
    assert "Endorsed" in rows["IOM"] and "Declined" in rows["ILO"]
    assert "Not answered yet" in rows["UNHCR"]
    waiting = next(p.text for p in page.all("p") if p.text.startswith("Not answered yet:"))
    assert "UNHCR" in waiting and "IOM" not in waiting and "ILO" not in waiting

"""A common position goes draft → consultation → endorsement → adopted, or is withdrawn.

The lead agency's focal points and the secretariat move it; only the secretariat adopts it,
and only once at least one agency endorsed it and everyone answered or the deadline passed.
Each step is kept in its history, and the pages refuse everyone else.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import Agency
from positions import services
from positions.models import Endorsement, Position, PositionEvent

from .positions import answer, consulted, draft, head_of, in_days, in_endorsement

Status = Position.Status


def stage_url(position):
    return reverse("positions:stage", args=[position.pk])


def post_step(client, user, position, to, deadline="", note=""):
    if user is not None:
        client.force_login(user)
    data = {"to": to, "deadline": deadline, "note": note}
    return client.post(stage_url(position), data)


# -- the service ------------------------------------------------------------------------------


def test_from_draft_to_adopted_with_its_history(iom, fiona, sam, harry):
    position = draft(iom, by=fiona)
    assert position.status == Status.DRAFT
    assert position.current_version.number == 1

    position = services.position_transition(
        position, to=Status.CONSULTATION, by=fiona, deadline=in_days(10), note="Please comment."
    )
    assert position.comment_deadline == in_days(10)
    assert position.consultation_opened_at is not None

    position = services.position_transition(
        position, to=Status.ENDORSEMENT, by=fiona, deadline=in_days(20)
    )
    asked = set(position.endorsements.values_list("agency__acronym", flat=True))
    assert asked == set(Agency.objects.active().values_list("acronym", flat=True))
    assert set(position.endorsements.values_list("status", flat=True)) == {"pending"}

    answer(position, "IOM", by=harry, note="IOM endorses.")
    for acronym in asked - {"IOM"}:
        answer(position, acronym, endorse=acronym != "ILO")
    position = services.position_transition(position, to=Status.ADOPTED, by=sam)
    assert position.status == Status.ADOPTED and position.adopted_at is not None

    steps = [
        (e.kind, e.from_status, e.to_status, e.actor)
        for e in position.events.filter(kind__in=["created", "transitioned"])
    ]
    assert steps == [
        ("created", "", "draft", fiona),
        ("transitioned", "draft", "consultation", fiona),
        ("transitioned", "consultation", "endorsement", fiona),
        ("transitioned", "endorsement", "adopted", sam),
    ]
    assert position.events.filter(kind="endorsed").count() == len(asked) - 1
    assert position.events.get(kind="declined").agency.acronym == "ILO"


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("draft", Status.ENDORSEMENT),
        ("draft", Status.ADOPTED),
        ("consultation", Status.DRAFT),
        ("consultation", Status.ADOPTED),
        ("endorsement", Status.CONSULTATION),
        ("adopted", Status.WITHDRAWN),
        ("withdrawn", Status.CONSULTATION),
    ],
)
def test_steps_the_lifecycle_does_not_allow_are_refused(iom, ilo, sam, start, to):
    position = {
        "draft": lambda: draft(iom),
        "consultation": lambda: consulted(iom),
        "endorsement": lambda: in_endorsement(iom),
    }.get(start, lambda: in_endorsement(iom))()
    if start == "adopted":
        answer(position, "IOM")
        for other in position.endorsements.pending():
            answer(position, other.agency.acronym, endorse=False)
        position = services.position_transition(position, to=Status.ADOPTED, by=sam)
    elif start == "withdrawn":
        position = services.position_transition(
            position, to=Status.WITHDRAWN, by=sam, note="Overtaken by events."
        )
    with pytest.raises(ValidationError):
        services.position_transition(
            position, to=to, by=sam, deadline=in_days(5), note="Trying anyway."
        )
    position.refresh_from_db()
    assert position.status == start


@pytest.mark.parametrize("to", [Status.CONSULTATION, Status.ENDORSEMENT])
def test_a_stage_with_a_deadline_needs_one_from_today(iom, sam, to):
    position = draft(iom) if to == Status.CONSULTATION else consulted(iom)
    for deadline in (None, in_days(-1)):
        with pytest.raises(ValidationError) as caught:
            services.position_transition(position, to=to, by=sam, deadline=deadline)
        assert "deadline" in caught.value.message_dict
    moved = services.position_transition(position, to=to, by=sam, deadline=in_days(0))
    assert moved.status == to


def test_withdrawing_needs_a_reason(iom, fiona):
    position = consulted(iom)
    with pytest.raises(ValidationError) as caught:
        services.position_transition(position, to=Status.WITHDRAWN, by=fiona, note="  ")
    assert "note" in caught.value.message_dict
    withdrawn = services.position_transition(
        position, to=Status.WITHDRAWN, by=fiona, note="Merged into the broader statement."
    )
    assert withdrawn.status == Status.WITHDRAWN
    assert withdrawn.events.last().note == "Merged into the broader statement."


# -- the adoption rule ------------------------------------------------------------------------


def test_not_adopted_while_agencies_may_still_answer_before_the_deadline(iom, sam):
    position = in_endorsement(iom, deadline_in=10)
    answer(position, "IOM")
    assert services.adoption_blockers(position)
    with pytest.raises(ValidationError):
        services.position_transition(position, to=Status.ADOPTED, by=sam)


def test_adopted_once_everyone_answered_before_the_deadline(iom, sam):
    position = in_endorsement(iom, deadline_in=10)
    answer(position, "IOM")
    for other in position.endorsements.pending():
        answer(position, other.agency.acronym, endorse=False)
    assert services.adoption_blockers(position) == []
    assert services.position_transition(position, to=Status.ADOPTED, by=sam).status == "adopted"


def test_adopted_after_the_deadline_with_the_silent_agencies_listed_as_not_answering(
    client, iom, sam
):
    position = in_endorsement(iom, deadline_in=3)
    answer(position, "IOM")
    answer(position, "ILO", endorse=False)
    with time_machine.travel(datetime.datetime.now() + datetime.timedelta(days=4)):
        assert services.adoption_blockers(position) == []
        position = services.position_transition(position, to=Status.ADOPTED, by=sam)
        client.force_login(sam)
        page = client.get(reverse("positions:published", args=[position.pk])).content.decode()
    endorsing = page.split("Endorsed by", 1)[1].split("Not endorsing", 1)
    assert "(IOM)" in endorsing[0] and "ILO" not in endorsing[0]
    assert "ILO — declined" in endorsing[1]
    assert "UNHCR — did not answer" in endorsing[1]
    # Answers stay as they were: the silent agencies are still without an answer.
    assert position.endorsements.pending().count() == Agency.objects.active().count() - 2


def test_not_adopted_when_nobody_endorsed_even_after_the_deadline(iom, sam):
    position = in_endorsement(iom, deadline_in=1)
    for endorsement in position.endorsements.all():
        answer(position, endorsement.agency.acronym, endorse=False)
    with time_machine.travel(datetime.datetime.now() + datetime.timedelta(days=3)):
        assert services.adoption_blockers(position) == ["No agency has endorsed it yet."]
        with pytest.raises(ValidationError):
            services.position_transition(position, to=Status.ADOPTED, by=sam)


# -- who may take each step (the pages) -------------------------------------------------------

# Fiona is IOM's focal point, Alice IOM's staff, Harry IOM's head; IOM leads. Bob is ILO
# staff; Sam the secretariat. A draft is not readable outside IOM (404); a position past it is.
DRAFT_TO_CONSULTATION = [
    ("fiona", 302),
    ("sam", 302),
    ("alice", 403),
    ("harry", 403),
    ("bob", 404),
    (None, 302),  # to sign in
]
CONSULTATION_TO_ENDORSEMENT = [
    ("fiona", 302),
    ("sam", 302),
    ("alice", 403),
    ("harry", 403),
    ("bob", 403),
    (None, 302),
]


def _who(request, name):
    return request.getfixturevalue(name) if name else None


@pytest.mark.parametrize(("who", "status"), DRAFT_TO_CONSULTATION)
def test_who_puts_a_draft_to_consultation(request, client, iom, who, status):
    user = _who(request, who)
    position = draft(iom)
    response = post_step(client, user, position, Status.CONSULTATION, in_days(7).isoformat())
    assert response.status_code == status
    position.refresh_from_db()
    moved = who in ("fiona", "sam")
    assert position.status == (Status.CONSULTATION if moved else Status.DRAFT)
    if who is None:
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("who", "status"), CONSULTATION_TO_ENDORSEMENT)
def test_who_puts_a_position_to_endorsement(request, client, iom, who, status):
    user = _who(request, who)
    position = consulted(iom)
    response = post_step(client, user, position, Status.ENDORSEMENT, in_days(30).isoformat())
    assert response.status_code == status
    position.refresh_from_db()
    moved = who in ("fiona", "sam")
    assert position.status == (Status.ENDORSEMENT if moved else Status.CONSULTATION)
    assert Endorsement.objects.filter(position=position).exists() == moved


@pytest.mark.parametrize(
    ("who", "status"),
    [("sam", 302), ("fiona", 200), ("alice", 403), ("harry", 403), ("bob", 403), (None, 302)],
)
def test_only_the_secretariat_adopts(request, client, iom, who, status):
    user = _who(request, who)
    position = in_endorsement(iom)
    for endorsement in position.endorsements.all():
        answer(position, endorsement.agency.acronym)
    response = post_step(client, user, position, Status.ADOPTED)
    assert response.status_code == status
    position.refresh_from_db()
    assert position.status == (Status.ADOPTED if who == "sam" else Status.ENDORSEMENT)
    if who == "fiona":
        # The lead's focal point is not offered the step: the form says so.
        assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("fiona", 302), ("sam", 302), ("alice", 403), ("harry", 403), ("bob", 403), (None, 302)],
)
def test_who_withdraws_a_position(request, client, iom, who, status):
    user = _who(request, who)
    position = consulted(iom)
    response = post_step(client, user, position, Status.WITHDRAWN, note="No longer needed.")
    assert response.status_code == status
    position.refresh_from_db()
    assert (position.status == Status.WITHDRAWN) == (who in ("fiona", "sam"))


def test_a_focal_point_of_another_agency_moves_nothing(client, iom, ilo):
    from agencies.models import Role

    from .factories import UserFactory

    otto = UserFactory(email="otto@ilo.example", agency=ilo, role=Role.FOCAL_POINT)
    position = consulted(iom)
    response = post_step(client, otto, position, Status.ENDORSEMENT, in_days(30).isoformat())
    assert response.status_code == 403
    assert client.get(stage_url(position)).status_code == 403


def test_the_step_form_keeps_the_typed_note_and_says_what_is_wrong(client, iom, fiona):
    position = draft(iom)
    response = post_step(client, fiona, position, Status.CONSULTATION, "", note="Kept note")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give a deadline." in page and "Kept note" in page
    position.refresh_from_db()
    assert position.status == Status.DRAFT


def test_an_adopted_position_offers_no_step(client, iom, sam):
    position = in_endorsement(iom)
    for endorsement in position.endorsements.all():
        answer(position, endorsement.agency.acronym)
    services.position_transition(position, to=Status.ADOPTED, by=sam)
    client.force_login(sam)
    page = client.get(stage_url(position)).content.decode()
    assert "Its lifecycle is over" in page
    response = post_step(client, sam, position, Status.WITHDRAWN, note="Try")
    assert response.status_code == 200
    position.refresh_from_db()
    assert position.status == Status.ADOPTED


# -- deadlines --------------------------------------------------------------------------------


def test_the_lead_moves_the_deadline_and_the_history_says_so(client, iom, fiona, bob):
    position = consulted(iom, deadline_in=5)
    url = reverse("positions:deadline", args=[position.pk])
    client.force_login(bob)
    assert client.post(url, {"deadline": in_days(9).isoformat()}).status_code == 403
    client.force_login(fiona)
    past = client.post(url, {"deadline": in_days(-2).isoformat()})
    assert "The deadline cannot be in the past." in past.content.decode()
    assert client.post(url, {"deadline": in_days(9).isoformat()}).status_code == 302
    position.refresh_from_db()
    assert position.comment_deadline == in_days(9)
    event = position.events.get(kind=PositionEvent.Kind.DEADLINE)
    assert event.actor == fiona and in_days(9).isoformat() in event.note


def test_a_new_endorsement_deadline_lets_the_silent_heads_be_reminded_again(iom, sam):
    position = in_endorsement(iom, deadline_in=5)
    position.endorsements.update(reminded_at=datetime.datetime.now(datetime.UTC))
    answer(position, "IOM")
    services.deadline_change(position, deadline=in_days(30), by=sam)
    assert position.endorsements.filter(reminded_at__isnull=True).count() == (
        position.endorsements.pending().count()
    )
    assert position.endorsements.get(agency__acronym="IOM").reminded_at is not None


def test_a_draft_has_no_deadline_to_move(client, iom, fiona):
    position = draft(iom)
    client.force_login(fiona)
    response = client.get(reverse("positions:deadline", args=[position.pk]))
    assert response.status_code == 403
    with pytest.raises(ValidationError):
        services.deadline_change(position, deadline=in_days(3), by=fiona)


def test_a_head_sees_the_answer_button_only_while_the_agency_has_not_answered(client, iom):
    harry = head_of("ILO")
    position = in_endorsement(iom)
    client.force_login(harry)
    url = position.get_absolute_url()
    assert "Endorse or decline" in client.get(url).content.decode()
    answer(position, "ILO", by=harry)
    assert "Endorse or decline" not in client.get(url).content.decode()

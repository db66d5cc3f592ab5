"""The weekly digest and the home page's "Needs your attention" tell each agency which common
positions await its head's endorsement and which consultations want its comments soon; and
tell the secretariat which positions it may adopt."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from agencies.models import Agency
from common import emails
from digests import services as digest_services
from digests import week as weeks
from digests.attention import ATTENTION_CAP, needs_attention
from digests.content import build_digest
from positions import selectors, services
from positions.models import Position

from .positions import answer, consulted, draft, in_days, in_endorsement

NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def unhcr(db):
    return Agency.objects.get(acronym="UNHCR")


def needing(agency):
    return list(selectors.needing_attention(agency, TODAY).order_by("due", "pk"))


def test_what_awaits_an_agency_soonest_deadline_first(iom, ilo, unhcr, alice):
    endorse_late = in_endorsement(ilo, title="Endorse, late", deadline_in=20)
    endorse_soon = in_endorsement(unhcr, title="Endorse, soon", deadline_in=3)
    comment_soon = consulted(ilo, title="Comments due soon", deadline_in=5)
    # Not IOM's to act on: answered, its own consultation, a deadline far off or passed,
    # a consultation it commented on, a draft.
    answered = in_endorsement(ilo, title="Answered")
    answer(answered, "IOM")
    consulted(iom, title="IOM's own consultation", deadline_in=3)
    consulted(ilo, title="Comments due later", deadline_in=selectors.COMMENTS_DUE_DAYS + 1)
    commented = consulted(ilo, title="Commented", deadline_in=4)
    services.comment_add(commented, by=alice, text="IOM's view.")
    with time_machine.travel(NOW - datetime.timedelta(days=10), tick=False):
        consulted(ilo, title="Deadline passed", deadline_in=2)
    draft(ilo, title="A draft")

    rows = needing(iom)
    assert [p.title for p in rows] == ["Endorse, soon", "Comments due soon", "Endorse, late"]
    assert [(p.attention, p.due) for p in rows] == [
        ("endorse", in_days(3)),
        ("comment", in_days(5)),
        ("endorse", in_days(20)),
    ]
    assert {p.pk for p in rows} == {endorse_late.pk, endorse_soon.pk, comment_soon.pk}


def test_a_new_version_asks_for_comments_again(iom, ilo, alice, bob):
    position = consulted(iom, deadline_in=6)
    services.comment_add(position, by=bob, text="ILO comments.")
    assert needing(ilo) == []
    services.position_update(position, by=alice, base_version=1, text="V2.", change_note="C")
    assert [p.pk for p in needing(ilo)] == [position.pk]


def test_the_secretariat_is_told_what_it_may_adopt(iom, ilo):
    ready = in_endorsement(iom, title="Everyone answered")
    for endorsement in ready.endorsements.all():
        answer(ready, endorsement.agency.acronym)
    waiting = in_endorsement(ilo, title="Still waiting")
    answer(waiting, "ILO")
    assert [(p.title, p.attention) for p in needing(None)] == [("Everyone answered", "adopt")]


def test_needs_attention_lists_them_capped_with_the_total(iom, ilo):
    for n in range(ATTENTION_CAP + 2):
        in_endorsement(ilo, title=f"Position {n}", deadline_in=10 + n)
    attention = needs_attention(iom, since=NOW - datetime.timedelta(days=7), until=NOW)
    assert [p.title for p in attention.positions] == [f"Position {n}" for n in range(3)]
    assert attention.total("positions") == ATTENTION_CAP + 2
    assert "5 common positions awaiting your agency" in attention.summary()
    assert not attention.is_empty


def test_the_heads_digest_names_them_with_their_deadlines(harry, iom, ilo, settings):
    settings.SITE_URL = "https://portal.example"
    endorse = in_endorsement(ilo, title="Statement on <em>returns</em>", deadline_in=9)
    consulted(ilo, title="Position on fees", deadline_in=4)
    year, week = weeks.reported(NOW)
    digest = build_digest(harry, year, week)
    groups = {g["key"]: g for g in digest.context()["attention"]}
    group = groups["positions"]
    assert group["title"] == "Common positions awaiting your agency"
    assert [(i["title"], i["note"]) for i in group["items"]] == [
        ("Position on fees", "Comments due by 1 December 2026"),
        ("Statement on <em>returns</em>", "Endorsement due by 6 December 2026"),
    ]
    assert group["items"][1]["url"] == "https://portal.example" + endorse.get_absolute_url()
    subject, text, html = emails.render("digest", digest.context())
    assert "2 common positions awaiting your agency" in subject
    assert "Endorsement due by 6 December 2026" in text
    assert "Statement on &lt;em&gt;returns&lt;/em&gt;" in html and "<em>returns" not in html


def test_a_digest_with_only_a_position_awaiting_is_sent(harry, ilo, mailoutbox):
    in_endorsement(ilo, title="Only this")
    year, week = weeks.reported(NOW)
    assert digest_services.send_one(harry, year, week) == "sent"
    (message,) = mailoutbox
    assert "Only this" in message.body


def test_the_home_page_lists_them_under_needs_your_attention(client, harry, ilo, sam):
    position = in_endorsement(ilo, title="Awaiting IOM")
    client.force_login(harry)
    html = client.get(reverse("dashboard")).content.decode()
    attention = html.split('id="attention-heading"', 1)[1].split("</section>", 1)[0]
    assert "Common positions awaiting your agency" in attention
    assert position.get_absolute_url() in attention
    client.force_login(sam)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Awaiting IOM" not in html  # not ready to adopt yet


def test_withdrawn_and_adopted_positions_ask_nothing(iom, ilo, sam):
    gone = in_endorsement(ilo, title="Withdrawn")
    services.position_transition(gone, to=Position.Status.WITHDRAWN, by=sam, note="No.")
    adopted = in_endorsement(ilo, title="Adopted")
    for endorsement in adopted.endorsements.exclude(agency=iom):
        answer(adopted, endorsement.agency.acronym)
    with time_machine.travel(NOW + datetime.timedelta(days=30), tick=False):
        services.position_transition(adopted, to=Position.Status.ADOPTED, by=sam)
    assert needing(iom) == [] and needing(None) == []

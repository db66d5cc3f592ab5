"""What needs a person's attention: the one selector behind the digest and the home pages."""

import datetime

import pytest
import time_machine

from agencies.models import Agency
from digests.attention import ATTENTION_CAP, DECISIONS_DUE_DAYS, needs_attention
from initiatives.models import JointInitiative, Participation
from overlaps.models import OverlapFlag

from .factories import ActivityFactory, AgencyFactory, JointInitiativeFactory, ParticipationFactory

NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)
SINCE = NOW - datetime.timedelta(days=7)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def pair(x_agency, y_agency, score=0.8, created=None, **fields):
    a, b = ActivityFactory(agency=x_agency), ActivityFactory(agency=y_agency)
    flag = OverlapFlag.objects.create(activity_a=a, activity_b=b, score=score, **fields)
    if created:
        OverlapFlag.objects.filter(pk=flag.pk).update(created_at=created)
        flag.refresh_from_db()
    return flag


def decided(x_agency, y_agency, status, when):
    return pair(x_agency, y_agency, status=status, decided_at=when)


def attention_for(agency):
    return needs_attention(agency, since=SINCE, until=NOW)


def test_decisions_of_the_period_involving_the_agency(iom, ilo):
    unhcr = Agency.objects.get(acronym="UNHCR")
    confirmed = decided(iom, ilo, OverlapFlag.Status.CONFIRMED, NOW - datetime.timedelta(days=1))
    complementary = decided(
        ilo, iom, OverlapFlag.Status.COMPLEMENTARY, NOW - datetime.timedelta(days=2)
    )
    decided(iom, ilo, OverlapFlag.Status.CONFIRMED, SINCE - datetime.timedelta(hours=1))
    decided(ilo, unhcr, OverlapFlag.Status.CONFIRMED, NOW - datetime.timedelta(days=1))

    attention = attention_for(iom)

    assert attention.confirmed == [confirmed]
    assert attention.decisions == [complementary]
    assert attention.open_pairs == [] and attention.overdue == []


def test_open_pairs_highest_score_first_capped_with_the_total(iom, ilo):
    flags = [pair(iom, ilo, score=0.4 + n / 10) for n in range(ATTENTION_CAP + 2)]
    pair(ilo, AgencyFactory(), score=0.99)  # not IOM's
    attention = attention_for(iom)
    assert attention.open_pairs == sorted(flags, key=lambda f: -f.score)[:ATTENTION_CAP]
    assert attention.total("open_pairs") == ATTENTION_CAP + 2
    assert attention.more("open_pairs") == 2


def test_initiatives_awaiting_the_agencys_answer(iom, ilo):
    invited = JointInitiativeFactory(lead_agency=ilo, title="IOM invited")
    ParticipationFactory(initiative=invited, agency=iom)
    started = JointInitiativeFactory(
        lead_agency=ilo, title="Started, IOM invited", status=JointInitiative.Status.ACTIVE
    )
    ParticipationFactory(initiative=started, agency=iom)
    answered = JointInitiativeFactory(lead_agency=ilo, title="IOM answered")
    ParticipationFactory(initiative=answered, agency=iom, status=Participation.Status.DECLINED)
    closed = JointInitiativeFactory(
        lead_agency=ilo, title="Closed", status=JointInitiative.Status.CANCELLED
    )
    ParticipationFactory(initiative=closed, agency=iom)
    # An agency does not answer its own proposal, nor one it was not invited to.
    led = JointInitiativeFactory(lead_agency=iom, title="Led by IOM")
    elsewhere = JointInitiativeFactory(lead_agency=ilo, title="Not IOM's")
    ParticipationFactory(initiative=elsewhere)

    got = attention_for(iom).initiatives

    assert set(got) == {invited, started}
    assert not {answered, closed, led, elsewhere} & set(got)


def test_portal_wide_for_the_secretariat(iom, ilo):
    unhcr = Agency.objects.get(acronym="UNHCR")
    old = NOW - datetime.timedelta(days=DECISIONS_DUE_DAYS + 1)
    older = NOW - datetime.timedelta(days=DECISIONS_DUE_DAYS + 30)
    recent = pair(iom, ilo, score=0.9)
    waiting = pair(ilo, unhcr, score=0.5, created=old)
    waiting_longer = pair(iom, unhcr, score=0.6, created=older)
    JointInitiativeFactory(lead_agency=iom)

    attention = needs_attention(None, since=SINCE, until=NOW)

    assert attention.open_pairs == [recent, waiting_longer, waiting]
    # Decisions due: open for more than DECISIONS_DUE_DAYS, the longest waiting first.
    assert attention.overdue == [waiting_longer, waiting]
    # Initiatives wait for agencies, not for the secretariat.
    assert attention.initiatives == []


def test_summary_phrases_most_pressing_first_with_plurals(iom, ilo):
    assert attention_for(iom).is_empty and attention_for(iom).summary() == []
    decided(iom, ilo, OverlapFlag.Status.CONFIRMED, NOW - datetime.timedelta(days=1))
    pair(iom, ilo)
    pair(iom, ilo)
    ParticipationFactory(agency=iom)
    decided(iom, ilo, OverlapFlag.Status.NOT_RELATED, NOW - datetime.timedelta(days=1))

    attention = attention_for(iom)

    assert not attention.is_empty
    assert attention.summary() == [
        "1 confirmed duplication",
        "2 pairs to review",
        "1 initiative awaiting your answer",
        "1 other decision",
    ]


def test_a_fixed_number_of_queries(iom, ilo, django_assert_num_queries):
    def fill(n):
        for _ in range(n):
            pair(iom, ilo)
            decided(iom, ilo, OverlapFlag.Status.CONFIRMED, NOW - datetime.timedelta(days=1))
            decided(iom, ilo, OverlapFlag.Status.COMPLEMENTARY, NOW - datetime.timedelta(days=1))
            ParticipationFactory(agency=iom)

    fill(1)
    # One for every list together: the pairs, initiatives, positions, action points and
    # meetings, and an agency's requests for support and follow-ups due (states).
    with django_assert_num_queries(1):
        attention_for(iom)
    with django_assert_num_queries(1):
        needs_attention(None, since=SINCE, until=NOW)
    fill(10)
    with django_assert_num_queries(1):
        attention = attention_for(iom)
    assert len(attention.confirmed) == ATTENTION_CAP and attention.total("confirmed") == 11

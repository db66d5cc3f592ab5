"""The chairs' history, overdue action points and their list, the calendar feed, and what
the digest and the home page say of the group's governance."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from digests.attention import needs_attention
from governance import ical, services
from governance.models import ActionPoint, CalendarToken, Chairmanship, Meeting

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NOW = timezone.now()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def meeting(sam, title="Principals", when=-30, **fields):
    return services.meeting_create(
        by=sam, kind=fields.pop("kind", "principals"), title=title, date=days(when), **fields
    )


def point(m, sam, owner, due, text="Do it", **fields):
    return services.action_point_create(m, by=sam, text=text, owner=owner, due_date=days(due))


# -- the chairs' history ------------------------------------------------------------------------

HALF_YEARS = [
    "UNHCR", "IOM", "UN DESA", "UNFPA", "UNCTAD", "UNITAR", "UNDP", "OHCHR", "UNICEF",
    "UNESCO", "UNODC", "the Regional Commissions", "IOM",
]  # fmt: skip
YEARLY = ["ILO", "World Bank", "UN Women", "UNU", "FAO with IOM"]


def test_the_chairs_history_holds_the_stated_facts():
    terms = list(Chairmanship.objects.select_related("agency", "co_chair"))
    assert [t.label for t in terms] == ["UNCTAD", *HALF_YEARS, *YEARLY]
    first = terms[0]
    assert first.start == datetime.date(2006, 5, 9) and first.agency.acronym == "UNCTAD"
    # Six-month terms, back to back, from July 2006.
    halves = terms[1:14]
    assert halves[0].start == datetime.date(2006, 7, 1)
    for term, following in zip(halves, halves[1:], strict=False):
        assert following.start == term.end + datetime.timedelta(days=1)
        assert (term.end - term.start).days in range(180, 185)
    # Counted so, they end in 2012: the stated facts leave 2013 without a chair, and say so.
    assert halves[-1].end == datetime.date(2012, 12, 31)
    assert "2013" in halves[-1].note
    assert not Chairmanship.objects.filter(start__year=2013).exists()
    for year, term in zip(range(2014, 2019), terms[14:], strict=True):
        assert (term.start, term.end) == (datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    assert terms[-1].agency.acronym == "FAO" and terms[-1].co_chair.acronym == "IOM"
    assert terms[15].agency.acronym == "WB"
    assert terms[12].agency == Agency.objects.get(slug="regional-commissions")
    # Nowhere two chairs at once.
    for term, following in zip(terms, terms[1:], strict=False):
        assert term.end < following.start


def test_one_chair_at_a_time():
    with pytest.raises(ValidationError) as exc:
        services.chairmanship_create(label="X", start=datetime.date(2015, 6, 1))
    assert "start" in exc.value.message_dict
    term = services.chairmanship_create(
        label="WHO", start=datetime.date(2019, 1, 1), end=datetime.date(2019, 12, 31)
    )
    assert term.pk and services.current_chair(datetime.date(2019, 5, 1)) == term


def test_the_history_page_shows_the_rotation_from_2006(client, alice):
    client.force_login(alice)
    html = client.get(reverse("governance:chair-history")).content.decode()
    assert html.count('<tr id="term-') == Chairmanship.objects.count()
    assert "9 May 2006" in html and "the Regional Commissions" in html
    assert "no chair for 2013" in html


# -- overdue, the list and its CSV ----------------------------------------------------------


def test_overdue_is_computed_from_the_date(sam, iom, ilo):
    m = meeting(sam)
    late = point(m, sam, iom, -1)
    due_today = point(m, sam, iom, 0)
    done_late = point(m, sam, ilo, -5)
    services.action_point_set_status(done_late, by=sam, status="done")
    assert list(ActionPoint.objects.overdue(TODAY)) == [late]
    assert late.is_overdue_on(TODAY) and not due_today.is_overdue_on(TODAY)
    assert set(ActionPoint.objects.due_within(TODAY, 7)) == {late, due_today}


def test_the_list_filters_and_the_csv_matches(client, sam, iom, ilo):
    m, other = meeting(sam), meeting(sam, "Working level", kind="working_level")
    late = point(m, sam, iom, -3, text='=HYPERLINK("x")')
    point(m, sam, ilo, -3)
    point(other, sam, iom, 20)
    client.force_login(sam)
    url = reverse("governance:action-point-list")
    html = client.get(url, {"owner": "iom", "due": "overdue"}).content.decode()
    assert "1 action point" in html and "Overdue" in html
    html = client.get(url, {"meeting": other.pk}).content.decode()
    assert "1 action point" in html
    html = client.get(url).content.decode()
    assert "2 action points are overdue" in html
    response = client.get(
        reverse("governance:action-point-export"), {"owner": "iom", "due": "overdue"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert rows[0][:5] == ["meeting", "meeting_date", "agenda_item", "action", "owner"]
    assert len(rows) == 2
    assert rows[1][3] == "'" + late.text  # a formula defused
    assert rows[1][4] == "IOM" and rows[1][8] == "yes"


def test_the_list_runs_a_fixed_number_of_queries(client, sam, iom, django_assert_max_num_queries):
    m = meeting(sam)
    client.force_login(sam)
    point(m, sam, iom, -1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("governance:action-point-list"))
        client.get(reverse("governance:meeting-detail", args=[m.pk]))
    for n in range(15):
        point(m, sam, iom, n)
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("governance:action-point-list"))
        client.get(reverse("governance:meeting-detail", args=[m.pk]))


# -- the calendar feed ------------------------------------------------------------------------

HOSTILE = "Budget; review, \\ with <script>alert(1)</script>\nnext line é" + "x" * 90


def unfold(text):
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    for line in lines:
        assert len(line.encode("utf-8")) <= 75, line
    joined = []
    for line in lines:
        if line.startswith(" "):
            joined[-1] += line[1:]
        else:
            joined.append(line)
    return joined


def test_the_feed_is_valid_escapes_text_and_needs_no_session(client, fiona, sam, iom, ilo):
    m = meeting(sam, HOSTILE, when=5, place="Geneva, Palais", online=True)
    mine = point(m, sam, iom, 3, text="IOM's; task")
    point(m, sam, ilo, 3, text="ILO task")
    token = services.calendar_token_create(fiona)
    response = client.get(reverse("governance:calendar-feed", args=[token.token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    lines = unfold(response.content.decode())
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2  # ILO's is not hers
    summary = next(line for line in lines if line.startswith("SUMMARY:Budget"))
    assert summary.startswith(r"SUMMARY:Budget\; review\, \\ with <script>")
    assert r"\nnext line é" in summary
    assert "LOCATION:Geneva\\, Palais and online" in lines
    assert f"UID:action-point-{mine.pk}@testserver" in lines
    assert "DTSTART;VALUE=DATE:" + days(3).strftime("%Y%m%d") in lines


def test_fold_never_splits_a_character():
    for line in ical.fold("SUMMARY:" + "é" * 100):
        assert len(line.encode("utf-8")) <= 75
        line.encode("utf-8").decode("utf-8")


def test_a_revoked_or_replaced_token_is_404(client, fiona):
    client.force_login(fiona)
    url = reverse("governance:calendar-settings")
    client.post(url, {"action": "create"})
    first = CalendarToken.objects.get(user=fiona).token
    assert first in client.get(url).content.decode()
    client.post(url, {"action": "create"})
    second = CalendarToken.objects.get(user=fiona).token
    assert second != first
    client.logout()
    assert client.get(reverse("governance:calendar-feed", args=[first])).status_code == 404
    assert client.get(reverse("governance:calendar-feed", args=[second])).status_code == 200
    client.force_login(fiona)
    client.post(url, {"action": "revoke"})
    client.logout()
    assert client.get(reverse("governance:calendar-feed", args=[second])).status_code == 404
    assert client.get(reverse("governance:calendar-feed", args=["nonsense"])).status_code == 404


def test_a_person_who_left_has_no_feed(client, fiona):
    token = services.calendar_token_create(fiona)
    fiona.is_active = False
    fiona.save()
    assert client.get(reverse("governance:calendar-feed", args=[token.token])).status_code == 404


# -- attention, the digest and priority (c) -----------------------------------------------------


def test_heads_attention_lists_their_agencys_due_points_and_coming_meetings(sam, iom, ilo):
    m = meeting(sam, when=-10)
    coming = meeting(sam, "Next Principals", when=10)
    meeting(sam, "Far away", when=40)
    late, soon = point(m, sam, iom, -2), point(m, sam, iom, 5)
    point(m, sam, iom, 30)  # not yet due
    point(m, sam, ilo, -2)  # another agency's
    services.action_point_set_status(point(m, sam, iom, -9), by=sam, status="done")
    attention = needs_attention(iom, since=NOW - datetime.timedelta(days=7), until=NOW)
    assert attention.action_points == [late, soon] and attention.total("action_points") == 2
    assert attention.meetings == [coming]
    assert "2 action points due" in attention.summary()
    everyone = needs_attention(None, since=NOW - datetime.timedelta(days=7), until=NOW)
    assert everyone.total("action_points") == 3


def test_the_digest_and_home_page_show_them(client, harry, sam, iom):
    from digests import week as weeks
    from digests.content import build_digest
    from digests.presentation import attention_groups

    m = meeting(sam, when=-10)
    point(m, sam, iom, -2, text="Send the IOM paper")
    meeting(sam, "Next Principals", when=10)
    year, week = weeks.reported(NOW)
    digest = build_digest(harry, year, week)
    groups = {g["key"]: g for g in attention_groups(digest.attention)}
    assert groups["action_points"]["items"][0]["title"] == "Send the IOM paper"
    assert groups["action_points"]["items"][0]["note"] == "Overdue"
    assert groups["meetings"]["items"][0]["title"] == "Next Principals"
    client.force_login(harry)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Send the IOM paper" in html and "Next Principals" in html


def test_priority_c_lists_the_meetings_and_decisions(client, alice, sam):
    m = meeting(sam, "Principals of May")
    services.agenda_item_add(m, by=sam, title="Workplan", decision="The workplan was adopted.")
    client.force_login(alice)
    html = client.get(reverse("priority-detail", args=["c"])).content.decode()
    assert "Principals of May" in html and "The workplan was adopted." in html
    html = client.get(reverse("priority-detail", args=["a"])).content.decode()
    assert "Principals of May" not in html


def test_meeting_needs_a_kind_and_title(sam):
    with pytest.raises(ValidationError):
        services.meeting_create(by=sam, kind="nonsense", title="", date=TODAY)
    assert not Meeting.objects.exists()

"""The meeting list's filters, search, sort and CSV, and its query count."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance import services
from governance.models import Meeting

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def meeting(sam, title, date, kind=Meeting.Kind.PRINCIPALS, **fields):
    return services.meeting_create(by=sam, kind=kind, title=title, date=date, **fields)


def titles(response):
    return [m.title for m in response.context["page"].object_list]


def rows(response):
    return list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))


@pytest.fixture
def meetings(sam, iom, ilo):
    principals = meeting(
        sam, "Principals Geneva", datetime.date(2025, 3, 1), chair=iom, decisions="Adopted workplan"
    )
    services.agenda_item_add(principals, by=sam, title="Budget", decision="Returns reviewed")
    working = meeting(
        sam, "Working level", datetime.date(2026, 5, 1), kind="working_level", chair=ilo
    )
    services.action_point_create(
        working, by=sam, text="Draft note", owner=ilo, due_date=datetime.date(2026, 6, 1)
    )
    later = meeting(sam, "=cmd|' /C calc'!A0", datetime.date(2026, 9, 1), chair=iom)
    return principals, working, later


def test_filters_by_kind_year_and_chair(client, alice, meetings):
    client.force_login(alice)
    url = reverse("governance:meeting-list")
    assert titles(client.get(url)) == [m.title for m in reversed(meetings)]
    assert titles(client.get(url, {"kind": "working_level"})) == ["Working level"]
    assert titles(client.get(url, {"year": 2026, "chair": "iom"})) == [meetings[2].title]
    assert titles(client.get(url, {"year": 2025})) == ["Principals Geneva"]
    assert titles(client.get(url, {"chair": "ilo", "kind": "principals"})) == []


def test_search_reads_title_agenda_and_decisions_without_repeats(client, alice, sam, meetings):
    principals = meetings[0]
    # A second matching agenda item must not list the meeting twice.
    services.agenda_item_add(principals, by=sam, title="Budget follow-up")
    client.force_login(alice)
    url = reverse("governance:meeting-list")
    assert titles(client.get(url, {"q": "budget"})) == ["Principals Geneva"]
    assert titles(client.get(url, {"q": "returns"})) == ["Principals Geneva"]
    assert titles(client.get(url, {"q": "workplan"})) == ["Principals Geneva"]
    assert titles(client.get(url, {"q": "working"})) == ["Working level"]
    assert "Principals Geneva" not in titles(client.get(url, {"q": "-budget"}))
    assert client.get(url, {"q": "budget"}).context["page"].paginator.count == 1


def test_sorts_by_date_and_title(client, alice, meetings):
    client.force_login(alice)
    url = reverse("governance:meeting-list")
    assert titles(client.get(url, {"sort": "date"})) == [m.title for m in meetings]
    by_title = sorted((m.title for m in meetings), key=str.lower)
    assert titles(client.get(url, {"sort": "title"})) == by_title
    assert titles(client.get(url, {"sort": "-title"})) == by_title[::-1]
    html = client.get(url, {"sort": "date"}).content.decode()
    assert 'aria-sort="ascending"' in html
    # An unknown sort is a field error, and the usual order stays.
    response = client.get(url, {"sort": "nonsense"})
    assert response.context["filter"].form.errors["sort"]
    assert titles(response) == [m.title for m in reversed(meetings)]


def test_the_csv_matches_the_filters_and_defuses_formulas(client, alice, meetings):
    client.force_login(alice)
    response = client.get(reverse("governance:meeting-export"), {"chair": "iom", "sort": "date"})
    assert response["Content-Type"].startswith("text/csv")
    found = rows(response)
    assert found[0][:3] == ["date", "kind", "title"]
    assert [r[2] for r in found[1:]] == ["Principals Geneva", "'" + meetings[2].title]
    first = dict(zip(found[0], found[1], strict=True))
    assert first["agenda"] == "1. Budget" and first["chair"] == "IOM"
    assert first["decisions"] == "Adopted workplan" and first["online"] == "no"
    working = rows(client.get(reverse("governance:meeting-export"), {"kind": "working_level"}))
    row = dict(zip(working[0], working[1], strict=True))
    assert (row["action_points"], row["action_points_open"]) == ("1", "1")


def test_anonymous_is_sent_to_sign_in(client):
    for name in ("governance:meeting-list", "governance:meeting-export"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login" in response["Location"]


def test_the_list_and_csv_run_a_fixed_number_of_queries(
    client, alice, sam, iom, django_assert_max_num_queries
):
    client.force_login(alice)
    m = meeting(sam, "Meeting first", TODAY, chair=iom)
    services.agenda_item_add(m, by=sam, title="Meeting item")
    query = {"q": "meeting", "chair": "iom", "sort": "title"}
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("governance:meeting-list"), query)
        client.get(reverse("governance:meeting-export"), query)
    for n in range(12):
        m = meeting(sam, f"Meeting {n}", TODAY - datetime.timedelta(days=n), chair=iom)
        services.agenda_item_add(m, by=sam, title="Meeting item")
        services.action_point_create(m, by=sam, text="Do", owner=iom, due_date=TODAY)
    with django_assert_max_num_queries(len(few)):
        list_response = client.get(reverse("governance:meeting-list"), query)
        csv_response = client.get(reverse("governance:meeting-export"), query)
    assert list_response.context["page"].paginator.count == 13
    assert len(rows(csv_response)) == 14

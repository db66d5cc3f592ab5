"""The follow-ups list as a CSV file: the page's filters and sort, formulas defused, the
overdue flag computed from the date, and a number of queries that does not grow with rows."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from geo.models import Country
from priorities.models import Priority
from states import services
from states.models import Engagement

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
EXPORT = "states:follow-up-export"


@pytest.fixture
def engagement(iom, alice):
    return services.engagement_create(
        lead_agency=iom,
        by=alice,
        date=TODAY - 10 * DAY,
        counterpart_kind=Engagement.Kind.GOVERNMENT,
        counterpart_name="Secretaría de Relaciones Exteriores",
        country=Country.objects.get(iso3="MEX"),
        topic="Labour migration corridors with Mexico",
        priorities=list(Priority.objects.filter(code__in=("j", "k"))),
    )


def follow_up(engagement, by, owner, due, description="Share data"):
    return services.follow_up_create(
        engagement, by=by, description=description, owner_agency=owner, due_date=TODAY + due * DAY
    )


def rows(response):
    found = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    return [dict(zip(found[0], row, strict=True)) for row in found[1:]]


def test_the_csv_follows_the_pages_filters_and_sort(client, engagement, alice, iom, ilo):
    late = follow_up(engagement, alice, ilo, -2, description='=HYPERLINK("x")')
    follow_up(engagement, alice, ilo, 5, description="Share data")
    follow_up(engagement, alice, iom, -1, description="Send the MoU")
    client.force_login(alice)
    query = {"agency": "ilo", "overdue": "true"}
    listed = client.get(reverse("states:follow-up-list"), query)
    assert reverse(EXPORT) in listed.content.decode()
    response = client.get(reverse(EXPORT), query)
    assert response["Content-Type"].startswith("text/csv")
    assert "gmg-follow-ups-" in response["Content-Disposition"]
    found = rows(response)
    assert [r["url"] for r in found] == [
        "http://testserver" + f.get_absolute_url() for f in listed.context["page"].object_list
    ]
    only = found[0]
    assert only["description"] == "'" + late.description  # a formula defused
    assert only["owner_agency"] == "ILO" and only["overdue"] == "yes"
    assert only["due_date"] == (TODAY - 2 * DAY).isoformat() and only["country"] == "MEX"
    assert only["engagement"] == engagement.topic and only["status"] == "open"
    by_owner = rows(client.get(reverse(EXPORT), {"sort": "-agency"}))
    assert [r["owner_agency"] for r in by_owner] == ["IOM", "ILO", "ILO"]
    assert [r["description"] for r in rows(client.get(reverse(EXPORT), {"q": "mou"}))] == [
        "Send the MoU"
    ]
    # Unfiltered: every follow-up, soonest due first, as the page lists them.
    assert [r["due_date"] for r in rows(client.get(reverse(EXPORT)))] == sorted(
        [(TODAY + n * DAY).isoformat() for n in (-2, -1, 5)]
    )


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse(EXPORT))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_csv_runs_a_fixed_number_of_queries(
    client, engagement, alice, ilo, django_assert_max_num_queries
):
    follow_up(engagement, alice, ilo, 1)
    client.force_login(alice)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(EXPORT), {"agency": "ilo"})
    for n in range(12):
        follow_up(engagement, alice, ilo, n)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse(EXPORT), {"agency": "ilo"})
    assert len(rows(response)) == 13

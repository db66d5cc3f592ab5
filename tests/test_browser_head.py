"""In headless Chromium: a head reads the week's digest in the archive and acts on it."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from digests import services
from digests import week as weeks
from overlaps.models import OverlapFlag

from .factories import ActivityFactory
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_head_reads_what_needs_attention_first_and_opens_the_pair(
    page, live_server, settings, harry, iom, ilo, password
):
    # The email's links point at this portal.
    settings.SITE_URL = live_server.url
    # The digest sent now reports on the week just ended: the work was logged on its Wednesday.
    year, week = weeks.reported()
    start, _end = weeks.bounds(year, week)
    with time_machine.travel(start + datetime.timedelta(days=2, hours=12)):
        mine = ActivityFactory(agency=iom, title="Returnee reintegration in Kenya")
        theirs = ActivityFactory(agency=ilo, title="Reintegration of returning workers in Kenya")
        for n in range(8):  # a busy week: other agencies' work below the attention block
            ActivityFactory(agency=ilo, title=f"ILO labour survey {n}")
    flag = OverlapFlag.objects.create(activity_a=mine, activity_b=theirs, score=0.91)
    assert services.send_one(harry, year, week) == "sent"

    sign_in(page, live_server, harry.email, password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Digests").click()
    page.get_by_role("table").get_by_role("link", name=weeks.label(year, week)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("1 pair to review")

    email = page.frame_locator("iframe[title='The digest email']")
    # The first section after the greeting is what needs attention.
    first = email.get_by_role("heading", level=2).first
    expect(first).to_have_text("Needs your attention")
    expect(email.get_by_role("heading", name="Other agencies' work that week")).to_be_visible()
    pair = email.get_by_role(
        "link",
        name="IOM “Returnee reintegration in Kenya” ↔ "
        "ILO “Reintegration of returning workers in Kenya”",
    )
    expect(pair).to_be_visible()

    pair.click()
    page.wait_for_url(f"{live_server.url}{flag.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Why this pair was flagged")).to_be_visible()

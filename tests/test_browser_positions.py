"""In headless Chromium: a head of agency endorses a common position.

Harry (IOM's head) signs in and finds, under "Needs your attention", the joint statement ILO
put to endorsement. He reads its text, compares it with the version before, reads the
comments made in consultation, and endorses it with a note; the page then lists IOM among
the agencies that endorsed it.
"""

import pytest
from playwright.sync_api import expect

from positions import services
from positions.models import Endorsement

from .positions import consulted, in_days
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLE = "Joint statement on fair recruitment"


def test_a_head_reads_compares_and_endorses(page, live_server, harry, iom, ilo, bob, password):
    position = consulted(
        ilo, by=bob, title=TITLE, text="No worker should pay to be recruited.", deadline_in=5
    )
    comment = services.comment_add(position, by=harry, text="IOM would name contract substitution.")
    services.comment_add(position, by=bob, text="Added in version 2.", parent=comment)
    services.position_update(
        position,
        by=bob,
        base_version=1,
        text="No worker should pay to be recruited, nor see a contract substituted.",
        change_note="Contract substitution, for IOM.",
    )
    services.position_transition(position, to="endorsement", by=None, deadline=in_days(12))

    sign_in(page, live_server, harry.email, password)
    attention = page.get_by_role("region", name="Needs your attention")
    expect(
        attention.get_by_role("heading", name="Common positions awaiting your agency")
    ).to_be_visible()
    expect(attention).to_contain_text("Endorsement due by")
    attention.get_by_role("link", name=TITLE).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", name="Awaiting IOM's endorsement")).to_be_visible()
    expect(page.locator(".position-text")).to_contain_text("nor see a contract substituted")

    page.get_by_role("link", name="Compare with version 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Compare versions")
    diff = page.get_by_role("table", name="Version 1 and version 2, line by line")
    expect(diff.locator("ins")).to_contain_text("nor see a contract substituted")
    expect(diff.locator("del")).to_contain_text("recruited.")
    page.get_by_label("Show").select_option("inline")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".diff-inline ins")).to_contain_text("contract substituted")
    page.go_back()
    page.go_back()

    comments = page.locator("#comments-heading ~ .threads").first
    expect(page.get_by_role("heading", name="On version 1")).to_be_visible()
    expect(comments).to_contain_text("IOM would name contract substitution.")
    expect(comments).to_contain_text("Added in version 2.")

    page.get_by_role("link", name="Endorse or decline").click()
    page.get_by_label("Endorse: my agency endorses this text").check()
    page.get_by_label("Note").fill("IOM endorses, with thanks to ILO.")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("status")).to_contain_text("Your agency endorses this position.")
    answers = page.get_by_role("table", name="Each member agency's answer")
    iom_row = answers.get_by_role("row").filter(has_text="IOM endorses, with thanks to ILO.")
    expect(iom_row).to_contain_text("Endorsed")
    expect(page.get_by_role("link", name="Endorse or decline")).to_have_count(0)

    endorsement = position.endorsements.get(agency=iom)
    assert endorsement.status == Endorsement.Status.ENDORSED and endorsement.answered_by == harry

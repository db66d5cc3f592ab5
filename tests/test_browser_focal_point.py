"""In headless Chromium: a focal point looks after IOM's people.

Fiona (IOM's focal point) sends a pending invitation again and sees until when the new link
works, makes Harry a focal point, and deactivates Alice, who left. Alice's browser, signed in
before all this, is signed out at its next page load.
"""

import datetime

import pytest
from playwright.sync_api import expect

from agencies import services
from agencies.models import Invitation, Role

from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_focal_point_resends_an_invitation_changes_a_role_and_deactivates_a_colleague(
    browser, page, live_server, fiona, alice, harry, password
):
    services.invitation_create(
        by=fiona, email="new.colleague@iom.example", role=Role.STAFF, agency=fiona.agency
    )
    invitation = Invitation.objects.get()

    # Alice is signed in on her own machine before anything happens.
    alices_context = browser.new_context()
    alices_page = alices_context.new_page()
    alices_page.set_default_timeout(15_000)
    sign_in(alices_page, live_server, alice.email, password)

    sign_in(page, live_server, fiona.email, password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    row = page.get_by_role("row").filter(has_text="new.colleague@iom.example")
    expect(row).to_contain_text("Pending")
    row.get_by_role("button", name="Send again").click()
    expect(page.get_by_role("status")).to_contain_text(
        "An invitation was emailed to new.colleague@iom.example."
    )
    invitation.refresh_from_db()
    assert invitation.expires_at > invitation.created_at + datetime.timedelta(days=13)
    row = page.get_by_role("row").filter(has_text="new.colleague@iom.example")
    expect(row.locator("time")).to_have_text(invitation.expires_at.strftime("%-d %b %Y"))

    page.get_by_role("link", name="Manage the people of IOM").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People of IOM")
    page.get_by_label("Role of Harry").select_option(label="Focal point")
    page.get_by_role("button", name="Change role of Harry").click()
    expect(page.get_by_role("status")).to_contain_text("The role of Harry is now “Focal point”.")
    harry.refresh_from_db()
    assert harry.role == Role.FOCAL_POINT

    page.get_by_role("link", name="Deactivate Alice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Alice?")
    page.get_by_role("button", name="Deactivate and sign out").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Alice was deactivated and signed out everywhere."
    )
    deactivated = page.get_by_role("region", name="1 deactivated person")
    expect(deactivated.get_by_role("rowheader", name="Alice")).to_be_visible()

    # Alice's next page load finds her signed out.
    alices_page.reload()
    expect(alices_page.get_by_role("heading", level=1)).to_have_text("Sign in to the GMG Portal")
    assert "/accounts/login/" in alices_page.url
    alices_context.close()

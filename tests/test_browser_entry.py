"""In headless Chromium: a staff member logs an activity with the keyboard-friendly place
picker, and sees similar work by another agency appear while typing."""

import pytest
from playwright.sync_api import expect

from activities.models import Activity

from .test_browser import sign_in
from .test_overlap_flow import ILO_TEXT, log

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_staff_picks_places_by_keyboard_and_sees_similar_work_while_typing(
    page, live_server, ilo, bob, alice, password
):
    from priorities.models import Priority

    log(ilo, bob, "ILO-1", ILO_TEXT)
    sign_in(page, live_server, alice.email, password)
    page.goto(live_server.url + "/activities/new/")

    # The label now names the picker's search box: a screen reader hears "Countries".
    countries = page.get_by_role("combobox", name="Countries")
    countries.click()
    countries.press_sequentially("keny")
    countries.press("Enter")
    countries.press_sequentially("ugan")
    countries.press("Enter")
    # Each choice is a chip whose remove button says what it removes.
    expect(page.get_by_role("button", name="Remove Kenya")).to_be_visible()
    expect(page.get_by_role("button", name="Remove Uganda")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Uganda added.")).to_be_attached()

    page.get_by_role("button", name="Remove Uganda").press("Enter")
    expect(page.get_by_role("button", name="Remove Uganda")).to_have_count(0)
    countries.press_sequentially("tanz")
    countries.press("Enter")
    expect(page.get_by_role("button", name="Remove Tanzania")).to_be_visible()

    panel = page.locator("#similar-panel")
    expect(panel).to_contain_text("Fill in a title or description")
    page.get_by_label("Title").fill(ILO_TEXT[0])
    page.get_by_label("Description").fill(ILO_TEXT[1])
    # No button pressed: the panel asks again once typing pauses.
    expect(panel.get_by_role("link", name=ILO_TEXT[0])).to_be_visible()
    expect(panel).to_contain_text("Check them before you log yours")
    # The change is read out in one sentence.
    expect(page.locator("#similar-status")).to_have_text(
        "One activity by another agency looks like yours."
    )
    assert not Activity.objects.filter(agency=alice.agency).exists()

    page.get_by_label("Reference").fill("IOM-2026-901")
    page.get_by_label("Start date").fill("2026-03-01")
    d = Priority.objects.get(code="d")
    page.get_by_label(f"(d) {d.short_title}").check()
    page.get_by_role("button", name="Log activity").click()

    page.wait_for_url("**/activities/*/")
    activity = Activity.objects.get(reference="IOM-2026-901")
    assert set(activity.countries.values_list("iso3", flat=True)) == {"KEN", "TZA"}

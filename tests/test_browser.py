"""End to end in headless Debian Chromium: a staff member logs an activity and finds it."""

import pytest
from playwright.sync_api import expect

from activities.models import Activity

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page, live_server, email, password):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(live_server.url + "/")


def choose(page, label, *names):
    """Pick `names` in the searchable multi-select labelled `label`, by keyboard."""
    box = page.get_by_role("combobox", name=label)
    for name in names:
        box.press_sequentially(name)
        box.press("Enter")
        expect(page.get_by_role("button", name=f"Remove {name}")).to_be_visible()


def test_staff_logs_an_activity_and_finds_it_in_the_filtered_list(
    page, live_server, alice, password
):
    sign_in(page, live_server, alice.email, password)

    # Keyboard users reach the skip link first.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"

    page.get_by_role("link", name="Log an activity").first.click()
    page.get_by_label("Reference").fill("IOM-2026-900")
    page.get_by_label("Title").fill("Fair recruitment training for labour inspectors in Nepal")
    page.get_by_label("Description").fill("Three workshops with the Department of Labour.")
    page.get_by_label("Kind").select_option("training")
    page.get_by_label("Status").select_option("ongoing")
    page.get_by_label("Start date").fill("2026-02-01")
    choose(page, "Countries", "Nepal")
    page.get_by_label("(l) Joint training and inter-agency transfers").check()
    page.get_by_role("button", name="Log activity").click()

    page.wait_for_url("**/activities/*/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Fair recruitment training for labour inspectors in Nepal"
    )
    assert "The activity was logged." in page.content()
    activity = Activity.objects.get(reference="IOM-2026-900")
    assert activity.agency == alice.agency

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Activities").click()
    page.get_by_label("Country").select_option("NPL")
    page.get_by_label("Priority").select_option("l")
    page.get_by_role("button", name="Filter").click()
    table = page.get_by_role("table")
    expect(
        table.get_by_role("link", name="Fair recruitment training for labour inspectors in Nepal")
    ).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("1 activity")


def test_invalid_form_shows_field_errors_and_keeps_input(page, live_server, alice, password):
    sign_in(page, live_server, alice.email, password)
    page.goto(live_server.url + "/activities/new/")
    page.get_by_label("Title").fill("Kept after the error")
    page.get_by_label("Start date").fill("2026-06-01")
    page.get_by_label("End date").fill("2026-01-01")
    page.get_by_role("button", name="Log activity").click()
    summary = page.get_by_role("alert")
    assert "The end date cannot be before the start date." in summary.inner_text()
    end = page.get_by_label("End date")
    assert end.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Title").input_value() == "Kept after the error"
    assert not Activity.objects.exists()

"""End to end in headless Chromium: agency staff find, sort and take away the activity list."""

import pytest
from playwright.sync_api import expect

from activities.interchange import import_csv
from activities.models import Activity

from .factories import ActivityFactory
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def register(iom, ilo):
    return [
        ActivityFactory(
            agency=ilo,
            reference="ILO-T-1",
            title="Criminal justice responses to trafficking in persons",
            countries=["SRB"],
        ),
        ActivityFactory(
            agency=iom,
            reference="IOM-T-2",
            title="Anti-trafficking helpline for domestic workers",
            countries=["KEN"],
        ),
        ActivityFactory(agency=iom, reference="IOM-R-3", title="Remittance corridors study"),
    ]


def test_staff_search_sort_download_and_reimport_the_list(
    page, live_server, alice, password, register, tmp_path
):
    sign_in(page, live_server, alice.email, password)

    # From the header, on any page.
    header_search = page.get_by_role("search", name="Site")
    header_search.get_by_role("searchbox").fill("trafficking")
    header_search.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “trafficking”")
    activities = page.get_by_role("region", name="Activities")
    expect(activities.get_by_role("link", name="Anti-trafficking helpline")).to_be_visible()
    expect(page.get_by_role("region", name="Joint initiatives")).to_contain_text("No joint")
    activities.get_by_role("link", name="See all 2 activities in the activity list").click()

    # The list, searched; sorted by title, then the other way round.
    page.wait_for_url("**/activities/?q=trafficking")
    expect(page.get_by_role("status")).to_have_text("2 activities")
    table = page.get_by_role("table")
    table.get_by_role("link", name="Activity").click()
    page.wait_for_url("**/activities/?q=trafficking&sort=title")
    header = page.get_by_role("columnheader", name="Activity")
    expect(header).to_have_attribute("aria-sort", "ascending")
    titles = table.locator("tbody td.card-title a")
    expect(titles).to_have_text([register[1].title, register[0].title])
    table.get_by_role("link", name="Activity").click()
    page.wait_for_url("**/activities/?q=trafficking&sort=-title")
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(titles).to_have_text([register[0].title, register[1].title])

    # Download what the list shows, and import it back: nothing is refused or changed.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("gmg-activities-")
    assert download.suggested_filename.endswith(".csv")
    path = tmp_path / "activities.csv"
    download.save_as(path)
    with path.open("rb") as fileobj:
        result = import_csv(fileobj, by=alice)
    assert (result.created, result.updated, result.rejected) == (0, 2, 0)
    assert result.errors == []
    assert Activity.objects.count() == 3


def test_on_a_phone_the_list_is_cards_behind_a_filters_button(
    browser, live_server, alice, password, register
):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server, alice.email, password)

        # The main navigation folds behind a Menu button.
        menu = page.get_by_role("button", name="Menu")
        nav = page.get_by_role("navigation", name="Main")
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(nav).to_be_hidden()
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        nav.get_by_role("link", name="Activities").click()
        page.wait_for_url("**/activities/")

        # The filters fold behind their "Filters" button.
        country = page.get_by_label("Country")
        expect(country).to_be_hidden()
        page.get_by_text("Filters", exact=True).click()
        expect(country).to_be_visible()

        # Each row is a card: status and dates are on the screen, labelled, not off to the side.
        expect(page.get_by_role("table").locator("thead")).not_to_be_in_viewport()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        for label in ("Status", "Start", "End"):
            cell = page.locator(f"tbody tr >> nth=0 >> td[data-label='{label}']")
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, label
            before = cell.evaluate("e => getComputedStyle(e, '::before').content")
            assert before == f'"{label}: "'
    finally:
        context.close()

"""End to end in headless Chromium: staff share a publication with its file, find it again
by a word of its summary and download it; signed out, the file is out of reach."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from demo.library_seed import one_page_pdf
from library.models import LibraryItem

from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_staff_share_a_file_find_it_by_its_summary_and_download_it(
    page, live_server, alice, password, tmp_path
):
    document = tmp_path / "Remittance costs 2025.pdf"
    document.write_bytes(one_page_pdf(["Remittance costs in the Gulf corridors"]))
    sign_in(page, live_server, alice.email, password)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge library")
    page.get_by_role("link", name="Share an item").click()
    page.get_by_label("Kind").select_option(label="Publication")
    page.get_by_label("Title").fill("Remittance costs in the Gulf corridors")
    page.get_by_label("Summary").fill("Migrant workers paying fees to send money home.")
    page.get_by_label("Year").fill("2025")
    # Her agency is ticked already.
    expect(page.get_by_role("checkbox", name="IOM — International Organization")).to_be_checked()
    page.get_by_role("checkbox", name="(b) Research, data collection and analysis").check()
    page.get_by_label("File").set_input_files(document)
    page.get_by_role("button", name="Share", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Remittance costs in the Gulf corridors"
    )
    expect(page.get_by_role("status")).to_contain_text("shared in the library")
    item = LibraryItem.objects.get()

    # Found again by words of its summary: stemmed on PostgreSQL ("pays", "fee").
    words = "pays fee" if connection.vendor == "postgresql" else "fees"
    page.goto(f"{live_server.url}/library/")
    filters = page.get_by_role("search", name="Filter the library")
    filters.get_by_label("Search").fill(words)
    filters.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("status")).to_have_text("1 item")
    page.get_by_role("link", name="Remittance costs in the Gulf corridors", exact=True).click()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Remittance costs 2025.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "Remittance costs 2025.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == document.read_bytes()

    # Signed out, the file's address leads to the sign-in page, not to the file.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}{item.get_download_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the GMG Portal")

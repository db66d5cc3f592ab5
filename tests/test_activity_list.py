"""The activity list as staff work with it: count, sorting, page jump, filters, download."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.interchange import COLUMNS, import_csv
from activities.models import Activity
from geo.models import Region

from .factories import ActivityFactory
from .markup import Page
from .test_interchange import snapshot

LIST = reverse("activities:list")
CSV = reverse("activities:export", args=["csv"])


def get_page(client, user, **params):
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200
    return Page(response.content.decode())


def listed(page):
    """The titles in the table, in order."""
    table = page.all("tbody")[0]
    return [a.text for a in page.all("a") if table in a.ancestors]


def count_text(page):
    return next(p.text for p in page.all("p") if "result-count" in p.attrs.get("class", ""))


# -- the count -------------------------------------------------------------------------------


def test_the_count_says_activity_or_activities(client, alice, iom):
    assert count_text(get_page(client, alice)) == "0 activities"
    ActivityFactory(agency=iom)
    assert count_text(get_page(client, alice)) == "1 activity"
    ActivityFactory(agency=iom)
    assert count_text(get_page(client, alice)) == "2 activities"


def test_the_count_groups_thousands(client, alice, iom):
    Activity.objects.bulk_create(
        Activity(agency=iom, reference=f"B-{n}", title=f"Bulk {n}", start_date="2026-01-01")
        for n in range(1234)
    )
    assert count_text(get_page(client, alice)) == "1,234 activities"


# -- sorting ---------------------------------------------------------------------------------


@pytest.fixture
def three(iom, ilo, unhcr):
    def make(agency, title, start, end, status):
        return ActivityFactory(
            agency=agency,
            title=title,
            start_date=datetime.date.fromisoformat(start),
            end_date=end and datetime.date.fromisoformat(end),
            status=status,
        )

    return [
        make(ilo, "beta", "2024-05-01", None, Activity.Status.ONGOING),
        make(unhcr, "Alpha", "2025-01-01", "2025-06-30", Activity.Status.CANCELLED),
        make(iom, "gamma", "2023-01-01", "2026-12-31", Activity.Status.PLANNED),
    ]


@pytest.fixture
def unhcr(db):
    from agencies.models import Agency

    return Agency.objects.get(acronym="UNHCR")


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["Alpha", "beta", "gamma"]),  # capitals aside
        ("-title", ["gamma", "beta", "Alpha"]),
        ("agency", ["beta", "gamma", "Alpha"]),  # ILO, IOM, UNHCR
        ("-agency", ["Alpha", "gamma", "beta"]),
        ("start", ["gamma", "beta", "Alpha"]),
        ("-start", ["Alpha", "beta", "gamma"]),
        ("end", ["Alpha", "gamma", "beta"]),  # an open end is the latest
        ("-end", ["beta", "gamma", "Alpha"]),
        ("status", ["gamma", "beta", "Alpha"]),  # planned, ongoing, completed, cancelled
        ("-status", ["Alpha", "beta", "gamma"]),
    ],
)
def test_the_list_sorts_by_column(client, alice, three, sort, expected):
    assert listed(get_page(client, alice, sort=sort)) == expected


def test_the_sorted_header_says_so_and_its_link_turns_the_order(client, alice, three):
    page = get_page(client, alice, sort="title", status="ongoing")
    headers = {th.text.strip(" ▲▼"): th for th in page.all("th") if th.inside("thead")}
    assert headers["Activity"].attrs["aria-sort"] == "ascending"
    assert "aria-sort" not in headers["Agency"].attrs
    assert "aria-sort" not in headers["Where"].attrs

    def link(label):
        (a,) = [a for a in page.all("a") if headers[label] in a.ancestors]
        return a.attrs["href"]

    # Other filters stay; the page starts again at the first.
    assert link("Activity") == "?sort=-title&status=ongoing"
    assert link("Start") == "?sort=start&status=ongoing"
    assert [a for a in page.all("a") if headers["Where"] in a.ancestors] == []

    page = get_page(client, alice, sort="-title")
    headers = {th.text.strip(" ▲▼"): th for th in page.all("th") if th.inside("thead")}
    assert headers["Activity"].attrs["aria-sort"] == "descending"


def test_an_unknown_sort_is_refused_kindly(client, alice, three):
    page = get_page(client, alice, sort="password")
    assert len(listed(page)) == 3
    assert all("aria-sort" not in th.attrs for th in page.all("th"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL's")
def test_a_search_is_ranked_unless_a_sort_is_chosen(client, alice, iom):
    ActivityFactory(agency=iom, title="Aid review", description="Remittances are mentioned.")
    ActivityFactory(agency=iom, title="Remittances study", description="On remittances.")
    assert listed(get_page(client, alice, q="remittances")) == ["Remittances study", "Aid review"]
    assert listed(get_page(client, alice, q="remittances", sort="title")) == [
        "Aid review",
        "Remittances study",
    ]


def test_sorting_and_searching_keep_the_query_count_flat(
    client, sam, iom, ilo, django_assert_max_num_queries
):
    client.force_login(sam)
    params = {"q": "survey", "sort": "-end", "country": "KEN", "page": "1"}
    ActivityFactory(agency=iom)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST, params).status_code == 200
    for _ in range(30):
        ActivityFactory(agency=ilo)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(LIST, params).status_code == 200


# -- the page jump and the filters panel ------------------------------------------------------


def test_the_page_jump_keeps_the_filters(client, alice, iom, settings):
    settings.PAGE_SIZE = 2
    ActivityFactory.create_batch(5, agency=iom)
    page = get_page(client, alice, status="ongoing", sort="title", page="2")
    (form,) = [f for f in page.all("form") if "page-jump" in f.attrs.get("class", "")]
    fields = [e for e in page.elements if e.tag == "input" and form in e.ancestors]
    hidden = {(e.attrs["name"], e.attrs["value"]) for e in fields if e.attrs["type"] == "hidden"}
    assert hidden == {("status", "ongoing"), ("sort", "title")}
    (number,) = [e for e in fields if e.attrs["type"] == "number"]
    assert (number.attrs["name"], number.attrs["value"], number.attrs["max"]) == ("page", "2", "3")
    assert page.has_label(number)

    page = get_page(client, alice, status="ongoing", sort="title", page="3")
    assert len(listed(page)) == 1


def test_the_filters_fold_into_a_panel_that_says_how_many_are_in_use(client, alice, iom):
    page = get_page(client, alice)
    (panel,) = page.all("details")
    assert "open" not in panel.attrs
    assert page.all("summary")[0].text.strip() == "Filters"
    page = get_page(client, alice, status="ongoing", q="survey", sort="title")
    assert " ".join(page.all("summary")[0].text.split()) == "Filters (2 in use)"
    # A mistake in a filter opens the panel to show it.
    (panel,) = get_page(client, alice, running_from="soon").all("details")
    assert "open" in panel.attrs


# -- the download -----------------------------------------------------------------------------


def download(client, user, **params):
    client.force_login(user)
    response = client.get(CSV, params)
    assert response.status_code == 200
    assert response.streaming
    return response, b"".join(response.streaming_content).decode("utf-8")


def test_the_list_offers_the_download_of_what_it_shows(client, alice, iom):
    ActivityFactory(agency=iom)
    page = get_page(client, alice, q="survey", sort="title", page="1")
    (link,) = [a for a in page.all("a") if a.text == "Download CSV"]
    assert link.attrs["href"] == CSV + "?q=survey&sort=title"


def test_the_download_is_the_filtered_sorted_list_in_the_import_format(client, alice, iom, ilo):
    ActivityFactory(agency=iom, reference="IOM-B", title="Beta survey")
    ActivityFactory(agency=ilo, reference="ILO-A", title="Alpha survey")
    ActivityFactory(agency=iom, reference="IOM-X", title="Other", status="planned")

    response, text = download(client, alice, status="ongoing", sort="title")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="gmg-activities-')
    assert text.startswith("\ufeff")  # for Excel; the importer skips it
    lines = text.removeprefix("\ufeff").splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert [line.split(",")[0] for line in lines[1:]] == ["ILO-A", "IOM-B"]


def test_the_download_defuses_formulas(client, alice, iom):
    ActivityFactory(agency=iom, title='=HYPERLINK("http://evil")', description="+1")
    _response, text = download(client, alice)
    assert ',"\'=HYPERLINK(""http://evil"")",\'+1,' in text


def test_the_download_round_trips_through_the_import(client, alice, iom, ilo):
    french = ActivityFactory(agency=iom, reference="IOM-FR", language="fr", end_date=None)
    french.regions.set([Region.objects.get(code="002")])
    ActivityFactory(agency=ilo, reference="ILO-1", title='"Quoted", with; separators')
    before = snapshot()
    _response, text = download(client, alice)

    # Into the same register: every row an update, nothing changed.
    result = import_csv(io.BytesIO(text.encode()))
    assert (result.created, result.updated, result.errors) == (0, 2, [])
    assert snapshot() == before

    # Into an empty register: the same activities again.
    Activity.objects.all().delete()
    result = import_csv(io.BytesIO(text.encode()))
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    assert snapshot() == before


def test_the_download_reads_in_chunks_with_a_fixed_number_of_queries(
    client, alice, iom, django_assert_max_num_queries, monkeypatch
):
    import activities.interchange as interchange

    monkeypatch.setattr(interchange, "EXPORT_CHUNK_SIZE", 10)
    ActivityFactory.create_batch(3, agency=iom)
    client.force_login(alice)
    with CaptureQueriesContext(connection) as one_chunk:
        download(client, alice)
    ActivityFactory.create_batch(22, agency=iom)
    # Three chunks: each more reads the codes of its six relations once, never per row.
    with django_assert_max_num_queries(len(one_chunk.captured_queries) + 2 * 6):
        _response, text = download(client, alice)
    assert len(text.splitlines()) == 26


def test_the_download_is_for_signed_in_people_only(client):
    response = client.get(CSV)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_format_is_not_found(client, alice):
    client.force_login(alice)
    assert client.get(reverse("activities:export", args=["xlsx"])).status_code == 404


def test_a_french_title_is_marked_as_french_for_screen_readers(client, alice, iom):
    activity = ActivityFactory(agency=iom, title="Traite des personnes", language="fr")
    (link,) = [a for a in get_page(client, alice).all("a") if a.text == "Traite des personnes"]
    assert link.attrs["lang"] == "fr"
    page = Page(client.get(activity.get_absolute_url()).content.decode())
    assert page.all("h1")[0].attrs["lang"] == "fr"
    facts = [e.text for e in page.all("dd")]
    assert "French" in facts

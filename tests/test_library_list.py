"""The library list: its filters, search (full text on PostgreSQL, word by word elsewhere),
sort and CSV, its query count, and the priority pages that show the library."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from library import export, services
from library.models import LibraryItem
from priorities.models import Priority

from .library_data import make_item, pdf, upload

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"
)

LIST = reverse("library:list")
CSV = reverse("library:export")


def priority(code):
    return Priority.objects.get(code=code)


@pytest.fixture
def shelf(alice, bob, sam, iom, ilo):
    """A few items, as agencies share them."""
    made = {
        "remittances": make_item(
            alice,
            [iom],
            title="Remittance corridors in the Gulf",
            summary="Migrant workers paying fees to send money home; costs keep falling.",
            authors="Data Analysis Centre",
            year=2024,
            countries=["KEN"],
        ),
        "recruitment": make_item(
            bob,
            [ilo],
            kind=LibraryItem.Kind.GOOD_PRACTICE,
            title="Bonnes pratiques de recrutement",
            summary="Les travailleuses recrutées sans frais ont gardé leur emploi.",
            language="fr",
            year=2025,
            priorities=[priority("f")],
        ),
        "survey": make_item(
            bob,
            [ilo, iom],
            kind=LibraryItem.Kind.DATA_SET,
            title="Labour force survey extract",
            summary="Tables by country.",
            year=2023,
            upload_file=upload("tables.csv", b"a,b\n1,2\n"),
        ),
        "practice": make_item(
            alice,
            [iom],
            kind=LibraryItem.Kind.GOOD_PRACTICE,
            title="Sponsorship that worked",
            summary="Community sponsorship for resettled refugees.",
            year=2022,
            priorities=[priority("f"), priority("b")],
        ),
    }
    services.item_mark_reviewed(made["practice"], by=sam)
    return made


def listed(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [item.title for item in response.context["page"].object_list]


def test_filters(client, alice, shelf, ilo):
    client.force_login(alice)
    title = {key: item.title for key, item in shelf.items()}

    # Latest year first when nothing is chosen.
    assert listed(client) == [
        title["recruitment"],
        title["remittances"],
        title["survey"],
        title["practice"],
    ]
    assert listed(client, kind="good_practice") == [title["recruitment"], title["practice"]]
    assert listed(client, priority="f") == [title["recruitment"], title["practice"]]
    assert listed(client, agency=ilo.slug) == [title["recruitment"], title["survey"]]
    assert listed(client, country="KEN") == [title["remittances"]]
    assert listed(client, year="2023") == [title["survey"]]
    assert listed(client, review="reviewed") == [title["practice"]]
    assert listed(client, review="awaiting") == [title["recruitment"]]
    assert listed(client, sort="title") == sorted(title.values(), key=str.lower)
    assert listed(client, sort="-kind", year="2024") == [title["remittances"]]


def test_garbage_filter_values_do_not_break_the_list(client, alice, shelf):
    client.force_login(alice)
    response = client.get(
        LIST, {"year": "last", "country": "ZZZ", "agency": "nobody", "sort": "x", "page": "abc"}
    )
    assert response.status_code == 200
    assert response.context["page"].paginator.count == len(shelf)


def test_the_word_fallback_searches_title_summary_and_authors(shelf):
    # What SQLite runs; run here on every database.
    def found(text):
        return set(LibraryItem.objects.search_words(text))

    assert found("gulf") == {shelf["remittances"]}
    assert found("money home") == {shelf["remittances"]}
    assert found("analysis centre") == {shelf["remittances"]}
    assert found("sponsorship -refugees") == set()


@postgresql_only
def test_a_word_of_the_summary_is_found_stemmed(client, alice, shelf):
    client.force_login(alice)
    # "pays" and "fee" as written nowhere: the summary says "paying fees".
    assert listed(client, q="pays fee") == [shelf["remittances"].title]
    # French items are stemmed in French: "travailleuse recrutée" matches the plural forms.
    assert listed(client, q="travailleuse recrutée") == [shelf["recruitment"].title]
    # The title counts more than the summary.
    both = make_item(alice, shelf["remittances"].agencies.all(), title="Fees", summary="Other.")
    found = list(LibraryItem.objects.search("fees"))
    assert found == [both, shelf["remittances"]]


@postgresql_only
def test_the_search_vector_follows_an_edit(alice, shelf):
    item = shelf["survey"]
    assert not LibraryItem.objects.search("household")
    services.item_update(item, by=alice, summary="Household tables by country.")
    assert list(LibraryItem.objects.search("households")) == [item]


def read_csv(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_lists_the_filtered_items(client, alice, shelf, sam):
    client.force_login(alice)
    response = client.get(CSV, {"kind": "good_practice", "sort": "title"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="gmg-library-')
    rows = read_csv(response)
    assert [row["title"] for row in rows] == [
        shelf["recruitment"].title,
        shelf["practice"].title,
    ]
    practice = rows[1]
    assert practice["agencies"] == "IOM"
    assert practice["priorities"] == "b;f"
    assert practice["reviewed_by"] == "Sam"
    assert practice["url"] == f"http://testserver{shelf['practice'].get_absolute_url()}"
    assert list(rows[0]) == list(export.COLUMNS)


def test_csv_defuses_formulas(client, alice, iom):
    make_item(alice, [iom], title='=HYPERLINK("http://evil")', authors="@SUM(A1)")
    client.force_login(alice)
    (row,) = read_csv(client.get(CSV))
    assert row["title"].startswith("'=") and row["authors"] == "'@SUM(A1)"


@pytest.mark.parametrize("url", [LIST, CSV])
def test_the_query_count_does_not_grow_with_the_items(
    client, alice, iom, ilo, settings, django_assert_max_num_queries, url
):
    settings.PAGE_SIZE = 50  # every item on the one page

    def share(n):
        for i in range(n):
            make_item(
                alice,
                [iom, ilo],
                title=f"Study {i}",
                countries=["KEN", "NPL"],
                priorities=[priority("b"), priority("f")],
                upload_file=upload(f"s{i}.pdf", pdf()) if i % 2 else None,
            )

    client.force_login(alice)
    params = {"q": "study", "priority": "b", "agency": iom.slug}
    share(3)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, params)
    assert response.status_code == 200
    share(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, params)
    assert response.content.decode().count("Study ") >= 23


def test_each_row_links_to_the_item_and_its_file_or_link(client, alice, shelf):
    client.force_login(alice)
    html = client.get(LIST).content.decode()
    assert shelf["survey"].get_absolute_url() in html
    assert shelf["survey"].get_download_url() in html
    assert 'href="https://example.org/report"' in html
    assert "Reviewed good practice" in html


# -- priority pages ----------------------------------------------------------------------------


def test_the_priority_pages_list_the_items_serving_them(client, alice, shelf):
    client.force_login(alice)
    b = client.get(reverse("priority-detail", args=["b"])).content.decode()
    for key in ("remittances", "survey", "practice"):
        assert shelf[key].get_absolute_url() in b
    assert shelf["recruitment"].get_absolute_url() not in b

    f = client.get(reverse("priority-detail", args=["f"])).content.decode()
    assert shelf["recruitment"].get_absolute_url() in f
    assert shelf["remittances"].get_absolute_url() not in f


def test_a_priority_page_says_when_the_library_has_nothing_for_it(client, alice):
    client.force_login(alice)
    f = client.get(reverse("priority-detail", args=["f"])).content.decode()
    assert "From the knowledge library" in f
    assert "has been shared under this priority yet" in f
    # A priority the library does not serve first shows nothing when it has nothing.
    a = client.get(reverse("priority-detail", args=["a"])).content.decode()
    assert "From the knowledge library" not in a


def test_a_priority_page_links_to_all_its_items(client, alice, iom, settings):
    for i in range(10):
        make_item(alice, [iom], title=f"Study {i}")
    client.force_login(alice)
    html = client.get(reverse("priority-detail", args=["b"])).content.decode()
    assert html.count('href="/library/') >= 8
    assert "See all 10 items in the library" in html
    assert f'href="{LIST}?priority=b"' in html

"""The header's search: activities, joint initiatives and agencies on one page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import ActivityFactory, JointInitiativeFactory
from .markup import Page

SEARCH = reverse("search")


def section(page, kind):
    """The text of the results section for `kind`, and its links as (text, href)."""
    (heading,) = [h for h in page.all("h2") if h.attrs.get("id") == f"results-{kind}"]
    (region,) = [
        s for s in page.all("section") if s.attrs.get("aria-labelledby") == heading.attrs["id"]
    ]
    links = [(a.text, a.attrs["href"]) for a in page.all("a") if region in a.ancestors]
    return region.text, heading.text, links


@pytest.fixture
def world(iom, ilo):
    def activity(agency, title, country):
        ActivityFactory(agency=agency, title=title, description="", countries=[country])

    activity(iom, "Labour migration survey in Kenya", "KEN")
    activity(ilo, "Fair recruitment of labour inspectors", "NPL")
    activity(ilo, "Remittance costs", "KEN")
    JointInitiativeFactory(title="Joint labour mobility programme", lead_agency=ilo)
    JointInitiativeFactory(title="Return and reintegration", lead_agency=iom)


def test_the_header_has_the_search_box_for_signed_in_people(client, alice):
    client.force_login(alice)
    page = Page(client.get(reverse("dashboard")).content.decode())
    (form,) = [f for f in page.all("form") if f.attrs.get("action") == SEARCH]
    assert form.attrs["role"] == "search"
    (box,) = [e for e in page.form_fields() if form in e.ancestors]
    assert box.attrs["name"] == "q" and page.has_label(box)


def test_search_shows_each_kind_with_its_count_and_the_way_to_all(client, alice, world):
    client.force_login(alice)
    page = Page(client.get(SEARCH, {"q": "labour"}).content.decode())

    text, heading, links = section(page, "activities")
    assert " ".join(heading.split()) == "Activities 2"
    assert "Labour migration survey in Kenya" in text
    assert "Fair recruitment of labour inspectors" in text
    assert "Remittance costs" not in text
    assert links[-1] == ("See all 2 activities in the activity list", "/activities/?q=labour")

    text, heading, _links = section(page, "initiatives")
    assert " ".join(heading.split()) == "Joint initiatives 1"
    assert "Joint labour mobility programme" in text and "led by ILO" in text

    # "Labour" is in the name of the ILO.
    text, heading, _links = section(page, "agencies")
    assert " ".join(heading.split()) == "Agencies 1"
    assert "International Labour Organization" in text


def test_every_word_must_match_and_minus_leaves_out(client, alice, world):
    client.force_login(alice)
    page = Page(client.get(SEARCH, {"q": "labour -Kenya"}).content.decode())
    text, _heading, _links = section(page, "activities")
    assert "Fair recruitment of labour inspectors" in text
    assert "Labour migration survey in Kenya" not in text


def test_see_all_lists_one_kind_page_by_page(client, alice, iom, settings):
    settings.PAGE_SIZE = 2
    for n in range(7):
        JointInitiativeFactory(title=f"Data initiative {n}", lead_agency=iom)
    client.force_login(alice)
    page = Page(client.get(SEARCH, {"q": "data"}).content.decode())
    _text, heading, links = section(page, "initiatives")
    assert " ".join(heading.split()) == "Joint initiatives 7"
    assert links[-1] == ("See all 7 joint initiatives", "?q=data&kind=initiatives")

    page = Page(
        client.get(SEARCH, {"q": "data", "kind": "initiatives", "page": 4}).content.decode()
    )
    text, _heading, _links = section(page, "initiatives")
    assert "7 joint initiatives" in text
    assert "Data initiative 6" in text and "Data initiative 5" not in text
    assert [h.attrs.get("id") for h in page.all("h2")] == ["results-initiatives"]


def test_an_empty_search_shows_the_box_only(client, alice, world):
    client.force_login(alice)
    page = Page(client.get(SEARCH, {"q": "  "}).content.decode())
    assert page.all("h1")[0].text == "Search"
    assert page.all("section") == []


def test_search_is_for_signed_in_people(client, world):
    response = client.get(SEARCH, {"q": "labour"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_search_runs_a_fixed_number_of_queries(
    client, sam, iom, ilo, django_assert_max_num_queries
):
    client.force_login(sam)
    ActivityFactory(agency=iom, title="Survey one")
    JointInitiativeFactory(title="Survey initiative", lead_agency=iom)
    with CaptureQueriesContext(connection) as few:
        assert client.get(SEARCH, {"q": "survey"}).status_code == 200
    for n in range(12):
        ActivityFactory(agency=ilo, title=f"Survey {n}")
        JointInitiativeFactory(title=f"Survey initiative {n}", lead_agency=ilo)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(SEARCH, {"q": "survey"}).status_code == 200


def test_a_nul_character_in_the_search_is_a_space_not_a_server_error(client, alice, world):
    # PostgreSQL refuses NUL in a query's text; it once reached the full-text search.
    client.force_login(alice)
    with_nul = client.get(SEARCH, {"q": "labour\x00survey"})
    assert with_nul.status_code == 200
    # Both words are searched for, as if a space stood between them.
    assert "Labour migration survey in Kenya" in with_nul.content.decode()
    assert "Fair recruitment" not in with_nul.content.decode()
    assert client.get(SEARCH, {"q": "\x00"}).status_code == 200

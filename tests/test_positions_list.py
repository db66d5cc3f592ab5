"""The list of common positions: filters, search, sort and its CSV, each showing only what the
person may read; and the priority pages that list the positions serving them."""

import csv
import io
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency
from positions import services
from positions.export import COLUMNS

from .markup import Page
from .positions import answer, consulted, draft, head_of, in_endorsement, priorities

LIST = reverse("positions:list")
CSV = reverse("positions:export")


def titles(client, **params):
    page = Page(client.get(LIST, params).content.decode())
    return [
        a.text.strip()
        for a in page.all("a")
        if a.inside("tbody") and a.attrs.get("href", "").startswith("/positions/")
    ]


def rows(client, **params):
    response = client.get(CSV, params)
    content = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


@pytest.fixture
def world(iom, ilo, sam):
    """IOM's draft; ILO's consultation on recruitment; IOM's endorsement on returns (ILO
    answered); UNHCR's adopted statement; ILO's withdrawn one."""
    unhcr = Agency.objects.get(acronym="UNHCR")
    made = {
        "draft": draft(iom, title="IOM draft on remittances", priorities=priorities("h")),
        "consultation": consulted(
            ilo,
            title="Fair recruitment position",
            summary="Zero fees for workers.",
            priorities=priorities("i"),
        ),
        "endorsement": in_endorsement(
            iom, title="Safe returns statement", text="Returns must be voluntary and dignified."
        ),
        "adopted": in_endorsement(unhcr, title="Statement on statelessness", kind="statement"),
        "withdrawn": consulted(ilo, title='=HYPERLINK("x") withdrawn'),
    }
    answer(made["endorsement"], "ILO", endorse=False)
    for endorsement in made["adopted"].endorsements.all():
        answer(made["adopted"], endorsement.agency.acronym)
    services.position_transition(made["adopted"], to="adopted", by=sam)
    services.position_transition(made["withdrawn"], to="withdrawn", by=sam, note="Gone.")
    return made


def test_everyone_reads_all_but_other_agencies_drafts(client, world, alice, bob, sam):
    client.force_login(bob)
    assert "IOM draft on remittances" not in titles(client)
    assert len(titles(client)) == 4
    client.force_login(alice)
    assert "IOM draft on remittances" in titles(client)
    client.force_login(sam)
    assert len(titles(client)) == 5
    client.logout()
    assert client.get(LIST).status_code == 302 and client.get(CSV).status_code == 302


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "consultation"}, ["Fair recruitment position"]),
        ({"kind": "statement"}, ["Statement on statelessness"]),
        (
            {"priority": "h"},
            [
                "IOM draft on remittances",
                "Safe returns statement",
                "Statement on statelessness",
                '=HYPERLINK("x") withdrawn',
            ],
        ),
        ({"lead": "ilo"}, ['=HYPERLINK("x") withdrawn', "Fair recruitment position"]),
        ({"q": "zero fees"}, ["Fair recruitment position"]),  # in the summary
        ({"q": "dignified"}, ["Safe returns statement"]),  # in the text
        ({"q": "UNHCR"}, ["Statement on statelessness"]),  # the lead's acronym
        ({"q": "statement -returns"}, ["Statement on statelessness"]),
    ],
)
def test_filters_and_search(client, world, alice, params, expected):
    client.force_login(alice)
    assert sorted(titles(client, **params)) == sorted(expected)


def test_awaiting_my_agency_lists_what_its_head_has_to_answer(client, world, iom, ilo):
    client.force_login(head_of("UNHCR"))
    assert titles(client, awaiting="on") == ["Safe returns statement"]
    client.force_login(head_of("ILO"))  # answered already
    assert titles(client, awaiting="on") == []


def test_the_secretariat_has_no_agency_to_await(client, world, sam):
    client.force_login(sam)
    html = client.get(LIST, {"awaiting": "on"}).content.decode()
    assert 'name="awaiting"' not in html
    assert len(titles(client, awaiting="on")) == 5


def test_sort_by_stage_and_title(client, world, sam):
    client.force_login(sam)
    assert titles(client, sort="status") == [
        "IOM draft on remittances",
        "Fair recruitment position",
        "Safe returns statement",
        "Statement on statelessness",
        '=HYPERLINK("x") withdrawn',
    ]
    by_title = titles(client, sort="-title")
    assert by_title == sorted(by_title, key=str.lower, reverse=True)


def test_the_csv_has_a_row_per_position_with_the_answers(client, world, alice):
    client.force_login(alice)
    found = {row["title"]: row for row in rows(client)}
    assert list(next(iter(found.values())).keys()) == list(COLUMNS)
    returns = found["Safe returns statement"]
    assert returns["status"] == "endorsement" and returns["declined_by"] == "ILO"
    assert "UNHCR" in returns["not_answered"].split(";")
    assert returns["priorities"] == "h;i" and returns["version"] == "1"
    adopted = found["Statement on statelessness"]
    assert adopted["not_answered"] == "" and "IOM" in adopted["endorsed_by"].split(";")
    assert adopted["adopted_on"]
    # A title a spreadsheet would run is written as text.
    assert '\'=HYPERLINK("x") withdrawn' in found


def test_the_csv_follows_the_filters(client, world, bob):
    client.force_login(bob)
    assert [r["title"] for r in rows(client, lead="iom")] == ["Safe returns statement"]


def test_the_list_runs_a_fixed_number_of_queries(client, iom, ilo, sam):
    client.force_login(sam)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
            client.get(CSV)
        return len(queries)

    for n in range(2):
        in_endorsement(iom, title=f"Position {n}")
    few = count()
    for n in range(2, 12):
        in_endorsement(ilo, title=f"Position {n}")
        consulted(iom, title=f"Consulted {n}")
    assert count() == few


def test_the_priority_pages_list_the_positions_serving_them(client, world, bob):
    client.force_login(bob)
    i_page = client.get(reverse("priority-detail", args=["i"])).content.decode()
    assert "Fair recruitment position" in i_page and "Safe returns statement" in i_page
    h_page = client.get(reverse("priority-detail", args=["h"])).content.decode()
    assert "IOM draft on remittances" not in h_page  # a draft of another agency
    assert "Common positions and joint statements" in h_page
    # A priority no position serves keeps its page without the section.
    a_page = client.get(reverse("priority-detail", args=["a"])).content.decode()
    assert "Common positions and joint statements" not in a_page


def test_the_detail_page_runs_a_fixed_number_of_queries(client, iom, ilo, alice, bob, sam):
    consulting, endorsing = consulted(iom, text="v1"), in_endorsement(ilo)
    client.force_login(bob)

    def count(position):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(position.get_absolute_url()).status_code == 200
        return len(queries)

    root = services.comment_add(consulting, by=bob, text="First.")
    answer(endorsing, "IOM")
    few = count(consulting), count(endorsing)
    for n in range(2, 8):
        services.position_update(
            consulting, by=alice, base_version=n - 1, text=f"v{n}", change_note=f"To v{n}"
        )
        consulting.refresh_from_db()
        services.comment_add(consulting, by=bob, text=f"On v{n}.")
        services.comment_add(consulting, by=alice, text=f"Reply {n}.", parent=root)
    for endorsement in endorsing.endorsements.pending()[:8]:
        answer(endorsing, endorsement.agency.acronym, endorse=False, note="Not now.")
    assert (count(consulting), count(endorsing)) == few


def test_the_published_page_is_the_adopted_text_laid_out_for_print(client, world, bob):
    client.force_login(bob)
    adopted = world["adopted"]
    response = client.get(reverse("positions:published", args=[adopted.pk]))
    page = Page(response.content.decode())
    assert [h.text.strip() for h in page.all("h1")] == ["Statement on statelessness"]
    endorsing = [li.text for li in page.all("li") if li.inside("ul") and "(" in li.text]
    assert "International Organization for Migration (IOM)" in " ".join(endorsing)
    stylesheets = [
        link.attrs["href"] for link in page.all("link") if link.attrs.get("rel") == "stylesheet"
    ]
    assert any(href.endswith("positions.css") for href in stylesheets)
    for stage in ("consultation", "endorsement", "withdrawn"):
        url = reverse("positions:published", args=[world[stage].pk])
        assert client.get(url).status_code == 404


def test_the_print_rules_leave_out_the_portals_furniture():
    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/positions.css")).read_text(encoding="utf-8")
    rules = css.split("@media print", 1)[1]
    for selector in (".site-header", ".site-footer", ".no-print"):
        assert selector in rules.split("display: none")[0]

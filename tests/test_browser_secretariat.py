"""In headless Chromium, the secretariat's journey: decide a flagged pair, make it a joint
initiative (a second submit finds the first one), and both agencies' focal points are told
by email, received by a real SMTP listener."""

import pytest
from playwright.sync_api import expect

from agencies.models import Role
from initiatives.models import JointInitiative
from overlaps.models import OverlapFlag

from .factories import UserFactory
from .test_browser import sign_in
from .test_digest_delivery import smtp, smtp_server  # noqa: F401 - fixtures
from .test_overlap_flow import ILO_TEXT, IOM_TEXT, log

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def flagged(iom, ilo, alice, bob):
    # Transactional test: on_commit runs, and eager Celery checks each save at once.
    a = log(iom, alice, "IOM-1", IOM_TEXT)
    b = log(ilo, bob, "ILO-1", ILO_TEXT)
    assert OverlapFlag.objects.count() == 1
    return a, b


@pytest.fixture
def ivo(ilo):
    """Focal point at ILO."""
    return UserFactory(email="ivo@ilo.example", full_name="Ivo", agency=ilo, role=Role.FOCAL_POINT)


def test_secretariat_decides_makes_one_joint_initiative_and_focal_points_hear_of_it(
    page,
    live_server,
    flagged,
    sam,
    fiona,
    ivo,
    password,
    smtp,  # noqa: F811 - the fixture
):
    sign_in(page, live_server, sam.email, password)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Duplication review"
    ).click()
    tabs = page.get_by_role("navigation", name="Pairs by status")
    expect(tabs.get_by_role("link", name="To review (1)")).to_have_attribute("aria-current", "page")
    # Reasons in words, with one similarity figure.
    row = page.get_by_role("table").get_by_role("row").nth(1)
    expect(row).to_contain_text("shared area: Kenya")
    expect(row).not_to_contain_text("KEN;")
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Why this pair was flagged")).to_be_visible()

    page.get_by_label("Confirmed duplication").check()
    page.get_by_label("Note").fill("Same returnees, same counties: work together.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded: Confirmed duplication.")).to_be_visible()
    flag = OverlapFlag.objects.get()
    assert (flag.status, flag.decided_by) == (OverlapFlag.Status.CONFIRMED, sam)

    # Both agencies' focal points were told, not the person who decided.
    decision_mail = [
        (rcpts, m) for rcpts, m in smtp.messages if str(m["Subject"]).strip().startswith("Decided:")
    ]
    assert sorted(address for rcpts, _m in decision_mail for address in rcpts) == [
        "fiona@iom.example",
        "ivo@ilo.example",
    ]
    body = decision_mail[0][1].get_body(preferencelist=("plain",)).get_content()
    assert "Same returnees, same counties" in body

    # The same pair page, open in a second tab since before the first click.
    second = page.context.new_page()
    second.goto(page.url)
    expect(second.get_by_role("button", name="Create joint initiative")).to_be_visible()

    page.get_by_role("button", name="Create joint initiative").click()
    page.wait_for_url("**/initiatives/*/")
    expect(page.get_by_role("main")).to_contain_text("was created from both activities")
    first_url = page.url

    second.get_by_role("button", name="Create joint initiative").click()
    second.wait_for_url("**/initiatives/*/")
    expect(second.get_by_role("main")).to_contain_text("no other was created")
    assert second.url == first_url

    initiative = JointInitiative.objects.get()
    assert set(initiative.activities.all()) == set(flagged)
    flag.refresh_from_db()
    assert flag.initiative == initiative
    # As the secretariat Sam may edit and delete it.
    expect(second.get_by_role("link", name="Edit")).to_be_visible()
    expect(second.get_by_role("link", name="Delete", exact=True)).to_be_visible()

    # The pair page now links its initiative instead of offering another.
    second.goto(live_server.url + flag.get_absolute_url())
    expect(second.get_by_role("button", name="Create joint initiative")).to_have_count(0)
    expect(
        second.get_by_role("main").get_by_role("link", name=initiative.title).first
    ).to_be_visible()

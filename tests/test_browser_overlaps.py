"""In headless Chromium: the secretariat decides a flagged pair; staff see similar work first."""

import pytest
from playwright.sync_api import expect

from overlaps.models import OverlapFlag

from .test_browser import choose, sign_in
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


def test_secretariat_decides_a_pair_and_makes_it_a_joint_initiative(
    page, live_server, flagged, sam, password
):
    sign_in(page, live_server, sam.email, password)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Duplication review"
    ).click()
    expect(page.get_by_role("main")).to_contain_text("1 flagged pair")
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Why this pair was flagged")).to_be_visible()
    assert "Kenya" in page.content()

    page.get_by_label("Confirmed duplication").check()
    page.get_by_label("Note").fill("Same returnees, same counties: work together.")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state()
    flag = OverlapFlag.objects.get()
    assert flag.status == OverlapFlag.Status.CONFIRMED
    assert flag.decided_by == sam

    page.get_by_role("button", name="Create joint initiative").click()
    page.wait_for_url("**/initiatives/*/")
    assert set(flagged) == set(flag.activity_a.initiative.activities.all())


def test_staff_see_similar_work_before_saving(page, live_server, flagged, fiona, ilo, password):
    from agencies.models import Role
    from priorities.models import Priority

    from .factories import UserFactory

    UserFactory(email="fp@ilo.example", full_name="Ilo Focal", agency=ilo, role=Role.FOCAL_POINT)

    sign_in(page, live_server, fiona.email, password)
    page.goto(live_server.url + "/activities/new/")
    page.get_by_label("Reference").fill("IOM-2")
    page.get_by_label("Title").fill(ILO_TEXT[0])
    page.get_by_label("Description").fill(ILO_TEXT[1])
    page.get_by_label("Start date").fill("2026-04-01")
    choose(page, "Countries", "Kenya")
    d = Priority.objects.get(code="d")
    page.get_by_label(f"(d) {d.short_title}").check()
    page.get_by_role("button", name="Check for similar activities first").click()
    section = page.get_by_role("region", name="Similar activities by other agencies")
    # Waits for the page that answers the check; a bare is_visible() would not.
    expect(section.get_by_role("link", name=ILO_TEXT[0])).to_be_visible()
    assert "Ilo Focal" in section.inner_text()
    propose = section.get_by_role("link", name="Propose a joint initiative to ILO")
    assert propose.get_attribute("href").startswith("/initiatives/new/?")
    # Nothing was saved by checking; the form kept what was typed.
    assert page.get_by_label("Title").input_value() == ILO_TEXT[0]

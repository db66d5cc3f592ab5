"""In headless Chromium: a joint initiative from proposal to results.

Fiona (IOM's focal point) proposes an initiative and invites UNHCR; Una (UNHCR's focal
point) accepts on the initiative's page; Fiona starts it, adds a milestone and ticks it,
then completes it with its results. The page's history tells each step.
"""

import pytest
from playwright.sync_api import expect

from agencies.models import Agency, Role
from initiatives.models import JointInitiative, Participation
from priorities.models import Priority

from .factories import UserFactory
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_initiative_from_proposal_to_results(browser, page, live_server, fiona, password):
    unhcr = Agency.objects.get(acronym="UNHCR")
    una = UserFactory(
        email="una@unhcr.example", full_name="Una", agency=unhcr, role=Role.FOCAL_POINT
    )
    a = Priority.objects.get(code="a")

    # Fiona proposes it, inviting UNHCR.
    sign_in(page, live_server, fiona.email, password)
    page.goto(live_server.url + "/initiatives/")
    page.get_by_role("link", name="Propose a joint initiative").click()
    page.get_by_label("Title").fill("Joint returnee survey")
    page.get_by_label("UNHCR", exact=True).check()
    page.get_by_label(f"(a) {a.short_title}", exact=True).first.check()
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Joint returnee survey")
    initiative = JointInitiative.objects.get(title="Joint returnee survey")
    invitations = page.get_by_role("table", name="Agencies invited and their answers")
    expect(invitations).to_contain_text("Invited, not answered yet")

    # Una, on her own machine, accepts.
    unas_context = browser.new_context()
    unas_page = unas_context.new_page()
    unas_page.set_default_timeout(15_000)
    sign_in(unas_page, live_server, una.email, password)
    unas_page.goto(live_server.url + initiative.get_absolute_url())
    unas_page.get_by_role("link", name="Answer the invitation").click()
    unas_page.get_by_label("Accept: we take part").check()
    unas_page.get_by_role("button", name="Send the answer").click()
    expect(unas_page.get_by_role("status")).to_contain_text("now takes part")
    unas_context.close()
    assert Participation.objects.get(initiative=initiative).status == "accepted"

    # Fiona sees the answer, starts the initiative and plans a milestone.
    page.reload()
    expect(invitations).to_contain_text("Accepted")
    expect(invitations).to_contain_text("Una")
    page.get_by_role("link", name="Change the status").click()
    page.get_by_label("New status").select_option("active")
    page.get_by_label("Note").fill("Both agencies agreed.")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_role("status")).to_contain_text("now active")
    page.get_by_role("link", name="Add a milestone").click()
    page.get_by_label("Title").fill("Questionnaire agreed")
    page.get_by_label("Due date").fill("2030-03-31")
    page.get_by_label("Owner agency").select_option(label="UNHCR")
    page.get_by_role("button", name="Add the milestone").click()
    page.get_by_role("button", name="Mark “Questionnaire agreed” done").click()
    expect(page.get_by_role("status")).to_contain_text("is done")

    # Completing it asks for the results first.
    page.get_by_role("link", name="Change the status").click()
    page.get_by_label("New status").select_option("completed")
    page.get_by_role("button", name="Change the status").click()
    expect(
        page.get_by_role("link", name="Results: Record the initiative's results")
    ).to_be_visible()
    page.get_by_label("Results").fill("1,200 returnees surveyed in three countries.")
    page.get_by_label("People reached").fill("1200")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_role("status")).to_contain_text("now completed")
    expect(page.get_by_text("1,200 returnees surveyed in three countries.")).to_be_visible()
    expect(page.get_by_text("1200 people reached.")).to_be_visible()
    history = page.locator("ol.timeline")
    for step in (
        "Proposed",
        "Agency invited: UNHCR",
        "Invitation accepted: UNHCR",
        "Status changed from Proposed to Active",
        "Milestone done: Questionnaire agreed",
        "Status changed from Active to Completed",
    ):
        expect(history).to_contain_text(step)

"""Joint initiatives are edited and deleted by their lead agency's focal points and the
secretariat; everyone signed in reads them."""

import pytest
from django.urls import reverse

from activities.models import Activity
from agencies.models import Agency, Role
from common.models import OutboxMessage
from initiatives import access, services
from initiatives.models import JointInitiative
from overlaps.models import OverlapFlag
from priorities.models import Priority

from .factories import ActivityFactory, JointInitiativeFactory, UserFactory


@pytest.fixture
def unhcr(db):
    return Agency.objects.get(acronym="UNHCR")


@pytest.fixture
def initiative(iom, unhcr):
    """Led by IOM, with UNHCR taking part; one activity of each linked."""
    made = JointInitiativeFactory(title="Joint returnee survey", lead_agency=iom)
    made.participating_agencies.set([iom, unhcr])
    ActivityFactory(agency=iom, initiative=made)
    ActivityFactory(agency=unhcr, initiative=made)
    return made


@pytest.fixture
def una(unhcr):
    """Focal point at UNHCR: takes part in the initiative, does not lead it."""
    return UserFactory(
        email="una@unhcr.example", full_name="Una", agency=unhcr, role=Role.FOCAL_POINT
    )


def edit_url(initiative):
    return reverse("initiatives:edit", args=[initiative.pk])


def delete_url(initiative):
    return reverse("initiatives:delete", args=[initiative.pk])


def edit_data(initiative, **changes):
    data = {
        "title": initiative.title,
        "description": initiative.description,
        "status": initiative.status,
        "lead_agency": initiative.lead_agency_id,
        "participating_agencies": [a.pk for a in initiative.participating_agencies.all()],
        "priorities": [p.pk for p in initiative.priorities.all()],
        "start_date": "",
        "end_date": "",
        "version": initiative.version,
    }
    data.update(changes)
    return data


# Who may


@pytest.mark.parametrize("person", ["fiona", "sam"])
def test_lead_focal_point_and_secretariat_edit(client, request, initiative, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(edit_url(initiative)).status_code == 200
    response = client.post(
        edit_url(initiative), edit_data(initiative, title="Joint survey of returnees, 2026")
    )
    assert response.status_code == 302
    assert response["Location"] == initiative.get_absolute_url()
    initiative.refresh_from_db()
    assert initiative.title == "Joint survey of returnees, 2026"
    assert initiative.version == 2


@pytest.mark.parametrize("person", ["una", "alice", "harry", "bob"])
def test_others_signed_in_read_but_may_not_edit_or_delete(client, request, initiative, person):
    client.force_login(request.getfixturevalue(person))
    page = client.get(initiative.get_absolute_url())
    assert page.status_code == 200
    content = page.content.decode()
    assert edit_url(initiative) not in content
    assert delete_url(initiative) not in content
    assert client.get(edit_url(initiative)).status_code == 403
    assert client.post(edit_url(initiative), edit_data(initiative, title="X")).status_code == 403
    assert client.get(delete_url(initiative)).status_code == 403
    assert client.post(delete_url(initiative), {"confirm": "on"}).status_code == 403
    initiative.refresh_from_db()
    assert initiative.title == "Joint returnee survey"


def test_anonymous_is_sent_to_sign_in(client, initiative):
    for url in (initiative.get_absolute_url(), edit_url(initiative), delete_url(initiative)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert client.post(delete_url(initiative), {"confirm": "on"}).status_code == 302
    assert JointInitiative.objects.filter(pk=initiative.pk).exists()


def test_the_gate_tells_an_anonymous_visitor_nothing(initiative):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    with pytest.raises(Http404):
        access.get_initiative_for_user(AnonymousUser(), initiative.pk)


@pytest.mark.parametrize("person", ["fiona", "sam"])
def test_those_who_may_see_edit_and_delete_buttons(client, request, initiative, person):
    client.force_login(request.getfixturevalue(person))
    content = client.get(initiative.get_absolute_url()).content.decode()
    assert edit_url(initiative) in content
    assert delete_url(initiative) in content


def test_an_inactive_focal_point_of_the_lead_may_not_edit(client, initiative, fiona):
    fiona.is_active = False
    fiona.save()
    assert not access.can_edit(fiona, initiative)


# Editing


def test_a_stale_edit_is_refused_and_keeps_the_other_change(client, sam, fiona, initiative):
    client.force_login(fiona)
    loaded = edit_data(initiative, title="Fiona's title")
    services.initiative_update(initiative, by=sam, title="Sam's title")
    response = client.post(edit_url(initiative), loaded)
    assert response.status_code == 200
    assert "Someone else saved this initiative" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.title == "Sam's title"


def test_an_edit_without_its_version_is_refused(client, fiona, initiative):
    client.force_login(fiona)
    data = edit_data(initiative, title="No version")
    del data["version"]
    assert client.post(edit_url(initiative), data).status_code == 200
    initiative.refresh_from_db()
    assert initiative.title == "Joint returnee survey"


def test_an_edit_that_ends_before_it_starts_is_refused(client, fiona, initiative):
    client.force_login(fiona)
    response = client.post(
        edit_url(initiative), edit_data(initiative, start_date="2026-06-01", end_date="2026-01-01")
    )
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.content.decode()


def test_the_lead_agency_always_takes_part(fiona, iom, unhcr, initiative):
    services.initiative_update(initiative, by=fiona, lead_agency=unhcr, participating_agencies=[])
    initiative.refresh_from_db()
    assert set(initiative.participating_agencies.all()) == {unhcr}


def test_handing_the_lead_to_another_agency_hands_over_editing(
    client, fiona, una, initiative, unhcr
):
    client.force_login(fiona)
    response = client.post(edit_url(initiative), edit_data(initiative, lead_agency=unhcr.pk))
    assert response.status_code == 302
    assert client.get(edit_url(initiative)).status_code == 403
    client.force_login(una)
    assert client.get(edit_url(initiative)).status_code == 200


def test_an_initiative_needs_a_priority(fiona, initiative):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.initiative_update(initiative, by=fiona, priorities=[])
    assert initiative.priorities.count() == 1


# Deleting


def test_deleting_unlinks_its_activities_and_says_so(client, fiona, initiative):
    linked = sorted(initiative.activities.values_list("pk", flat=True))
    client.force_login(fiona)
    confirm = client.get(delete_url(initiative))
    assert "Its 2 linked activities stay in the register" in confirm.content.decode()
    response = client.post(delete_url(initiative), {"confirm": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("initiatives:initiative-list")
    assert "2 activities are no longer linked to it" in response.content.decode()
    assert not JointInitiative.objects.filter(pk=initiative.pk).exists()
    assert set(Activity.objects.filter(pk__in=linked).values_list("initiative", flat=True)) == {
        None
    }
    # Their overlap checks run again (after commit, through the outbox): they are no
    # longer one initiative's work.
    queued = sorted((m.task, *m.args) for m in OutboxMessage.objects.all())
    assert queued == [("overlaps.tasks.rescore_activity", pk) for pk in linked]


def test_deleting_needs_the_box_ticked(client, sam, initiative):
    client.force_login(sam)
    response = client.post(delete_url(initiative), {})
    assert response.status_code == 200
    assert JointInitiative.objects.filter(pk=initiative.pk).exists()


def test_deleting_the_initiative_of_a_pair_lets_the_pair_have_a_new_one(
    client, sam, fiona, iom, unhcr
):
    from overlaps import review as overlap_review

    a = ActivityFactory(agency=iom)
    b = ActivityFactory(agency=unhcr)
    first, second = sorted((a, b), key=lambda activity: activity.pk)
    flag = OverlapFlag.objects.create(activity_a=first, activity_b=second, score=0.8, reasons={})
    flag = overlap_review.decide(flag, by=sam, status=OverlapFlag.Status.CONFIRMED)
    made, created = overlap_review.initiative_from_flag(flag, by=sam)
    assert created
    client.force_login(fiona)
    assert client.post(delete_url(made), {"confirm": "on"}).status_code == 302
    flag.refresh_from_db()
    assert flag.initiative is None

    again, created = overlap_review.initiative_from_flag(flag, by=sam)
    assert created and again.pk != made.pk


def test_create_adds_the_lead_to_the_participants(iom, unhcr):
    made = services.initiative_create(
        title="Led by IOM",
        lead_agency=iom,
        priorities=[Priority.objects.get(code="a")],
        participating_agencies=[unhcr],
    )
    assert set(made.participating_agencies.all()) == {iom, unhcr}

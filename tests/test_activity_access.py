"""Who may read and write activities: every view, with named people."""

import pytest
from django.urls import reverse

from activities.models import Activity
from priorities.models import Priority

from .factories import ActivityFactory


@pytest.fixture
def iom_activity(iom):
    return ActivityFactory(agency=iom, reference="IOM-2026-001", title="Return support")


def form_data(**overrides):
    data = {
        "reference": "IOM-2026-777",
        "title": "Labour migration survey in Kenya",
        "description": "A survey.",
        "language": "en",
        "kind": "research",
        "status": "planned",
        "start_date": "2026-03-01",
        "end_date": "2026-09-30",
        "countries": ["KEN"],
        "priorities": [str(Priority.objects.get(code="b").pk)],
    }
    data.update(overrides)
    return data


READ_URLS = [
    ("dashboard", False),
    ("activities:list", False),
    ("activities:detail", True),
]


@pytest.mark.parametrize(("name", "needs_pk"), READ_URLS)
def test_anonymous_is_sent_to_sign_in(client, iom_activity, name, needs_pk):
    url = reverse(name, args=[iom_activity.pk] if needs_pk else [])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("person", ["alice", "bob", "harry", "sam"])
@pytest.mark.parametrize(("name", "needs_pk"), READ_URLS)
def test_everyone_signed_in_reads_everything(client, request, iom_activity, person, name, needs_pk):
    client.force_login(request.getfixturevalue(person))
    url = reverse(name, args=[iom_activity.pk] if needs_pk else [])
    response = client.get(url)
    assert response.status_code == 200
    assert "Return support" in response.content.decode()


def test_staff_logs_activity_for_own_agency(client, alice, iom):
    client.force_login(alice)
    response = client.post(reverse("activities:create"), form_data())
    activity = Activity.objects.get(reference="IOM-2026-777")
    assert response.status_code == 302
    assert response["Location"] == activity.get_absolute_url()
    assert activity.agency == iom
    assert activity.created_by == alice
    assert [c.pk for c in activity.countries.all()] == ["KEN"]


def test_staff_cannot_log_for_another_agency(client, alice, iom, ilo):
    client.force_login(alice)
    # A crafted form naming another agency still logs for the person's own.
    client.post(reverse("activities:create"), form_data(agency=ilo.pk))
    assert not Activity.objects.filter(agency=ilo).exists()
    assert Activity.objects.get().agency == iom


def test_head_of_agency_cannot_log_activities(client, harry):
    client.force_login(harry)
    assert client.get(reverse("activities:create")).status_code == 403
    response = client.post(reverse("activities:create"), form_data())
    assert response.status_code == 403
    assert not Activity.objects.exists()


def test_secretariat_logs_for_any_agency(client, sam, ilo):
    client.force_login(sam)
    response = client.post(reverse("activities:create"), form_data(agency=ilo.pk))
    assert response.status_code == 302
    assert Activity.objects.get().agency == ilo


@pytest.mark.parametrize("person", ["alice", "fiona", "sam"])
def test_writers_edit_iom_activity(client, request, iom_activity, person):
    client.force_login(request.getfixturevalue(person))
    url = reverse("activities:edit", args=[iom_activity.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, form_data(reference=iom_activity.reference, title="Renamed", version=1)
    )
    assert response.status_code == 302
    iom_activity.refresh_from_db()
    assert iom_activity.title == "Renamed"
    assert iom_activity.version == 2


@pytest.mark.parametrize("person", ["bob", "harry"])
def test_others_cannot_edit_or_delete(client, request, iom_activity, person):
    client.force_login(request.getfixturevalue(person))
    edit = reverse("activities:edit", args=[iom_activity.pk])
    delete = reverse("activities:delete", args=[iom_activity.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, form_data(title="Hijacked", version=1)).status_code == 403
    assert client.post(delete, {"confirm": "on"}).status_code == 403
    iom_activity.refresh_from_db()
    assert iom_activity.title == "Return support"


def test_other_agency_staff_see_no_edit_button(client, bob, iom_activity):
    client.force_login(bob)
    page = client.get(iom_activity.get_absolute_url()).content.decode()
    assert reverse("activities:edit", args=[iom_activity.pk]) not in page


def test_anonymous_cannot_edit_or_delete(client, iom_activity):
    edit = reverse("activities:edit", args=[iom_activity.pk])
    response = client.post(edit, form_data(title="Hijacked"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    delete = reverse("activities:delete", args=[iom_activity.pk])
    response = client.post(delete, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    iom_activity.refresh_from_db()
    assert iom_activity.title == "Return support"


def test_staff_cannot_link_to_another_agencys_initiative(client, alice, iom, ilo):
    from .factories import JointInitiativeFactory

    theirs = JointInitiativeFactory(lead_agency=ilo)
    ours = JointInitiativeFactory(lead_agency=ilo)
    ours.participating_agencies.add(iom)
    client.force_login(alice)
    response = client.post(reverse("activities:create"), form_data(initiative=theirs.pk))
    assert "initiative" in response.context["form"].errors
    assert not Activity.objects.exists()
    response = client.post(reverse("activities:create"), form_data(initiative=ours.pk))
    assert Activity.objects.get().initiative == ours


def test_staff_of_an_inactive_agency_cannot_log(client, alice, iom):
    iom.is_active = False
    iom.save()
    client.force_login(alice)
    assert client.get(reverse("activities:create")).status_code == 403


def test_edit_without_the_version_is_refused(client, alice, iom_activity):
    client.force_login(alice)
    url = reverse("activities:edit", args=[iom_activity.pk])
    response = client.post(url, form_data(reference=iom_activity.reference, title="No version"))
    assert response.status_code == 200
    assert "This form is out of date" in response.content.decode()
    iom_activity.refresh_from_db()
    assert iom_activity.title == "Return support"


def test_staff_deletes_own_activity_after_confirming(client, alice, iom_activity):
    client.force_login(alice)
    url = reverse("activities:delete", args=[iom_activity.pk])
    response = client.post(url, {})
    assert response.status_code == 200
    assert "Tick the box to confirm" in response.content.decode()
    assert Activity.objects.filter(pk=iom_activity.pk).exists()
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    assert not Activity.objects.filter(pk=iom_activity.pk).exists()


def test_unknown_activity_is_a_friendly_404(client, alice, settings):
    settings.DEBUG = False
    client.force_login(alice)
    response = client.get(reverse("activities:detail", args=[999999]))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()

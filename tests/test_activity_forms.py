"""Bad input gets field-level messages and saves nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import services
from activities.models import Activity
from agencies.models import Agency
from priorities.models import Priority

from .factories import ActivityFactory
from .test_activity_access import form_data


def post(client, user, **overrides):
    client.force_login(user)
    return client.post(reverse("activities:create"), form_data(**overrides))


def test_end_before_start_is_refused_on_the_field(client, alice):
    response = post(client, alice, start_date="2026-05-01", end_date="2026-04-30")
    form = response.context["form"]
    assert form.errors == {"end_date": ["The end date cannot be before the start date."]}
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Activity.objects.exists()


def test_unknown_country_and_priority_are_refused(client, alice):
    response = post(client, alice, countries=["ZZZ"], priorities=["9999"])
    form = response.context["form"]
    assert "countries" in form.errors
    assert "priorities" in form.errors
    assert not Activity.objects.exists()


def test_no_priority_and_no_place_are_refused(client, alice):
    response = post(client, alice, countries=[], priorities=[])
    form = response.context["form"]
    assert form.errors["priorities"] == ["Choose at least one priority of the Terms of Reference."]
    assert len(form.errors["countries"]) == 1
    assert "country or region" in form.errors["countries"][0]
    assert not Activity.objects.exists()


REFERENCE_TAKEN = (
    "This agency already has an activity with this reference "
    "(capital and small letters count as the same)."
)


@pytest.mark.parametrize("reference", ["IOM-2026-777", "iom-2026-777"])
def test_duplicate_reference_in_same_agency_is_refused_whatever_the_case(
    client, alice, iom, reference
):
    ActivityFactory(agency=iom, reference="IOM-2026-777")
    response = post(client, alice, reference=reference)
    assert response.context["form"].errors == {"reference": [REFERENCE_TAKEN]}
    assert Activity.objects.count() == 1


def test_secretariat_sees_a_taken_reference_once_on_the_field(client, sam, iom):
    ActivityFactory(agency=iom, reference="IOM-2026-777")
    response = post(client, sam, agency=iom.pk, reference="Iom-2026-777")
    assert response.context["form"].errors == {"reference": [REFERENCE_TAKEN]}


@pytest.mark.parametrize("edit", [False, True], ids=["create", "edit"])
def test_a_twin_the_checks_missed_is_refused_by_the_database_on_the_field(
    client, alice, iom, monkeypatch, edit
):
    ActivityFactory(agency=iom, reference="IOM-1")
    mine = ActivityFactory(agency=iom, reference="IOM-2")
    # As when a colleague's save has not committed yet while the checks run.
    monkeypatch.setattr(Activity, "validate_constraints", lambda self, exclude=None, skip=(): None)
    client.force_login(alice)
    if edit:
        url, data = (
            reverse("activities:edit", args=[mine.pk]),
            form_data(reference="iom-1", version=1),
        )
    else:
        url, data = reverse("activities:create"), form_data(reference="iom-1")

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"reference": [REFERENCE_TAKEN]}
    assert sorted(Activity.objects.values_list("reference", flat=True)) == ["IOM-1", "IOM-2"]


RULES = {
    "end_date": {"start_date": "2026-05-01", "end_date": "2026-04-30"},
    "priorities": {"priorities": []},
    "countries": {"countries": [], "regions": []},
    "partners": {"partners": "own agency"},
    "reference": {"reference": "iom-1"},
}


@pytest.mark.parametrize("field", RULES)
def test_the_form_and_the_service_state_each_rule_in_the_same_words(client, alice, iom, field):
    ActivityFactory(agency=iom, reference="IOM-1")
    overrides = dict(RULES[field])
    if field == "partners":
        overrides["partners"] = [iom.pk]
    response = post(client, alice, **overrides)
    form = response.context["form"]
    assert list(form.errors) == [field]

    data = form_data(**overrides)
    with pytest.raises(ValidationError) as caught:
        services.activity_create(
            agency=iom,
            by=alice,
            reference=data["reference"],
            title=data["title"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            priorities=Priority.objects.filter(pk__in=data["priorities"]),
            countries=data["countries"],
            regions=data.get("regions", []),
            partners=Agency.objects.filter(pk__in=data.get("partners", [])),
        )
    assert caught.value.message_dict == {field: form.errors[field]}


def test_same_reference_in_another_agency_is_fine(client, alice, ilo):
    ActivityFactory(agency=ilo, reference="IOM-2026-777")
    assert post(client, alice).status_code == 302


def test_own_agency_as_partner_is_refused(client, alice, iom):
    response = post(client, alice, partners=[iom.pk])
    assert response.context["form"].errors["partners"] == ["An agency cannot be its own partner."]


def test_region_alone_is_enough(client, alice):
    assert post(client, alice, countries=[], regions=["001"]).status_code == 302
    assert Activity.objects.get().regions.get().is_world


def test_open_ended_activity_is_accepted(client, alice):
    assert post(client, alice, end_date="", status="ongoing").status_code == 302
    assert Activity.objects.get().end_date is None


def test_stale_edit_is_refused_and_loses_nothing(client, alice, fiona, iom):
    activity = ActivityFactory(agency=iom, reference="IOM-1", title="Original")
    url = reverse("activities:edit", args=[activity.pk])
    client.force_login(fiona)
    assert client.post(url, form_data(reference="IOM-1", title="Fiona's", version=1)).status_code
    client.force_login(alice)
    response = client.post(url, form_data(reference="IOM-1", title="Alice's", version=1))
    assert response.status_code == 200
    assert "changed this activity since you opened it" in response.content.decode()
    activity.refresh_from_db()
    assert activity.title == "Fiona's"


def test_service_refuses_invalid_data_with_field_errors(iom, alice):
    with pytest.raises(ValidationError) as caught:
        services.activity_create(
            agency=iom,
            by=alice,
            reference="X",
            title="T",
            start_date="2026-05-01",
            end_date="2026-01-01",
            priorities=[],
            countries=[],
        )
    assert {"end_date", "priorities", "countries"} <= set(caught.value.message_dict)
    assert not Activity.objects.exists()


def test_database_refuses_end_before_start(iom):
    from django.db import IntegrityError, transaction

    activity = ActivityFactory(agency=iom)
    activity.end_date = activity.start_date.replace(year=activity.start_date.year - 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(end_date=activity.end_date)


def test_priorities_are_offered_with_their_codes(client, alice):
    client.force_login(alice)
    page = client.get(reverse("activities:create")).content.decode()
    for priority in Priority.objects.all():
        assert f"({priority.code}) {priority.short_title}" in page

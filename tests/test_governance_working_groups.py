"""Working groups set up and changed by the secretariat: the forms, the rule that a co-chair is
a member, and who may do it. Alice is IOM staff, Fiona IOM's focal point, Harry IOM's head, Bob
ILO staff (an outsider), Sam the secretariat."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import Agency
from governance import services
from governance.models import WorkingGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def unhcr(db):
    return Agency.objects.get(acronym="UNHCR")


@pytest.fixture
def group(iom, ilo):
    return services.working_group_create(
        name="Data and research", mandate="Pools data.", co_chairs=[iom], members=[iom, ilo]
    )


def test_a_co_chair_must_be_a_member(iom, ilo):
    with pytest.raises(ValidationError) as exc:
        services.working_group_create(name="Returns", co_chairs=[iom], members=[ilo])
    assert "IOM" in exc.value.message_dict["co_chairs"][0]
    with pytest.raises(ValidationError) as exc:
        services.working_group_create(name="Returns", co_chairs=[], members=[ilo])
    assert "co_chairs" in exc.value.message_dict
    assert not WorkingGroup.objects.exists()


def test_an_update_keeps_the_rule_and_the_address(group, iom, ilo, sam):
    with pytest.raises(ValidationError) as exc:
        services.working_group_update(
            group, by=sam, name="Data", mandate="", co_chairs=[ilo], members=[iom]
        )
    assert "ILO" in exc.value.message_dict["co_chairs"][0]
    group.refresh_from_db()
    assert group.name == "Data and research" and list(group.co_chairs.all()) == [iom]
    saved = services.working_group_update(
        group, by=sam, name="Data", mandate="New.", co_chairs=[ilo], members=[ilo]
    )
    assert saved.slug == "data-and-research" and saved.name == "Data"
    assert list(saved.co_chairs.all()) == [ilo] and list(saved.members.all()) == [ilo]


def test_slugs_stay_unique_and_never_take_a_page_address(iom):
    first = services.working_group_create(name="New", co_chairs=[iom], members=[iom])
    second = services.working_group_create(name="new!", co_chairs=[iom], members=[iom])
    third = services.working_group_create(name="移民", co_chairs=[iom], members=[iom])
    assert first.slug != "new" and first.slug != second.slug
    assert third.slug == "group"


def test_the_secretariat_sets_up_a_group_through_the_form(client, sam, iom, ilo, unhcr):
    client.force_login(sam)
    url = reverse("governance:working-group-create")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Returns and reintegration",
            "mandate": "Sustainable return.",
            "co_chairs": [iom.pk, unhcr.pk],
            "members": [iom.pk, ilo.pk],
        },
    )
    # UNHCR is not ticked as a member: refused on the co-chairs field, nothing saved.
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "UNHCR" in errors["co_chairs"][0] and list(errors) == ["co_chairs"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not WorkingGroup.objects.exists()
    response = client.post(
        url,
        {
            "name": "Returns and reintegration",
            "mandate": "Sustainable return.",
            "co_chairs": [iom.pk, unhcr.pk],
            "members": [iom.pk, ilo.pk, unhcr.pk],
        },
    )
    group = WorkingGroup.objects.get()
    assert response.status_code == 302 and response["Location"] == group.get_absolute_url()
    assert set(group.co_chairs.all()) == {iom, unhcr}
    assert set(group.members.all()) == {iom, ilo, unhcr}
    html = client.get(group.get_absolute_url()).content.decode()
    assert "Sustainable return." in html
    assert reverse("governance:working-group-edit", args=[group.slug]) in html


def test_the_secretariat_edits_a_group(client, sam, group, iom, ilo):
    client.force_login(sam)
    url = reverse("governance:working-group-edit", args=[group.slug])
    form = client.get(url).context["form"]
    assert form.initial["name"] == "Data and research"
    response = client.post(
        url, {"name": "Data", "mandate": "", "co_chairs": [ilo.pk], "members": [ilo.pk, iom.pk]}
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Data" and list(group.co_chairs.all()) == [ilo]
    # A name another group has is a field error.
    services.working_group_create(name="Rights", co_chairs=[iom], members=[iom])
    response = client.post(
        url, {"name": "Rights", "mandate": "", "co_chairs": [ilo.pk], "members": [ilo.pk]}
    )
    assert response.status_code == 200 and "name" in response.context["form"].errors


@pytest.mark.parametrize("who", ["alice", "fiona", "harry", "bob"])
def test_only_the_secretariat_sets_up_or_edits_groups(client, request, who, group, iom):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("governance:working-group-list")).status_code == 200
    html = client.get(group.get_absolute_url()).content.decode()
    assert reverse("governance:working-group-edit", args=[group.slug]) not in html
    data = {"name": "Taken over", "co_chairs": [iom.pk], "members": [iom.pk]}
    for url in [
        reverse("governance:working-group-create"),
        reverse("governance:working-group-edit", args=[group.slug]),
    ]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    group.refresh_from_db()
    assert group.name == "Data and research" and WorkingGroup.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(client, group, iom):
    for url in [
        reverse("governance:working-group-list"),
        group.get_absolute_url(),
        reverse("governance:working-group-create"),
        reverse("governance:working-group-edit", args=[group.slug]),
    ]:
        response = client.post(url, {"name": "x", "co_chairs": [iom.pk], "members": [iom.pk]})
        assert response.status_code == 302 and "/login" in response["Location"], url
    assert WorkingGroup.objects.get().name == "Data and research"

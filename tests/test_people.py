"""Focal points manage their colleagues: roles within the agency, deactivation, reactivation.

Named people: Fiona is IOM's focal point, Alice IOM staff, Harry IOM's head, Bob ILO staff,
Sam the secretariat; Olga (below) is ILO's focal point, an outsider to IOM's people.
"""

import os

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies import services
from agencies.models import Role, User

from .factories import UserFactory
from .test_activity_concurrency import run_together


@pytest.fixture
def olga(ilo):
    """Focal point at ILO: an outsider to IOM's people."""
    return UserFactory(
        email="olga@ilo.example", full_name="Olga", agency=ilo, role=Role.FOCAL_POINT
    )


@pytest.fixture(params=["db", "cached_db"])
def session_engine(request, settings):
    """Both ways the portal stores sessions: in the database alone (no Redis, `make run`),
    and read from Redis first with the database behind (settings.SESSION_ENGINE with
    REDIS_URL). A session ended in the database but left in the cache would live on."""
    if request.param == "cached_db":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
                "KEY_PREFIX": "test-people-sessions",
            }
        }
        cache.clear()
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{request.param}"
    yield request.param
    if request.param == "cached_db":
        cache.clear()


def people_url(agency):
    return reverse("agencies:person-list", args=[agency.slug])


def role_url(person):
    return reverse("agencies:person-role", args=[person.pk])


def deactivate_url(person):
    return reverse("agencies:person-deactivate", args=[person.pk])


def reactivate_url(person):
    return reverse("agencies:person-reactivate", args=[person.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def signed_in_client(person, password):
    """A client signed in for real (a stored session), as a browser would be."""
    client = Client()
    assert client.login(username=person.email, password=password)
    return client


def is_signed_in(client):
    response = client.get(reverse("dashboard"))
    return response.status_code == 200


# -- who may see and do what --------------------------------------------------------------


def every_action(person):
    return [
        ("get", deactivate_url(person), {}),
        ("post", role_url(person), {"role": Role.HEAD}),
        ("post", deactivate_url(person), {}),
        ("post", reactivate_url(person), {}),
    ]


@pytest.mark.parametrize("who", ["alice", "harry", "bob"])
def test_staff_and_heads_may_not_manage_people(client, request, who, alice, iom):
    client.force_login(request.getfixturevalue(who))
    assert client.get(people_url(iom)).status_code == 403
    for method, url, data in every_action(alice):
        assert getattr(client, method)(url, data).status_code == 403
    alice.refresh_from_db()
    assert alice.is_active and alice.role == Role.STAFF


def test_a_focal_point_of_another_agency_gets_not_found(client, olga, alice, iom):
    client.force_login(olga)
    assert client.get(people_url(iom)).status_code == 404
    for method, url, data in every_action(alice):
        assert getattr(client, method)(url, data).status_code == 404
    alice.refresh_from_db()
    assert alice.is_active and alice.role == Role.STAFF


def test_anonymous_visitors_are_sent_to_sign_in(client, alice, iom):
    for method, url, data in [("get", people_url(iom), {}), *every_action(alice)]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    alice.refresh_from_db()
    assert alice.is_active


def test_a_focal_point_sees_their_agencys_people(client, fiona, alice, harry, bob, sam, iom):
    secretariat_at_iom = UserFactory(
        full_name="Seconded", agency=iom, role=Role.SECRETARIAT, email="s@gmg.example"
    )
    client.force_login(fiona)
    response = client.get(people_url(iom))
    assert response.status_code == 200
    listed = [person for person, _form in response.context["active"]]
    assert set(listed) == {fiona, alice, harry}  # not ILO's Bob, not the secretariat
    assert secretariat_at_iom not in listed
    html = response.content.decode()
    assert "3 active people" in html
    # Never secretariat among the roles offered.
    assert 'value="secretariat"' not in html


def test_the_secretariat_manages_any_agency(client, sam, bob, ilo):
    client.force_login(sam)
    response = client.get(people_url(ilo))
    assert response.status_code == 200
    assert "1 active person" in response.content.decode()
    assert 'value="secretariat"' in response.content.decode()
    client.post(role_url(bob), {"role": Role.FOCAL_POINT})
    bob.refresh_from_db()
    assert bob.role == Role.FOCAL_POINT


def test_a_focal_point_may_not_touch_the_secretariat_even_at_their_agency(client, fiona, iom):
    seconded = UserFactory(agency=iom, role=Role.SECRETARIAT, email="s@gmg.example")
    client.force_login(fiona)
    for method, url, data in every_action(seconded):
        assert getattr(client, method)(url, data).status_code == 404
    seconded.refresh_from_db()
    assert seconded.role == Role.SECRETARIAT and seconded.is_active


def test_the_people_page_runs_a_fixed_number_of_queries(
    client, sam, iom, django_assert_max_num_queries
):
    client.force_login(sam)
    UserFactory(agency=iom, is_active=False, deactivated_by=sam)
    client.get(people_url(iom))

    with CaptureQueriesContext(connection) as few:
        client.get(people_url(iom))
    for _ in range(10):
        UserFactory(agency=iom)
        UserFactory(agency=iom, is_active=False, deactivated_by=sam)
    with django_assert_max_num_queries(len(few)):
        assert client.get(people_url(iom)).status_code == 200


# -- roles --------------------------------------------------------------------------------


def test_a_focal_point_changes_a_colleagues_role(client, fiona, alice, iom):
    client.force_login(fiona)
    response = client.post(role_url(alice), {"role": Role.FOCAL_POINT}, follow=True)
    assert response.redirect_chain[0] == (people_url(iom), 302)
    alice.refresh_from_db()
    assert alice.role == Role.FOCAL_POINT
    assert messages_of(response) == ["The role of Alice is now “Focal point”."]


def test_a_focal_point_cannot_make_anyone_secretariat(client, fiona, alice):
    client.force_login(fiona)
    response = client.post(role_url(alice), {"role": Role.SECRETARIAT}, follow=True)
    alice.refresh_from_db()
    assert alice.role == Role.STAFF
    assert "not one of the available choices" in messages_of(response)[0]


def test_the_last_focal_point_cannot_step_down(client, fiona, iom):
    client.force_login(fiona)
    response = client.post(role_url(fiona), {"role": Role.STAFF}, follow=True)
    fiona.refresh_from_db()
    assert fiona.role == Role.FOCAL_POINT
    assert messages_of(response) == [
        "Fiona is the last focal point of IOM. Make someone else focal point first, "
        "or ask the secretariat."
    ]


def test_a_focal_point_steps_down_once_another_takes_over(client, fiona, alice, iom):
    client.force_login(fiona)
    client.post(role_url(alice), {"role": Role.FOCAL_POINT})
    response = client.post(role_url(fiona), {"role": Role.STAFF})
    fiona.refresh_from_db()
    assert fiona.role == Role.STAFF
    # The People page is no longer hers: she lands on her agency's page instead.
    assert response["Location"] == iom.get_absolute_url()
    assert client.get(people_url(iom)).status_code == 403


def test_a_deactivated_focal_point_does_not_count(fiona, iom, sam):
    other = UserFactory(agency=iom, role=Role.FOCAL_POINT)
    services.member_deactivate(other, by=sam)
    with pytest.raises(ValidationError, match="last focal point"):
        services.member_set_role(fiona, role=Role.STAFF, by=fiona)


def test_the_secretariat_may_remove_the_last_focal_point_and_is_told(client, sam, fiona, iom):
    client.force_login(sam)
    response = client.post(role_url(fiona), {"role": Role.HEAD}, follow=True)
    fiona.refresh_from_db()
    assert fiona.role == Role.HEAD
    assert messages_of(response)[-1] == (
        "IOM has no focal point now: invite one, or make someone focal point."
    )
    assert "IOM has no focal point" in response.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_focal_points_stepping_each_other_down_at_once_leave_one(fiona, iom):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers need real row locks: run on PostgreSQL.")
    gina = UserFactory(full_name="Gina", agency=iom, role=Role.FOCAL_POINT)
    pairs = [(gina, fiona), (fiona, gina)]

    def step_down(i):
        person, by = pairs[i]
        return services.member_set_role(person, role=Role.STAFF, by=by)

    outcomes = run_together(step_down, count=2)
    assert sorted(type(o).__name__ for o in outcomes) == ["User", "ValidationError"]
    assert User.objects.filter(agency=iom, role=Role.FOCAL_POINT).count() == 1


# -- deactivation -------------------------------------------------------------------------


def test_deactivation_asks_for_confirmation_first(client, fiona, alice):
    client.force_login(fiona)
    response = client.get(deactivate_url(alice))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Deactivate Alice?" in html and "signed out at once" in html
    alice.refresh_from_db()
    assert alice.is_active


def test_deactivating_a_colleague_ends_their_open_sessions_at_once(
    client, fiona, alice, harry, iom, password, session_engine
):
    alices_laptop = signed_in_client(alice, password)
    alices_phone = signed_in_client(alice, password)
    harrys = signed_in_client(harry, password)
    assert is_signed_in(alices_laptop) and is_signed_in(alices_phone)

    client.force_login(fiona)
    response = client.post(deactivate_url(alice), follow=True)
    assert response.redirect_chain[0] == (people_url(iom), 302)
    assert messages_of(response) == ["Alice was deactivated and signed out everywhere."]
    alice.refresh_from_db()
    assert not alice.is_active
    assert alice.deactivated_by == fiona and alice.deactivated_at is not None

    # Their stored sessions are gone, not merely refused; everyone else's stay.
    users = {s.get_decoded().get("_auth_user_id") for s in Session.objects.all()}
    assert str(alice.pk) not in users and str(harry.pk) in users
    assert not is_signed_in(alices_laptop) and not is_signed_in(alices_phone)
    assert is_signed_in(harrys) and is_signed_in(client)

    # And they cannot sign in again.
    response = Client().post(
        reverse("account_login"), {"login": alice.email, "password": password}, follow=True
    )
    assert "This account is deactivated" in response.content.decode()


def test_reactivating_does_not_bring_old_sessions_back(
    client, fiona, alice, iom, password, session_engine
):
    alices_laptop = signed_in_client(alice, password)
    client.force_login(fiona)
    client.post(deactivate_url(alice))
    response = client.post(reactivate_url(alice), follow=True)
    assert messages_of(response)[-1] == "Alice can sign in again."
    alice.refresh_from_db()
    assert alice.is_active and alice.deactivated_at is None and alice.deactivated_by is None
    # The laptop left signed in before stays signed out; a new sign-in works.
    assert not is_signed_in(alices_laptop)
    assert is_signed_in(signed_in_client(alice, password))


def test_the_people_page_lists_who_left_with_when_and_by_whom(client, fiona, alice, iom):
    client.force_login(fiona)
    client.post(deactivate_url(alice))
    response = client.get(people_url(iom))
    assert response.context["deactivated"] == [alice]
    html = response.content.decode()
    assert "1 deactivated person" in html and "· Fiona" in html
    assert reactivate_url(alice) in html
    # Gone from the agency's public page.
    assert "alice@iom.example" not in client.get(iom.get_absolute_url()).content.decode()


def test_nobody_deactivates_themselves(client, fiona, sam):
    for person in (fiona, sam):
        client.force_login(person)
        assert (
            "cannot deactivate your own account"
            in client.get(deactivate_url(person)).content.decode()
        )
        response = client.post(deactivate_url(person), follow=True)
        assert "You cannot deactivate your own account" in messages_of(response)[0]
        person.refresh_from_db()
        assert person.is_active
        assert is_signed_in(client)


def test_the_secretariat_deactivates_and_reactivates_anyone(client, sam, bob, password):
    bobs = signed_in_client(bob, password)
    client.force_login(sam)
    client.post(deactivate_url(bob))
    bob.refresh_from_db()
    assert not bob.is_active and not is_signed_in(bobs)
    client.post(reactivate_url(bob))
    bob.refresh_from_db()
    assert bob.is_active


def test_a_role_cannot_be_changed_while_deactivated(fiona, alice):
    services.member_deactivate(alice, by=fiona)
    with pytest.raises(ValidationError, match="Reactivate this person"):
        services.member_set_role(alice, role=Role.HEAD, by=fiona)


def test_deactivation_is_a_post(client, fiona, alice):
    client.force_login(fiona)
    assert client.get(reactivate_url(alice)).status_code == 405
    assert client.get(role_url(alice)).status_code == 405
    assert User.objects.get(pk=alice.pk).is_active

"""How long a signed-in session lasts: it ends after DJANGO_SESSION_IDLE_MINUTES without a
request, and DJANGO_SESSION_AGE after sign-in however busy it is; either way the sign-in page
says why."""

import time

import pytest
import time_machine
from django.urls import reverse

from .factories import PASSWORD


@pytest.fixture
def clock():
    with time_machine.travel(time.time(), tick=False) as traveller:
        yield traveller


def sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_an_idle_session_ends_and_the_sign_in_page_says_why(client, alice, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 60 * 60
    sign_in(client, alice)
    clock.shift(59 * 60)
    assert client.get("/").status_code == 200
    clock.shift(61 * 60)
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][0] == reverse("account_login") + "?next=/"
    assert "_auth_user_id" not in client.session
    assert "signed out after 60 minutes without activity" in response.content.decode()


def test_activity_keeps_a_session_open_until_its_absolute_limit(client, alice, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 60 * 60
    settings.SESSION_COOKIE_AGE = 12 * 60 * 60
    sign_in(client, alice)
    for _ in range(23):  # a request every half hour: 11.5 hours of work
        clock.shift(30 * 60)
        assert client.get("/").status_code == 200
    clock.shift(31 * 60)  # 12 hours and a minute after signing in, busy all along
    response = client.get("/", follow=True)
    assert "_auth_user_id" not in client.session
    assert "sessions last at most 12 hours" in response.content.decode()


def test_signing_in_again_starts_both_clocks_again(client, alice, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 60 * 60
    settings.SESSION_COOKIE_AGE = 2 * 60 * 60
    sign_in(client, alice)
    clock.shift(61 * 60)
    client.get("/")
    sign_in(client, alice)
    clock.shift(59 * 60)
    assert client.get("/").status_code == 200
    clock.shift(59 * 60)  # 2 h after the first sign-in, not after the second
    assert client.get("/").status_code == 200


def test_a_session_from_another_way_in_gets_the_limits_too(client, alice, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 60 * 60
    client.force_login(alice)  # as accepting an invitation signs in, outside allauth
    assert client.get("/").status_code == 200
    clock.shift(61 * 60)
    assert client.get("/")["Location"].startswith(reverse("account_login"))


def test_visitors_are_untouched(client, db, clock):
    clock.shift(24 * 60 * 60)
    assert client.get(reverse("account_login")).status_code == 200

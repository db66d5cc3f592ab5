"""The sign-in pages tell people without an account, or without a reset email, whom to ask."""

import pytest
from django.urls import reverse

SUPPORT = "gmg-help@un.example"


@pytest.fixture(autouse=True)
def _support(settings):
    settings.GMG_SUPPORT_EMAIL = SUPPORT


def html_of(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def test_sign_in_says_whom_to_ask_for_an_account_and_never_offers_sign_up(client, db):
    html = html_of(client, "account_login")
    assert reverse("account_signup") not in html
    assert "sign up" not in html.lower().replace("no public sign-up", "")
    assert "Ask your agency's focal point to invite you" in html
    assert f'<a href="mailto:{SUPPORT}">{SUPPORT}</a>' in html
    assert f'href="{reverse("account_reset_password")}"' in html


def test_password_reset_names_the_secretariats_address(client, db):
    for name in ("account_reset_password", "account_reset_password_done"):
        assert f'<a href="mailto:{SUPPORT}">{SUPPORT}</a>' in html_of(client, name)
    assert "contact us" not in html_of(client, "account_reset_password")


def test_the_default_support_address_is_for_development(client, db, settings):
    from gmg_portal import settings as portal_settings

    assert portal_settings.GMG_SUPPORT_EMAIL == "gmg-secretariat@localhost"


def test_sign_in_still_works_and_errors_are_shown(client, alice, password):
    response = client.post(reverse("account_login"), {"login": alice.email, "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and "not correct" in html
    response = client.post(reverse("account_login"), {"login": alice.email, "password": password})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_sign_in_keeps_where_the_person_was_going(client, alice, password):
    target = reverse("activities:list")
    html = client.get(reverse("account_login") + f"?next={target}").content.decode()
    assert f'name="next" value="{target}"' in html
    response = client.post(
        reverse("account_login") + f"?next={target}",
        {"login": alice.email, "password": password, "next": target},
    )
    assert response["Location"] == target


def test_a_deactivated_person_is_told_whom_to_ask(client, alice, password):
    alice.is_active = False
    alice.save()
    response = client.post(
        reverse("account_login"), {"login": alice.email, "password": password}, follow=True
    )
    html = response.content.decode()
    assert "This account is deactivated" in html and f"mailto:{SUPPORT}" in html

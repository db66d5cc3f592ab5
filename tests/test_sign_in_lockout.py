"""A lock-out that cannot be turned into a denial of service.

Wrong passwords are throttled per account, with a backoff (5 in 5 minutes, 10 in an hour, 20 in
a day); the throttled owner still gets in with a one-time code emailed to them; one person's
lock-out does not refuse their colleagues behind the same address; and behind the proxy the
address counted is the client's from X-Forwarded-For, not the proxy's.
"""

import re
import time
import uuid

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from .factories import PASSWORD, UserFactory

WRONG = "wrong-password-123"


def person():
    return UserFactory(email=f"p-{uuid.uuid4().hex[:10]}@iom.example")


def attempt(email, password, **headers):
    from django.test import Client

    client = Client(**headers)
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    return client, response


def signed_in(client):
    return "_auth_user_id" in client.session


def lock_out(user, n=5, **headers):
    for _ in range(n):
        client, _response = attempt(user.email, WRONG, **headers)
        assert not signed_in(client)


def is_throttled(response):
    return "Password sign-in is paused for this account" in response.content.decode()


def test_the_right_password_is_refused_while_the_account_is_throttled(db):
    owner = person()
    lock_out(owner, REMOTE_ADDR="10.0.0.1")
    client, response = attempt(owner.email, PASSWORD, REMOTE_ADDR="10.0.0.2")
    assert not signed_in(client)
    assert is_throttled(response)
    assert reverse("account_request_login_code") in response.content.decode()


def test_a_lock_out_and_more_does_not_refuse_colleagues_on_the_same_address(db):
    office = {"REMOTE_ADDR": "192.0.2.10"}
    mallory = person()
    # Locked after 5, then 20 more tries at the same account: refused before the address is
    # counted, so they cost the office nothing.
    lock_out(mallory, n=25, **office)
    for colleague in [person() for _ in range(6)]:
        client, response = attempt(colleague.email, PASSWORD, **office)
        assert signed_in(client), response.content.decode()


def test_the_throttled_owner_signs_in_with_an_emailed_code(db):
    owner = person()
    lock_out(owner)
    client, response = attempt(owner.email, PASSWORD)
    assert is_throttled(response)

    response = client.post(reverse("account_request_login_code"), {"email": owner.email})
    assert response["Location"] == reverse("account_confirm_login_code")
    (message,) = mail.outbox
    assert message.to == [owner.email]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)[1]
    assert (
        "Enter your sign-in code"
        in client.get(reverse("account_confirm_login_code")).content.decode()
    )
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert signed_in(client)
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_a_wrong_code_does_not_sign_in(db):
    owner = person()
    from django.test import Client

    client = Client()
    client.post(reverse("account_request_login_code"), {"email": owner.email})
    response = client.post(reverse("account_confirm_login_code"), {"code": "AAAA-AAAA"})
    assert response.status_code == 200
    assert not signed_in(client)


def test_the_throttle_backs_off_the_more_wrong_passwords_there_are(db):
    owner = person()
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        lock_out(owner, n=5)
        assert is_throttled(attempt(owner.email, PASSWORD)[1])
        clock.shift(5 * 60 + 1)  # the first pause: 5 minutes
        lock_out(owner, n=5)
        clock.shift(5 * 60 + 1)  # 10 failures this hour: now the pause is the hour
        assert is_throttled(attempt(owner.email, PASSWORD)[1])
        clock.shift(60 * 60)
        client, _response = attempt(owner.email, PASSWORD)
        assert signed_in(client)


@pytest.fixture
def behind_one_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    return {"REMOTE_ADDR": "172.18.0.5"}  # the proxy container: every request comes from it


def test_behind_the_proxy_the_forwarded_client_address_is_limited(db, behind_one_proxy):
    # One client guesses at 30 accounts: its own address is now refused...
    for n in range(30):
        attempt(
            f"nobody{n}@iom.example", WRONG, HTTP_X_FORWARDED_FOR="198.51.100.7", **behind_one_proxy
        )
    somebody = person()
    client, _response = attempt(
        somebody.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **behind_one_proxy
    )
    assert not signed_in(client)
    # ...and claiming another address in its own X-Forwarded-For does not help: the proxy
    # appends the address it saw, and that last one is what counts.
    client, _response = attempt(
        somebody.email,
        PASSWORD,
        HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.7",
        **behind_one_proxy,
    )
    assert not signed_in(client)
    # Everyone else, though they all arrive from the proxy's address, is not.
    client, _response = attempt(
        somebody.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.1", **behind_one_proxy
    )
    assert signed_in(client)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(db, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for n in range(30):
        attempt(f"nobody{n}@iom.example", WRONG, REMOTE_ADDR="198.51.100.8")
    client, _response = attempt(
        person().email, PASSWORD, REMOTE_ADDR="198.51.100.8", HTTP_X_FORWARDED_FOR="203.0.113.2"
    )
    assert not signed_in(client)

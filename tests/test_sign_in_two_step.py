"""Two-step sign-in (allauth.mfa: an authenticator app, with recovery codes).

Anyone may turn it on from the link in the header; the secretariat and superusers must: signed
in without an authenticator app, they reach only its set-up pages and sign-out. The codes in
these tests are computed here from the setup key the page shows (RFC 6238), not by allauth.
"""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from agencies.models import Role, SecurityEvent

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.usefixtures("two_step_required")


def totp(secret, at=None):
    """The 6-digit code an authenticator app shows for this base32 secret at this time."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in(client, user, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def signed_in(client):
    return "_auth_user_id" in client.session


def set_up_app(client):
    """Open the set-up page, read the setup key, confirm with a code; return the key."""
    page = client.get(reverse("mfa_activate_totp"))
    # allauth asks for the password again first (a session left open must not be enough).
    assert page["Location"].startswith(reverse("account_reauthenticate"))
    page = client.post(page["Location"], {"password": PASSWORD}, follow=True)
    assert page.status_code == 200
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.content.decode())[1]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert response.status_code == 302, response.content.decode()
    return secret


@pytest.fixture
def admin(db):
    return UserFactory(
        email="root@gmg.example", agency=None, role=Role.SECRETARIAT, is_superuser=True
    )


@pytest.mark.parametrize("who", ["sam", "admin"])
def test_secretariat_and_superusers_without_an_app_reach_only_its_set_up(db, client, who, request):
    user = request.getfixturevalue(who)
    response = sign_in(client, user)
    assert signed_in(client)
    response = client.get(response["Location"], follow=True)
    # To the set-up, which first asks for the password again (allauth's reauthentication).
    assert response.redirect_chain[0][0] == reverse("mfa_activate_totp")
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert "must use two-step sign-in" in response.content.decode()
    for url in ("/", reverse("agencies:invitation-list"), "/admin/", reverse("search")):
        assert client.get(url)["Location"] == reverse("mfa_activate_totp"), url
    # What stays open: the set-up, its overview, and signing out.
    assert client.get(reverse("mfa_index")).status_code == 200
    client.post(reverse("account_logout"))
    assert not signed_in(client)


def test_staff_are_not_made_to_set_it_up_but_may(client, alice):
    sign_in(client, alice)
    assert client.get("/").status_code == 200
    page = client.get("/").content.decode()
    assert reverse("mfa_index") in page  # the link in the header
    assert "Set up an authenticator app" in client.get(reverse("mfa_index")).content.decode()
    set_up_app(client)
    assert Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).exists()


def test_secretariat_sets_up_an_app_then_signs_in_with_a_code(client, sam):
    sign_in(client, sam)
    secret = set_up_app(client)
    # Recovery codes come next, then the portal opens.
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200
    assert client.get("/").status_code == 200
    client.post(reverse("account_logout"))

    with time_machine.travel(time.time() + 60):  # a new code: each code is accepted once
        response = sign_in(client, sam)
        assert response["Location"] == reverse("mfa_authenticate")
        assert not signed_in(client)  # the password alone is not enough
        wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert wrong.status_code == 200 and not signed_in(client)
        response = client.post(reverse("mfa_authenticate"), {"code": totp(secret)})
        assert response.status_code == 302
        assert signed_in(client)
        assert client.get("/").status_code == 200


def test_a_recovery_code_signs_in_once(client, alice):
    sign_in(client, alice)
    set_up_app(client)
    codes = re.findall(
        r"<li><code>(\w+)</code></li>",
        client.get(reverse("mfa_view_recovery_codes")).content.decode(),
    )
    assert len(codes) == 10
    client.post(reverse("account_logout"))
    sign_in(client, alice)
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert signed_in(client)
    client.post(reverse("account_logout"))
    sign_in(client, alice)
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert not signed_in(client)


def test_secretariat_cannot_turn_it_off_but_staff_can(client, sam, alice):
    sign_in(client, sam)
    set_up_app(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=sam, type=Authenticator.Type.TOTP).exists()
    client.post(reverse("account_logout"))

    other = type(client)()
    sign_in(other, alice)
    set_up_app(other)
    other.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).exists()


def test_an_existing_session_is_held_at_set_up_too(client, sam):
    # Signed in before the rule (or by any other way in): the next page is the set-up.
    client.force_login(sam)
    assert client.get("/")["Location"] == reverse("mfa_activate_totp")


def test_the_rule_can_be_turned_off(client, sam, settings):
    settings.GMG_TWO_STEP_REQUIRED_FOR_SECRETARIAT = False
    client.force_login(sam)
    assert client.get("/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in_not_set_up(client, db):
    response = client.get(reverse("mfa_index"))
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get("/")["Location"].startswith(reverse("account_login"))


def test_a_sign_in_code_by_email_still_asks_for_the_app_code(client, sam):
    from django.core import mail

    sign_in(client, sam)
    secret = set_up_app(client)
    client.post(reverse("account_logout"))
    del mail.outbox[:]

    client.post(reverse("account_request_login_code"), {"email": sam.email})
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[0].body, re.MULTILINE)[1]
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)  # the mailbox alone is not enough either
    with time_machine.travel(time.time() + 60):
        client.post(reverse("mfa_authenticate"), {"code": totp(secret)})
        assert signed_in(client)


def test_the_security_log_records_the_app_added_a_wrong_code_and_its_removal(
    client, sam, admin, django_capture_on_commit_callbacks
):
    Kind = SecurityEvent.Kind
    sign_in(client, sam)
    # allauth announces a new authenticator once its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        secret = set_up_app(client)
    added = SecurityEvent.objects.filter(kind=Kind.MFA_ADDED, subject=sam)
    # The app, and the recovery codes allauth makes with it.
    assert sorted(e.detail.get("method") for e in added) == ["recovery_codes", "totp"]
    client.post(reverse("account_logout"))
    sign_in(client, sam)
    wrong = "000000" if totp(secret) != "000000" else "111111"
    client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert SecurityEvent.objects.filter(kind=Kind.MFA_FAILED, subject=sam).count() == 1
    # The admin deletes the app of someone who lost phone and codes; the log says who did.
    authenticator = Authenticator.objects.get(user=sam, type=Authenticator.Type.TOTP)
    staff_client = admin_client_for(admin)
    url = reverse("admin:mfa_authenticator_delete", args=[authenticator.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not Authenticator.objects.filter(pk=authenticator.pk).exists()
    removed = SecurityEvent.objects.get(kind=Kind.MFA_REMOVED, subject=sam)
    assert removed.actor == admin
    # Nothing secret in any of them.
    for event in SecurityEvent.objects.all():
        assert secret not in str(event.detail) and totp(secret) not in str(event.detail)


def test_nobody_adds_or_edits_an_authenticator_in_the_admin(admin, sam):
    staff_client = admin_client_for(admin)
    assert staff_client.get(reverse("admin:mfa_authenticator_add")).status_code == 403
    authenticator = Authenticator.objects.create(
        user=sam, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"}
    )
    page = staff_client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk]))
    # View only: no save button, and a POST changes nothing.
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    staff_client.post(
        reverse("admin:mfa_authenticator_change", args=[authenticator.pk]), {"type": "totp"}
    )
    authenticator.refresh_from_db()
    assert authenticator.type == Authenticator.Type.RECOVERY_CODES


def admin_client_for(user):
    """A client signed in as ``user`` past the two-step rule (it has an app already)."""
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}}
    )
    user.is_staff = True  # the Django admin's own gate
    user.save(update_fields=["is_staff"])
    c = Client()
    c.force_login(user)
    return c

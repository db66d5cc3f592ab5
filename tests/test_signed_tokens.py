"""Bad links answer 400 or 404, never 500: unsubscribe tokens tampered with, expired, or
signed over something that is not a user id, and invitation tokens of any shape."""

import datetime

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digests import tokens
from digests.models import DigestPreference, Frequency


def unsubscribe(token, method="post"):
    return getattr(Client(raise_request_exception=False), method)(
        reverse("digests:unsubscribe", args=[token])
    )


def signed(payload, **kwargs):
    return signing.dumps(payload, salt=tokens.SALT, **kwargs)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_a_400(harry, method):
    token = tokens.make(harry)
    payload, rest = token.split(":", 1)
    # Another person's id in the payload, the original signature kept.
    forged = signing.b64_encode(b'{"u":%d}' % (harry.pk + 1)).decode() + ":" + rest
    assert forged != token
    for bad in (forged, token[:-1], token + "x", ":" + rest, "a:b:c"):
        response = unsubscribe(bad, method)
        assert response.status_code == 400, bad
    assert not DigestPreference.objects.exists()


def test_an_expired_token_is_a_400_and_unsubscribes_nobody(harry, settings):
    settings.DIGEST_UNSUBSCRIBE_MAX_AGE = 30 * 24 * 3600
    with time_machine.travel(timezone.now() - datetime.timedelta(days=31), tick=False):
        old = tokens.make(harry)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=29), tick=False):
        recent = tokens.make(harry)

    response = unsubscribe(old)
    assert response.status_code == 400
    assert "too old" in response.content.decode()
    assert not DigestPreference.objects.exists()

    assert unsubscribe(recent).status_code == 200
    assert DigestPreference.objects.get(user=harry).frequency == Frequency.NEVER


@pytest.mark.parametrize(
    "payload",
    [
        {"u": "1 OR 1=1"},
        {"u": "abc"},
        {"u": 2**80},
        {"u": -1},
        {"u": 1.5},
        {"u": True},
        {"u": None},
        {"u": [1]},
        {"u": 1, "g": "0"},
        {"u": 1, "g": -1},
        {"u": 1, "g": 2**80},
        {"u": 1, "g": None},
        {},
        [1, 2],
        "u",
        7,
        None,
    ],
)
def test_a_signed_payload_that_names_no_user_id_is_a_400(db, payload):
    # Only someone holding the secret key can sign these; a bad one is still not a 500.
    for token in (signed(payload), signed(payload, compress=True)):
        assert unsubscribe(token).status_code == 400
        assert tokens.read(token) is None


def test_a_signed_payload_that_does_not_decompress_is_a_400(db):
    # A leading "." promises zlib data; these bytes are not.
    value = "." + signing.b64_encode(b"not zlib at all").decode()
    token = signing.TimestampSigner(salt=tokens.SALT).sign(value)
    assert unsubscribe(token).status_code == 400


@pytest.mark.parametrize(
    "token",
    ["nonsense", "a" * 2000, "%00", "é-ü-中文", "..", "-", "x:y:z", "+=~!*", "%FF%FE", "%ED%A0%80"],
)
def test_malformed_invitation_tokens_are_a_404(db, token):
    client = Client(raise_request_exception=False)
    # Written into the path as is: "%FF%FE" and a lone surrogate's "%ED%A0%80" are not UTF-8.
    path = reverse("agencies:invitation-accept", args=["TOKEN"]).replace("TOKEN", token)
    assert client.get(path).status_code == 404
    assert client.post(path, {"full_name": "X"}).status_code == 404


def test_an_old_unsubscribe_link_stops_working_once_the_person_subscribes_again(harry):
    from digests import services

    before = tokens.make(harry)
    assert unsubscribe(before).status_code == 200
    assert DigestPreference.objects.get(user=harry).frequency == Frequency.NEVER
    # Unsubscribing twice with the same link is harmless and still works.
    assert unsubscribe(before).status_code == 200

    services.preference_set(harry, frequency=Frequency.WEEKLY)
    harry.refresh_from_db()
    for method in ("get", "post"):
        response = unsubscribe(before, method)
        assert response.status_code == 400
        assert "before you subscribed again" in response.content.decode()
    assert DigestPreference.objects.get(user=harry).frequency == Frequency.WEEKLY

    # The link in the next digest works.
    harry = type(harry).objects.get(pk=harry.pk)
    after = tokens.make(harry)
    assert after != before
    assert unsubscribe(after).status_code == 200
    assert DigestPreference.objects.get(user=harry).frequency == Frequency.NEVER


def test_changing_how_often_while_subscribed_keeps_the_links_working(harry):
    from digests import services

    services.preference_set(harry, frequency=Frequency.WEEKLY)
    link = tokens.make(type(harry).objects.get(pk=harry.pk))
    services.preference_set(harry, frequency=Frequency.BIWEEKLY)
    assert unsubscribe(link).status_code == 200


def test_a_link_from_before_generations_still_works(harry):
    # Digests already sent carry {"u": id} alone: generation 0, until the person resubscribes.
    assert unsubscribe(signed({"u": harry.pk}, compress=True)).status_code == 200

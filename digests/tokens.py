"""Signed one-click unsubscribe tokens: they name a person and nothing else can forge them.

They carry their signing time and stop working after settings.DIGEST_UNSUBSCRIBE_MAX_AGE,
and the person's unsubscribe generation (DigestPreference.unsubscribe_generation): subscribing
again raises it, and links made before stop working.
"""

import zlib

from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist

SALT = "digests.unsubscribe"
# A primary key PostgreSQL can look up: a bigger number in a payload is not a person.
MAX_PK = 2**63 - 1


def generation_of(user):
    """The person's current unsubscribe generation: 0 until they first subscribe again."""
    try:
        return user.digest_preference.unsubscribe_generation
    except ObjectDoesNotExist:
        return 0


def make(user):
    return signing.dumps({"u": user.pk, "g": generation_of(user)}, salt=SALT, compress=True)


def read(token):
    """The user id a token names (see read_claim)."""
    claim = read_claim(token)
    return claim[0] if claim is not None else None


def read_claim(token):
    """(user id, generation) a token names, or None if it was tampered with, has expired, or
    names anything but a user id (whatever was signed, a bad token must never become an
    error). The caller compares the generation with the person's (generation_of)."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.DIGEST_UNSUBSCRIBE_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError, OverflowError, zlib.error):
        # BadSignature includes SignatureExpired; a signed payload that does not decompress
        # or parse raises zlib.error or ValueError (JSON and Unicode errors are ones).
        return None
    if not isinstance(payload, dict):
        return None
    user_id = payload.get("u")
    # Links made before generations existed name none: they belong to generation 0.
    generation = payload.get("g", 0)
    if type(user_id) is not int or not 0 < user_id <= MAX_PK:
        return None
    if type(generation) is not int or not 0 <= generation <= MAX_PK:
        return None
    return user_id, generation

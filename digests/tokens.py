"""Signed one-click unsubscribe tokens: they name a person and nothing else can forge them.

They carry their signing time and stop working after settings.DIGEST_UNSUBSCRIBE_MAX_AGE.
"""

import zlib

from django.conf import settings
from django.core import signing

SALT = "digests.unsubscribe"
# A primary key PostgreSQL can look up: a bigger number in a payload is not a person.
MAX_PK = 2**63 - 1


def make(user):
    return signing.dumps({"u": user.pk}, salt=SALT, compress=True)


def read(token):
    """The user id a token names, or None if it was tampered with, has expired, or names
    anything but a user id (whatever was signed, a bad token must never become an error)."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.DIGEST_UNSUBSCRIBE_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError, OverflowError, zlib.error):
        # BadSignature includes SignatureExpired; a signed payload that does not decompress
        # or parse raises zlib.error or ValueError (JSON and Unicode errors are ones).
        return None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    if type(user_id) is not int or not 0 < user_id <= MAX_PK:
        return None
    return user_id

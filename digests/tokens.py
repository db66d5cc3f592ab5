"""Signed one-click unsubscribe tokens: they name a person and nothing else can forge them."""

from django.core import signing

SALT = "digests.unsubscribe"


def make(user):
    return signing.dumps({"u": user.pk}, salt=SALT, compress=True)


def read(token):
    """The user id a token names, or None if it was tampered with."""
    try:
        return signing.loads(token, salt=SALT)["u"]
    except (signing.BadSignature, KeyError, TypeError):
        return None

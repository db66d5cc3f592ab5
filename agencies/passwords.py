"""A password validator that refuses the guessable, whatever its length or its characters.

ASVS asks for length and no composition rules; what keeps out `passwordpassword` or
`iloveyou1234` is a strength estimator (zxcvbn) fed with what an attacker would try first:
the person's own name and address and the portal's own words.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn

# What anybody aiming at this portal would put in their word list first.
SITE_WORDS = ("gmg", "portal", "demo", "global", "migration", "group", "password")
# zxcvbn only looks at the first characters; longer passwords are not weaker for it.
MAX_CHECKED = 100
SEPARATORS = re.compile(r"[\W_]+")


def _user_inputs(user):
    if user is None:
        return []
    inputs = []
    for attribute in ("email", "full_name", "first_name", "last_name", "username"):
        value = str(getattr(user, attribute, "") or "")
        if value:
            inputs.append(value)
            # The address's local part and domain, the name's words: each one a guess.
            inputs.extend(SEPARATORS.split(value))
    return [value for value in inputs if value]


class GuessablePasswordValidator:
    """Refuses passwords that zxcvbn scores below `min_score` (0-4), both as typed and with
    the person's and the portal's own words taken out: `gmg-demo-password-2026` is long and
    varied, but once the portal's name and "demo" are gone, "password2026" is all it has."""

    def __init__(self, min_score=3):
        self.min_score = min_score

    def score(self, password, user=None):
        password = password[:MAX_CHECKED]
        inputs = [*SITE_WORDS, *_user_inputs(user)]
        scores = [zxcvbn(password, user_inputs=inputs)["score"]]
        rest = password
        for word in sorted({w.lower() for w in inputs if len(w) >= 3}, key=len, reverse=True):
            rest = re.sub(re.escape(word), "", rest, flags=re.IGNORECASE)
        # Separators left between words that are gone would otherwise count as randomness.
        rest = SEPARATORS.sub("", rest)
        scores.append(zxcvbn(rest, user_inputs=inputs)["score"] if rest else 0)
        return min(scores)

    def validate(self, password, user=None):
        if self.score(password, user) < self.min_score:
            raise ValidationError(
                _(
                    "This password is too easy to guess: avoid repeated characters, "
                    "sequences, common words and phrases, and your own name or address. "
                    "A few unrelated words together make a strong password."
                ),
                code="password_too_guessable",
            )

    def get_help_text(self):
        return _(
            "Your password cannot be easy to guess: a few unrelated words together are "
            "stronger than a common word with digits or symbols."
        )

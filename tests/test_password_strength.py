"""Passwords per ASVS: 12 characters or more, no composition rules, and nothing guessable."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from agencies.models import User
from demo import data as demo_data

from .factories import PASSWORD

PERSON = User(email="alice.kettle@iom.example", full_name="Alice Kettle")
GUESSABLE = [
    "aaaaaaaaaaaa",
    "passwordpassword",
    "abcdefghijkl",
    "iloveyou1234",
    # The demo password this portal once shipped: long and varied, but made of its own words.
    "gmg-demo-password-2026",
    "global-migration-portal-2026",
    # The person's own name and a year.
    "alice-kettle-2026",
]


@pytest.mark.parametrize("password", GUESSABLE)
def test_guessable_passwords_are_refused(password):
    with pytest.raises(ValidationError) as caught:
        validate_password(password, PERSON)
    assert "password_too_guessable" in {error.code for error in caught.value.error_list}
    assert any("too easy to guess" in message for message in caught.value.messages)


def test_own_name_is_guessable_for_its_owner_only():
    validate_password("kettle-marsh-violin", User(email="bo@iom.example", full_name="Bo"))
    with pytest.raises(ValidationError):
        validate_password("kettle-marsh-violin", User(email="kettle.marsh@iom.example"))


@pytest.mark.parametrize(
    "password", ["correct-horse-battery-staple", "Tangerine ferry 31 orbit", PASSWORD]
)
def test_strong_passphrases_pass(password):
    validate_password(password, PERSON)


def test_no_composition_rule_refuses_lowercase_words():
    validate_password("quiet rivers fold paper lanterns", PERSON)


def test_short_is_still_refused_even_if_random():
    with pytest.raises(ValidationError, match="too short"):
        validate_password("Xq7#vL9!pW", PERSON)


def test_the_demo_password_seed_demo_prints_is_accepted():
    # seed_demo validates it too; a weak one would stop `make run`.
    validate_password(demo_data.PASSWORD)

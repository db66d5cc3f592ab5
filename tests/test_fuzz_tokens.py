"""Any token in a link answers 400 or 404, never 500, and changes nothing: digest
unsubscribe links (signed), invitation links and private calendar feed addresses.

Tokens are drawn by Hypothesis: random text (NUL and control characters included, which
PostgreSQL refuses), and real tokens with a character changed, added or cut.
"""

import os
from urllib.parse import quote

import pytest
from django.core import signing
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Invitation
from digests import tokens
from digests.models import DigestPreference
from governance.models import CalendarToken

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("GMG_FUZZ_EXAMPLES", 40)),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# What can stand in one path segment once decoded: anything but "/" and a lone surrogate.
SEGMENT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/"), min_size=1),
    # PostgreSQL refuses NUL in any string it is sent (also asked for by name below).
    st.sampled_from(["\x00", "a\x00b", "%00", "..", "\r\n", "x" * 5000, "' OR 1=1 --"]),
)


@st.composite
def mutated(draw, token):
    """`token` with one character replaced, inserted or removed, or cut short."""
    where = draw(st.integers(0, len(token) - 1))
    char = draw(st.characters(blacklist_categories=("Cs",), blacklist_characters="/"))
    how = draw(st.sampled_from(["replace", "insert", "delete", "cut"]))
    if how == "replace":
        changed = token[:where] + char + token[where + 1 :]
    elif how == "insert":
        changed = token[:where] + char + token[where:]
    elif how == "delete":
        changed = token[:where] + token[where + 1 :]
    else:
        changed = token[:where]
    return changed or "x"


def get(client, prefix, token, method="get"):
    # Percent-encoded as a mail client would; Django decodes it back before routing.
    return getattr(client, method)(prefix + quote(token, safe="") + "/")


@pytest.fixture
def anonymous():
    return Client()  # exceptions propagate: a server error fails with its traceback


def test_any_unsubscribe_token_is_refused_without_a_server_error(anonymous, harry):
    real = tokens.make(harry)

    @FUZZ
    @given(token=st.one_of(SEGMENT, mutated(real)), method=st.sampled_from(["get", "post"]))
    def run(token, method):
        response = get(anonymous, "/digests/unsubscribe/", token, method)
        if token == real:
            return
        assert response.status_code in (400, 404), response.status_code
        assert not DigestPreference.objects.exists()

    run()


@given(
    payload=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
        ),
        max_leaves=6,
    )
)
@FUZZ
def test_a_validly_signed_payload_that_is_no_user_id_is_refused(payload):
    # Only a holder of the secret key could sign these; a bug there is still not a 500.
    for token in (
        signing.dumps(payload, salt=tokens.SALT),
        signing.dumps(payload, salt=tokens.SALT, compress=True),
    ):
        user_id = tokens.read(token)
        assert user_id is None or (type(user_id) is int and user_id > 0)


def test_any_invitation_token_is_a_404_without_a_server_error(anonymous, fiona):

    @FUZZ
    @given(token=SEGMENT, method=st.sampled_from(["get", "post"]))
    def run(token, method):
        before = Invitation.objects.count()
        response = get(anonymous, "/invitations/accept/", token, method)
        assert response.status_code == 404
        assert Invitation.objects.count() == before

    run()


def test_any_calendar_address_is_a_404_without_a_server_error(anonymous, alice):
    real = CalendarToken.objects.create(user=alice).token

    @FUZZ
    @given(token=st.one_of(SEGMENT, mutated(real)))
    def run(token):
        response = anonymous.get(f"/governance/calendar/{quote(token, safe='')}.ics")
        assert response.status_code == (200 if token == real else 404)

    run()


@pytest.mark.parametrize(
    "url",
    [
        "/governance/calendar/a%00b.ics",
        "/governance/calendar/%00.ics",
        "/invitations/accept/a%00b/",
        "/digests/unsubscribe/a%00b/",
    ],
)
def test_a_nul_in_a_secret_address_is_refused_not_a_server_error(anonymous, db, url):
    # The calendar feed once looked the NUL up in PostgreSQL, which refused it: a 500.
    assert anonymous.get(url).status_code in (400, 404)

"""Wrong passwords are counted once for the whole deployment, not once per process.

allauth keeps its sign-in rate limits (ACCOUNT_RATE_LIMITS: 5 failures per account in 5
minutes, more over longer windows, 30 per address per minute) in Django's cache. The tests
make the failures in this process and the next attempt in another Python process with the
same settings and database, as a second gunicorn worker would; and they check that the
admin's own login form, which has no throttle, checks no password at all.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from agencies.models import Role

from .factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[1]
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# Run by `manage.py shell -c` in a second process: sign in once per (email, password, address)
# with Django's test client and say whether it worked and whether the rate limit answered.
ATTEMPTS = """
import json, sys
from django.test import Client, override_settings
from allauth.account.adapter import get_adapter
too_many = str(get_adapter().error_messages["too_many_login_attempts"])
results = []
# The accounts were made in the test process with its fast test hasher.
with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
    for email, password, address in json.loads(sys.stdin.read()):
        client = Client(REMOTE_ADDR=address)
        response = client.post("/accounts/login/", {"login": email, "password": password})
        results.append({
            "signed_in": "_auth_user_id" in client.session,
            "throttled": too_many in response.content.decode(),
        })
print("RESULTS" + json.dumps(results))
"""


def attempts_in_another_process(attempts, *, redis_url):
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="gmg_portal.settings",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", ATTEMPTS],
        cwd=ROOT,
        env=env,
        input=json.dumps(attempts),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULTS"))
    return json.loads(line.removeprefix("RESULTS"))


def sign_in(client, email, password):
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    return "_auth_user_id" in client.session, response


def fresh_address():
    # Each test its own client address, so that per-address counts of other tests (and of
    # earlier runs, in a cache that outlives them) do not mix in.
    return "10." + ".".join(str(byte) for byte in uuid.uuid4().bytes[:3])


def person():
    return UserFactory(email=f"p-{uuid.uuid4().hex[:10]}@iom.example")


# The embedded default (files under var/, no REDIS_URL) and Redis: both shared by processes.
CACHES = {
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": TEST_REDIS_URL,
        "KEY_PREFIX": "gmg",
    },
    "files": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": django_settings.BASE_DIR / "var" / "cache",
        "KEY_PREFIX": "gmg",
    },
}


@pytest.fixture(params=["redis", "files"])
def shared_cache(request, settings):
    if connection.vendor != "postgresql":
        pytest.skip("A second process needs a database it can share: run on PostgreSQL.")
    if request.param == "redis":
        import redis

        redis.Redis.from_url(TEST_REDIS_URL).ping()  # no Redis is a failure, not a skip
    settings.CACHES = {"default": CACHES[request.param]}
    return TEST_REDIS_URL if request.param == "redis" else None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_failures_in_one_process_lock_the_account_in_another(client, shared_cache):
    target, other = person(), person()
    address = fresh_address()
    client.defaults["REMOTE_ADDR"] = address
    for _ in range(5):
        signed_in, _response = sign_in(client, target.email, "wrong-password-123")
        assert not signed_in

    results = attempts_in_another_process(
        [
            [target.email, PASSWORD, address],  # the 6th attempt, with the right password
            [other.email, PASSWORD, address],  # the same address, another account: allowed
        ],
        redis_url=shared_cache,
    )
    assert results[0] == {"signed_in": False, "throttled": True}
    assert results[1] == {"signed_in": True, "throttled": False}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_failures_from_one_address_in_one_process_block_it_in_another(client, iom, shared_cache):
    address = fresh_address()
    client.defaults["REMOTE_ADDR"] = address
    for n in range(30):
        signed_in, _response = sign_in(client, f"nobody{n}@iom.example", "wrong-password-123")
        assert not signed_in
    somebody = person()

    results = attempts_in_another_process(
        [
            [somebody.email, PASSWORD, address],  # the 31st attempt this minute
            [somebody.email, PASSWORD, fresh_address()],  # from elsewhere: allowed
        ],
        redis_url=shared_cache,
    )
    assert results[0] == {"signed_in": False, "throttled": True}
    assert results[1] == {"signed_in": True, "throttled": False}


# -- the admin -----------------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    return UserFactory(email="root@gmg.example", agency=None, role=Role.SECRETARIAT, is_staff=True)


def test_admin_login_form_checks_no_password(client, admin_user):
    client.defaults["REMOTE_ADDR"] = fresh_address()
    admin_login = reverse("admin:login")
    for _ in range(20):
        response = client.post(admin_login, {"username": admin_user.email, "password": "wrong"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    # Not even the right password is checked there: nobody signs in past allauth's limits.
    client.post(admin_login, {"username": admin_user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_anonymous_admin_visitor_is_sent_to_the_throttled_sign_in(client, db):
    response = client.get("/admin/", follow=True)
    login_url = reverse("account_login") + "?next=%2Fadmin%2F"
    assert response.redirect_chain[-1] == (login_url, 302)
    assert response.status_code == 200


def test_staff_reaches_the_admin_through_allauth(client, admin_user):
    client.defaults["REMOTE_ADDR"] = fresh_address()
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": admin_user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_sign_in_is_throttled_like_everyone_elses(client, admin_user):
    client.defaults["REMOTE_ADDR"] = fresh_address()
    for _ in range(5):
        assert not sign_in(client, admin_user.email, "wrong-password-123")[0]
    signed_in, response = sign_in(client, admin_user.email, PASSWORD)
    assert not signed_in
    assert "Too many failed login attempts" in response.content.decode()


def test_signed_in_non_staff_is_refused_the_admin_without_a_loop(client, alice):
    client.force_login(alice)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1  # /admin/ -> /admin/login/, and no further


def test_admin_login_does_not_redirect_elsewhere(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:login") + "?next=https://evil.example/")
    assert response["Location"] == reverse("admin:index")
    response = client.get(reverse("admin:login") + "?next=/admin/agencies/")
    assert response["Location"] == "/admin/agencies/"


def test_a_createsuperuser_admin_confirms_their_address_at_first_sign_in(client, db):
    from django.core import mail

    from agencies.models import User

    User.objects.create_superuser("boss@gmg.example", PASSWORD)
    client.defaults["REMOTE_ADDR"] = fresh_address()
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": "boss@gmg.example", "password": PASSWORD},
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert mail.outbox[0].to == ["boss@gmg.example"]
    assert "_auth_user_id" not in client.session

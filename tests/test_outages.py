"""What the portal says when a service it depends on is down: /healthz/ and the 503 page."""

import os
import time
from unittest import mock

import pytest
import redis
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.urls import path, reverse

from common import health
from common.tasks import heartbeat

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Nothing listens on port 1: a broker that is down.
DEAD_BROKER = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_worker(settings):
    """A deployment with Redis and a worker (tasks are not run in the web process)."""
    redis.Redis.from_url(REDIS_URL).ping()  # no Redis is a failure, not a skip
    settings.REDIS_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return settings


def get_health(client):
    response = client.get(reverse("healthz"))
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response


def test_all_fine_is_200_with_each_check(client, with_worker, django_assert_max_num_queries):
    heartbeat.apply()  # what beat sends every minute and a worker runs
    with django_assert_max_num_queries(1):
        response = get_health(client)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok"},
    }


def test_without_redis_the_broker_and_worker_are_not_checked(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = get_health(client)
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": "ok",
        "broker": "skipped",
        "worker": "skipped",
    }


def test_broker_down_is_503_quickly_and_names_nothing(client, with_worker):
    heartbeat.apply()
    with_worker.REDIS_URL = DEAD_BROKER
    started = time.monotonic()
    response = get_health(client)
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "checks": {"database": "ok", "broker": "fail", "worker": "unknown"},
    }
    body = response.content.decode()
    assert "127.0.0.1" not in body and "Error" not in body


def test_database_failing_is_503(client, with_worker):
    heartbeat.apply()
    secret = "could not connect to server at db.internal as gmg"
    with mock.patch.object(connection, "cursor", side_effect=OperationalError(secret)):
        response = get_health(client)
    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "checks": {"database": "fail", "broker": "ok", "worker": "ok"},
    }
    assert "db.internal" not in response.content.decode()


def test_a_worker_that_never_beat_fails(client, with_worker):
    cache.delete(health.HEARTBEAT_KEY)
    response = get_health(client)
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "fail"


def test_a_stale_heartbeat_fails_and_a_fresh_one_recovers(client, with_worker):
    with_worker.HEARTBEAT_STALE_MINUTES = 5
    cache.set(health.HEARTBEAT_KEY, time.time() - 6 * 60)
    response = get_health(client)
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "stale"
    cache.set(health.HEARTBEAT_KEY, time.time() - 4 * 60)
    assert get_health(client).status_code == 200


def test_the_heartbeat_is_on_beats_schedule(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE.values()
    beats = [entry["schedule"] for entry in schedule if entry["task"] == heartbeat.name]
    assert beats == [60.0]
    # Stale only after several missed beats, so one slow minute does not fail the probe.
    assert 3 * beats[0] <= settings.HEARTBEAT_STALE_MINUTES * 60


def lost_connection(request):
    raise InterfaceError("connection already closed")


urlpatterns = [path("lost/", lost_connection)]


def assert_plain_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "The portal is briefly unavailable" in html
    assert "Traceback" not in html and "db.internal" not in html


def test_database_down_in_a_page_is_a_plain_503(client, alice, settings):
    settings.DEBUG = True  # not even the debug page shows the error
    client.force_login(alice)
    down = OperationalError("could not connect to server at db.internal")
    with mock.patch("gmg_portal.views.needs_attention", side_effect=down):
        response = client.get(reverse("dashboard"))
    assert_plain_503(response)
    # The next request, with the database back, is served as usual.
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_closed_connection_is_a_503_too(client, settings):
    settings.ROOT_URLCONF = __name__
    assert_plain_503(client.get("/lost/"))


def test_other_errors_still_go_to_the_500_handler(client, alice):
    client.force_login(alice)
    with (
        mock.patch("gmg_portal.views.needs_attention", side_effect=ValueError("bug")),
        pytest.raises(ValueError),
    ):
        client.get(reverse("dashboard"))


def test_connections_are_checked_before_reuse(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True

"""What /healthz/ checks: the database, the broker and the worker's heartbeat.

Each check answers a word ("ok", "skipped", "fail", "stale", "unknown") and never the
error itself: the page is public, and a message could name a host, a user or a path.
The errors go to the log. Every check gives up after about a second, so that a probe
from the orchestrator does not pile up behind a service that hangs.
"""

import logging
import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "worker-heartbeat"
CHECK_TIMEOUT = 1  # seconds
# Words that leave the portal healthy: "skipped" is a service this deployment does not use.
FINE = ("ok", "skipped")


def beat():
    """Written by a periodic task, so a fresh value proves that beat and a worker both run."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


def database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database did not answer")
        return "fail"
    return "ok"


def broker():
    if not settings.REDIS_URL:
        return "skipped"
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=CHECK_TIMEOUT, socket_connect_timeout=CHECK_TIMEOUT
    )
    try:
        client.ping()
    except (redis.RedisError, OSError):
        logger.exception("Health check: the broker did not answer")
        return "fail"
    finally:
        client.close()
    return "ok"


def worker(broker_state):
    # Without a broker tasks run in the web process itself: there is no worker to watch.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "skipped"
    # The heartbeat lives in the cache, which is on the same Redis: asking it again would
    # only wait a second time for the same answer.
    if broker_state == "fail":
        return "unknown"
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception:
        logger.exception("Health check: the worker's heartbeat could not be read")
        return "unknown"
    if last is None:
        return "fail"
    if time.time() - float(last) > settings.HEARTBEAT_STALE_MINUTES * 60:
        return "stale"
    return "ok"


def run():
    """Every check by name, in a fixed order."""
    broker_state = broker()
    return {"database": database(), "broker": broker_state, "worker": worker(broker_state)}

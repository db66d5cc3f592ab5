"""The portal's Redis cache backend (common.cache): Django's, sharing one client per pool."""

import os
import threading

import pytest
from django.core.cache import caches
from django.test import override_settings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CACHES = {
    "default": {
        "BACKEND": "common.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "test-cache-backend",
    }
}


@pytest.fixture
def redis_cache():
    with override_settings(CACHES=CACHES):
        cache = caches["default"]
        cache.clear()
        yield cache
        cache.clear()


def test_it_answers_as_djangos_redis_cache(redis_cache):
    redis_cache.set("a", {"n": 1}, 60)
    assert redis_cache.get("a") == {"n": 1}
    assert redis_cache.add("a", "other", 60) is False
    redis_cache.set_many({"b": 2, "c": 3}, 60)
    assert redis_cache.get_many(["a", "b", "c", "missing"]) == {"a": {"n": 1}, "b": 2, "c": 3}
    assert redis_cache.incr("b") == 3
    redis_cache.delete("a")
    assert redis_cache.get("a", "gone") == "gone"


def test_one_client_serves_every_operation(redis_cache):
    # Django's own client makes a new redis.Redis per operation; this one keeps it.
    first = redis_cache._cache.get_client()
    redis_cache.set("x", 1, 60)
    assert redis_cache._cache.get_client() is first
    assert redis_cache._cache.get_client(write=True) is first  # one server: one pool


def test_threads_share_the_client_safely(redis_cache):
    errors = []

    def work(k):
        try:
            for i in range(200):
                redis_cache.set(f"t{k}:{i}", i, 60)
                assert redis_cache.get(f"t{k}:{i}") == i
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert redis_cache.get_many([f"t{k}:199" for k in range(8)]) == {
        f"t{k}:199": 199 for k in range(8)
    }

"""The portal's Redis cache backend: Django's own, keeping one Redis client per pool.

Django's RedisCacheClient makes a new `redis.Redis` for every cache operation, and
redis-py fills some 170 response callbacks in each client's constructor: with the eight
or so cache reads of a kept page (session, versions, counts, fragments, reference lists)
that was a measurable share of its CPU. A client holds no connection of its own (the
pool does) and is safe to share between threads, so one per pool is enough.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

"""Django's Redis cache with one redis-py client per connection pool instead of one per call.

Django's RedisCacheClient builds a new redis.Redis for every operation; redis-py 8 fills some
170 response callbacks and its observability attributes in each, about 0.15 ms, three times per
API request (the throttle's get and set, a cached answer). redis.Redis is thread-safe: its pool
hands each command a connection of its own.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _Client(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django: Any = self  # (the stubs leave out RedisCacheClient's private helpers)
        index = django._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # The pool of this index (with replicas, _get_connection_pool() would draw another).
            if index not in django._pools:
                django._pools[index] = django._pool_class.from_url(
                    django._servers[index], **django._pool_options
                )
            client = django._client(connection_pool=django._pools[index])
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _Client

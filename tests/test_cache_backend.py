"""config/cache.py: Django's Redis cache, one redis-py client per pool rather than per call."""

from config.cache import RedisCache


def test_one_client_per_pool_is_reused():
    backend = RedisCache("redis://127.0.0.1:6379/15", {})  # no connection until a command
    client = backend._cache.get_client("a")
    assert backend._cache.get_client("b", write=True) is client
    assert client.connection_pool is backend._cache._get_connection_pool(True)

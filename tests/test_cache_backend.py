"""config/cache.py: Django's Redis cache, one redis-py client per pool rather than per call."""

from config.cache import RedisCache


def test_one_client_per_pool_is_reused():
    backend = RedisCache("redis://127.0.0.1:6379/15", {})  # no connection until a command
    client = backend._cache.get_client("a")
    assert backend._cache.get_client("b", write=True) is client
    assert client.connection_pool is backend._cache._get_connection_pool(True)


def test_with_replicas_each_client_uses_the_pool_of_its_own_server():
    # The first URL is the primary (writes), the others replicas (reads, drawn at random).
    servers = ";".join(f"redis://127.0.0.1:6379/{n}" for n in (13, 14, 15))
    backend = RedisCache(servers, {})  # no connection until a command
    for _ in range(30):
        backend._cache.get_client("a")
    backend._cache.get_client("a", write=True)
    clients = backend._cache._clients
    assert set(clients) == {0, 1, 2}  # the primary and both replicas were drawn
    for index, client in clients.items():
        assert client.connection_pool is backend._cache._pools[index]
        db = client.connection_pool.connection_kwargs["db"]
        assert db == (13, 14, 15)[index]

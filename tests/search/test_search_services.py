"""The test-harness servers: Redis smoke test, Elasticsearch health, clear errors when missing."""

import pytest
import redis

from archive.services import ElasticsearchServer
from archive.services import RedisServer
from archive.services import ServiceError
from archive.services.base import port_is_open


def test_redis_answers_ping(redis_server):
    assert redis_server.url.startswith("redis://127.0.0.1:") and redis_server.url.endswith("/0")
    client = redis.Redis.from_url(redis_server.url)
    try:
        assert client.ping() is True
        client.set("archive:test", "Hồ sơ")
        assert client.get("archive:test").decode("utf-8") == "Hồ sơ"
    finally:
        client.close()


def test_redis_restart_keeps_data_and_port():
    with RedisServer() as server:
        port = server.port
        client = redis.Redis.from_url(server.url)
        client.set("kept", "yes")
        server.stop()
        assert not server.ping()
        with pytest.raises(redis.ConnectionError):
            client.ping()
        server.start()
        assert server.port == port
        assert client.get("kept") == b"yes"
        client.close()
    assert not port_is_open(port)


def test_elasticsearch_fixture_is_healthy(elasticsearch):
    assert elasticsearch.url.startswith("http://127.0.0.1:")
    assert elasticsearch.health()["status"] in ("green", "yellow")


def test_missing_elasticsearch_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVE_ES_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(ServiceError, match="install-elasticsearch.sh"):
        ElasticsearchServer()


def test_missing_redis_is_a_clear_error(tmp_path):
    with pytest.raises(ServiceError, match="redis-server is not installed"):
        RedisServer(binary=str(tmp_path / "redis-server"))


def test_failed_start_is_an_error_with_the_log(tmp_path):
    fake = tmp_path / "redis-server"
    fake.write_text("#!/bin/sh\necho 'cannot start: broken on purpose' >&2\nexit 3\n")
    fake.chmod(0o755)
    server = RedisServer(binary=str(fake))
    try:
        with pytest.raises(ServiceError, match="broken on purpose"):
            server.start()
    finally:
        server.cleanup()

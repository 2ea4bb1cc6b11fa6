"""Real backing servers (Elasticsearch, Redis) started on loopback for tests and local runs."""

from archive.services.base import ManagedServer
from archive.services.base import ServiceError
from archive.services.base import free_port
from archive.services.elasticsearch import ElasticsearchServer
from archive.services.redis import RedisServer


__all__ = [
    "ElasticsearchServer",
    "ManagedServer",
    "RedisServer",
    "ServiceError",
    "free_port",
]

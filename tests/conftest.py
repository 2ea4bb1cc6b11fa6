"""Shared pytest setup: layers come from archive.testing through zope.pytestlayer; the
real Elasticsearch and Redis servers come from archive.services (never skipped)."""

pytest_plugins = ["archive.services.pytest_fixtures"]

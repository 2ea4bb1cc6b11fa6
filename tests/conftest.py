"""Shared pytest setup: layers come from archive.testing through zope.pytestlayer."""

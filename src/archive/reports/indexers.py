"""Catalog metadata for the reports: how many components a dossier has and how many were digitised."""
from archive.content.types import Dossier
from archive.content.types import components_in
from plone.indexer import indexer


@indexer(Dossier)
def components_count(obj):
    return len(components_in(obj))


@indexer(Dossier)
def components_digitised(obj):
    return sum(1 for component in components_in(obj) if component.digitised)

"""Catalog indexers of archival records: disposal date, closing date and retention."""
import functools

from archive.retention import metadata
from archive.retention import schedule
from archive.retention.interfaces import IArchivalRecord
from plone import api
from plone.indexer import indexer
from Products.CMFCore.utils import getToolByName
from zope.component.hooks import getSite
from zope.component.hooks import site as site_hook


def in_its_site(func):
    """The catalog's queue is processed at commit, where a script or a test layer may have
    unset the site already; the retention schedule lives in the site's registry, so the
    indexers look it up from the item's own site rather than fail the commit."""
    @functools.wraps(func)
    def wrapper(obj):
        if getSite() is not None:
            return func(obj)
        with site_hook(getToolByName(obj, "portal_url").getPortalObject()):
            return func(obj)
    return wrapper


def _indexed(value, name):
    """The value for the index `name`; where it is None, AttributeError, so the catalog keeps none."""
    if value is None:
        raise AttributeError(name)
    return value


@indexer(IArchivalRecord)
@in_its_site
def disposal_date(obj):
    """First day the item may be destroyed; not indexed while open or when permanent."""
    return _indexed(metadata.disposal_date(obj), "disposal_date")


@indexer(IArchivalRecord)
@in_its_site
def archival_closed(obj):
    return _indexed(metadata.retention_and_closing(obj)[1], "archival_closed")


@indexer(IArchivalRecord)
@in_its_site
def archival_retention(obj):
    retention = metadata.retention_and_closing(obj)[0]
    return str(retention) if retention is not None else None


INDEXES = ["disposal_date", "archival_closed", "archival_retention"]


def reindex_after_transition(obj, event):
    """Closing happens through a workflow transition, which reindexes only its own variables."""
    if event.transition is not None:
        obj.reindexObject(idxs=INDEXES)


def reindex_after_edit(obj, event):
    obj.reindexObject(idxs=INDEXES)


SCHEDULE_RECORDS = (schedule.PROCEDURE_SCHEDULE, schedule.LEGAL_DOCUMENT_SCHEDULE, schedule.DEFAULT_RETENTION)


def schedule_changed(event):
    """A changed schedule moves disposal dates: reindex them on every archival record (rare,
    an administrator's act; one pass over the records, no object is modified)."""
    if getattr(event.record, "__name__", None) not in SCHEDULE_RECORDS:
        return
    catalog = api.portal.get_tool("portal_catalog")
    for brain in catalog.unrestrictedSearchResults(object_provides=IArchivalRecord.__identifier__):
        brain._unrestrictedGetObject().reindexObject(idxs=INDEXES)

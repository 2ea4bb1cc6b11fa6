"""The completeness report: per archival record the user may see, the required fields still empty."""
from archive.retention import metadata
from archive.retention.interfaces import IArchivalRecord
from plone import api


def report(start=0, size=50, everything=False):
    """(rows, records_total): rows for a batch of the records in path order, each with the
    keys still missing; complete records only when `everything`."""
    brains = api.content.find(object_provides=IArchivalRecord.__identifier__, sort_on="path")
    rows = []
    for brain in brains[start:start + size]:
        missing = metadata.missing(brain.getObject())
        if missing or everything:
            rows.append({"@id": brain.getURL(), "title": brain.Title, "@type": brain.portal_type,
                         "missing": missing})
    return rows, len(brains)

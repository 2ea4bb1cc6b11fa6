"""Keeping effect statuses current: a document that amends, replaces, repeals or suspends
others makes the catalog re-read their status whenever it changes."""
from archive.content import lookup
from archive.content.legal import RELATION_FIELDS


def refresh_related(doc, event=None):
    for field in RELATION_FIELDS:
        for notation in getattr(doc, field, None) or ():
            target = lookup.legal_document_by_notation(notation)
            if target is not None:
                target.reindexObject(idxs=["effect_status"])
    doc.reindexObject(idxs=["effect_status", "legal_relations"])

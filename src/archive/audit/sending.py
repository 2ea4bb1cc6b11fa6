"""Journal entries of what officers send through the exchange: a message queued for the
axis ("exchange.sent") and a refused send ("exchange.send_refused"; the officer is told
nothing about an item they may not see, the journal records the attempt all the same).
Called from exchange/site/api.py."""
from Acquisition import aq_base
from plone import api

from archive.audit import journal


def _where(item):
    return dict(uid=getattr(aq_base(item), "_plone.uuid", None), path="/".join(item.getPhysicalPath()),
                portal_type=getattr(aq_base(item), "portal_type", None))


def sent(item, document_id, to, business, message_id, sha256, status_code=None):
    """In the request's transaction: the entry commits with the queued message, or neither does."""
    details = {"document_id": document_id, "to": list(to), "business": business, "message_id": message_id,
               "sha256": sha256}
    if status_code is not None:
        details["status_code"] = status_code
    return journal.record("exchange.sent", details=details, **_where(item))


def refused(item, status, error):
    """In a transaction of its own, so the refusal stays on record whatever becomes of the request's."""
    details = {"status": status, "type": error.get("type"), "message": error.get("message"),
               "field": error.get("field")}
    return journal.record_detached(api.portal.get(), "exchange.send_refused",
                                   details={k: v for k, v in details.items() if v is not None}, **_where(item))

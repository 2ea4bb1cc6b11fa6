"""Journal entries of the document exchange: a message accepted (applied to a document),
registered (a new document in the inbox) or refused. Called from exchange/site/inbox.py."""
import hashlib

from Acquisition import aq_base
from zope.component.hooks import getSite

from archive.audit import journal


def accepted(item, outcome, message):
    """`message` is the trust store's AcceptedMessage; a weak (SHA-1) signature is named."""
    action = "exchange.registered" if outcome.get("kind") == "edoc" else "exchange.accepted"
    details = {"kind": outcome.get("kind"), "document_id": outcome.get("document_id"),
               "sender": message.sender, "algorithm": message.algorithm}
    for name in ("arrival_code", "status_code", "version"):
        if outcome.get(name) is not None:
            details[name] = outcome[name]
    if outcome.get("replaces"):
        details["replaces"] = list(outcome["replaces"])
    if message.weak:
        details["weaknesses"] = list(message.verified.weaknesses)
    journal.record(action, uid=outcome.get("uid"),
                   path="/".join(item.getPhysicalPath()) if item is not None else None,
                   portal_type=getattr(aq_base(item), "portal_type", None), details=details)


def refused(data, error):
    """Journal a refusal in a transaction of its own: the request's transaction is doomed so
    that a refused message writes nothing, yet the refusal itself must be on record."""
    site = getSite()
    if site is None or getattr(site, "_p_jar", None) is None:
        return None
    details = {"reason": getattr(error, "reason_code", None), "message": getattr(error, "message", str(error)),
               "sha256": hashlib.sha256(data).hexdigest()}
    if getattr(error, "element", None):
        details["element"] = error.element
    return journal.record_detached(site, "exchange.refused", details=details)

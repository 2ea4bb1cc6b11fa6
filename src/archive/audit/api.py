"""REST services of the audit journal: GET @audit-journal (filtered, batched entries) and
GET @audit-verify (seal, then recompute the chain). Both seal first, so a reader always
sees hashes and the logged head moves on; a conflict with another sealer is retried by Zope."""
from datetime import datetime
from datetime import timezone

from plone.restapi.batching import HypermediaBatch
from plone.restapi.services import Service
from zope.i18n import translate
from zope.interface import alsoProvides

import plone.protect.interfaces

from archive.audit import journal
from archive.audit.seal import seal
from archive.audit.seal import state
from archive.audit.seal import verify
from archive.i18n import _

ACTIONS = ("added", "modified", "moved", "removed", "transition", "sharing",
           "exchange.registered", "exchange.accepted", "exchange.refused",
           "exchange.sent", "exchange.send_refused", "linked", "read", "download", "search")


class BadParameter(Exception):
    def __init__(self, name, message):
        super().__init__(name)
        self.name = name
        self.message = message


class AuditService(Service):
    def render(self):
        # Sealing writes on a GET: auditors call these with basic auth, without a CSRF token.
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        return super().render()

    def error(self, problem):
        self.request.response.setStatus(400)
        return {"error": {"type": "BadRequest", "field": problem.name,
                          "message": translate(problem.message, context=self.request)}}


def _instant(form, name):
    """Nanoseconds since the epoch of an ISO 8601 date or time (naive means UTC)."""
    value = form.get(name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except (TypeError, ValueError):
        raise BadParameter(name, _("audit_error_bad_time",
                                   default="${name}: not a date or time (ISO 8601, e.g. 2025-04-02T08:00:00+07:00).",
                                   mapping={"name": name}))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp()) * 10**9 + moment.microsecond * 1000


def _values(form, name):
    value = form.get(name)
    values = value if isinstance(value, list) else [value] if value else []
    return {v for v in values if v}


def _filters(site, form):
    """(min key, max key, predicate) from the request; BadParameter names what is wrong."""
    since, until = _instant(form, "since"), _instant(form, "until")
    actions = _values(form, "action")
    unknown = actions - set(ACTIONS)
    if unknown:
        raise BadParameter("action", _("audit_error_bad_action",
                                       default="action: unknown action ${value}; the actions are ${actions}.",
                                       mapping={"value": ", ".join(sorted(unknown)), "actions": ", ".join(ACTIONS)}))
    if form.get("sort_order", "ascending") not in ("ascending", "descending", "reverse"):
        raise BadParameter("sort_order", _("audit_error_bad_order",
                                           default="sort_order: use ascending or descending."))
    uids, actors = _values(form, "uid"), _values(form, "actor")
    prefix = (form.get("path") or "").rstrip("/")
    site_path = "/".join(site.getPhysicalPath())
    if prefix and prefix != site_path and not prefix.startswith(site_path + "/"):
        prefix = site_path + "/" + prefix.lstrip("/")  # a path relative to the site

    def wanted(entry):
        return ((not actions or entry["action"] in actions) and (not uids or entry["uid"] in uids)
                and (not actors or entry["actor"] in actors)
                and (not prefix or (entry["path"] or "") == prefix or (entry["path"] or "").startswith(prefix + "/")))

    lower = journal.key_for(since) if since is not None else None
    upper = journal.key_for(until + 1) if until is not None else None
    return lower, upper, wanted if (actions or uids or actors or prefix) else None


class JournalGet(AuditService):
    """GET @audit-journal?uid=&path=&action=&actor=&since=&until=&sort_order=&b_start=&b_size="""

    def reply(self):
        form = self.request.form
        try:
            lower, upper, wanted = _filters(self.context, form)
        except BadParameter as problem:
            return self.error(problem)
        seal(self.context)
        entries = journal.journal(self.context, create=False)
        keys = []
        if entries:
            bounds = dict(min=lower, max=upper, excludemax=upper is not None)
            if wanted is None:  # only the keys are read; the page's entries are loaded below
                keys = list(entries.keys(**bounds))
            else:
                keys = [key for key, entry in entries.items(**bounds) if wanted(entry)]
        if form.get("sort_order") in ("descending", "reverse"):
            keys.reverse()
        batch = HypermediaBatch(self.request, keys)
        result = {"@id": batch.canonical_url, "items": [journal.plain(entries[key]) for key in batch],
                  "items_total": batch.items_total}
        if batch.links:
            result["batching"] = batch.links
        return result


class VerifyGet(AuditService):
    """GET @audit-verify: seal what is pending, then verify the whole chain."""

    def reply(self):
        sealed = seal(self.context)
        report = verify(self.context)
        return {"@id": f"{self.context.absolute_url()}/@audit-verify", "sealed": sealed, **report}


class SealPost(AuditService):
    """POST @audit-seal: chain what is pending (what the periodic task calls; cheap, no verification)."""

    def reply(self):
        sealed = seal(self.context)
        current = state(self.context)
        return {"@id": f"{self.context.absolute_url()}/@audit-seal", "sealed": sealed,
                "entries": current.count if current is not None else 0,
                "head": current.head if current is not None else None}

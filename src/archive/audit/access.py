"""Journaling reads of personal data: who read which dossier (its JSON or one of its pages),
downloaded which component's file, or searched by which citizen ID, and when; never what
they were shown.

One subscriber looks at every request that succeeded, once it is about to commit
(IPubBeforeCommit), and journals it when its published view or service shows a dossier or
a component, or is a search whose parameters hold a citizen ID:

- "read"     JSON GET of a dossier or a component, or one of its HTML pages
             (details: via "json" or "html", and the view's name);
- "download" a component's file (@@download / @@display-file; details: the field);
- "search"   @search, @archive-search, the search pages and the live search with a
             12-digit citizen ID anywhere in the parameters (details: the service and the
             IDs searched for, not the answer).

The entry is written in a small transaction of its own (journal.record_detached) rather
than in the request's: a GET stays a read-only transaction, so plone.protect's check of
writes on GET is not involved, and a conflict with another journal writer is retried on
that small transaction instead of re-running the whole request. Keys are time-ordered and
unique, so concurrent readers add different keys and BTree conflict resolution merges them;
only two inserts into one bucket that splits at the same moment conflict, and that retry
is cheap (ATTEMPTS tries, then the failure is logged). Measured over HTTP on the test server
(tests/test_access_read_journal.py, alternating rounds of 20 GETs, medians): 0 to 4 ms
added to a dossier's JSON GET of 28-45 ms on a shared two-core machine; writing the entry in
the request's own transaction instead cost 7 ms (the GET then commits a write).
"""
import re

from Acquisition import aq_base
from Acquisition import aq_inner
from plone import api
from plone.rest.service import Service as RestService

from archive.audit import journal
from archive.content.types import Dossier
from archive.content.types import DossierComponent

DOWNLOAD_VIEWS = frozenset({"download", "display-file"})
SEARCHES = frozenset({"search", "archive-search", "ajax-search", "archive-search-json"})
CITIZEN_ID = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
READ_METHODS = frozenset({"GET", "HEAD"})
SHOWN = frozenset({200, 203, 206})
ATTEMPTS = 5


def _name(request, published):
    """The view's or service's name as the URL has it, without @ and @@."""
    name = getattr(published, "__name__", None) or ""
    if name.startswith(("GET_", "HEAD_")):  # plone.rest: GET_application_json_<name>
        name = name.split("_", 3)[-1] if name.count("_") >= 3 else ""
    return name.lstrip("@")


def _citizen_ids(form):
    found = []
    for value in form.values():
        for text in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(text, str):
                found.extend(CITIZEN_ID.findall(text))
    return sorted(set(found))


def _entry(request, published):
    """(action, item or None, details) for a request that reads personal data, else None."""
    name = _name(request, published)
    context = getattr(published, "context", None)
    record = aq_base(context) if context is not None else None
    if isinstance(record, (Dossier, DossierComponent)):
        if isinstance(record, DossierComponent) and name in DOWNLOAD_VIEWS:
            field = (getattr(published, "fieldname", None) or "file")
            return "download", context, {"view": name, "field": field}
        via = "json" if isinstance(published, RestService) else "html"
        return "read", context, {"via": via, "view": name or "view"}
    if name in SEARCHES:
        ids = _citizen_ids(request.form)
        if ids:
            return "search", None, {"via": name, "citizen_ids": ids}
    return None


def journal_read(event):
    """IPubBeforeCommit: journal a successful read of personal data (see the module docstring)."""
    request = event.request
    if request.get("REQUEST_METHOD") not in READ_METHODS or request.response.getStatus() not in SHOWN:
        return
    published = request.get("PUBLISHED")
    if published is None:
        return
    found = _entry(request, published)
    if found is None:
        return
    action, item, details = found
    try:
        site = api.portal.get()
    except api.exc.CannotGetPortalError:
        return
    where = {}
    if item is not None:
        item = aq_inner(item)
        where = dict(uid=getattr(aq_base(item), "_plone.uuid", None), path="/".join(item.getPhysicalPath()),
                     portal_type=getattr(aq_base(item), "portal_type", None))
    journal.record_detached(site, action, details=details, attempts=ATTEMPTS, **where)


"""Dossier filters and work queues as catalog queries: plain dicts in, catalog queries out.

Everything here is answered from indexes (counts) and metadata columns (rows); no dossier
object is loaded. The catalog's own security filter limits every answer to the dossiers
the current user may see, so an officer's queues are those of his agency.
"""
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from archive.content import clock
from archive.i18n import _
from archive.workflow.status import DOSSIER_STATE_CODES
from plone import api

# States in which the dossier's clock runs or is paused: it can still become late.
ACTIVE_STATES = ("received", "processing", "supplement_requested", "payment_requested")
DONE_STATES = ("finished", "returned")
CHANNEL_VALUES = ("desk", "online", "post")
TIMELINESS_VALUES = ("early", "on_time", "late")
DUE_WINDOWS = ("today", "week", "overdue")

# Work queues: id, title, the catalog query (assignee filled in for the user), the roles
# (agency functions) whose start page shows it first.
QUEUES = (
    ("to_hand_over", _("queue_to_hand_over", default="Received, not handed over"),
     {"review_state": "received"}, ("reception",)),
    ("assigned", _("queue_assigned", default="Assigned to me"),
     {"review_state": "processing", "assignee": None}, ("specialists",)),
    ("supplement", _("queue_supplement", default="Waiting for a supplement"),
     {"review_state": "supplement_requested"}, ("reception", "specialists")),
    # A dossier whose result has been drafted waits for the leader's approval ("finish").
    # A range from " " takes every non-empty result code (a dossier without one is not in the index).
    ("approval", _("queue_approval", default="Waiting for approval"),
     {"review_state": "processing", "result_code": {"query": " ", "range": "min"}}, ("leaders",)),
    ("to_return", _("queue_to_return", default="Results ready to return"),
     {"review_state": "finished"}, ("reception",)),
)
QUEUE_IDS = tuple(queue[0] for queue in QUEUES)

# Sortable list columns and the index each sorts on.
SORT_INDEXES = {"code": "dossier_code", "received": "received", "due": "due", "state": "review_state",
                "procedure": "procedure_code"}


class FilterError(ValueError):
    """A filter value that cannot be used; `field` names the parameter."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field


def _day(value, field):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise FilterError(field, "expected a date as YYYY-MM-DD") from None


def _dt(value):
    """Naive local datetimes go to the DateIndexes as they are: they index naive time the same way."""
    return value


def due_window(window, now=None):
    """The `due` index query of a window: due today, due this week (Monday to Sunday), overdue."""
    now = now or clock.now()
    today = now.date()
    if window == "today":
        start, end = datetime.combine(today, time.min), datetime.combine(today, time.max)
    elif window == "week":
        monday = today - timedelta(days=today.weekday())
        start, end = datetime.combine(monday, time.min), datetime.combine(monday + timedelta(days=6), time.max)
    elif window == "overdue":
        return {"query": _dt(now), "range": "max"}
    else:
        raise FilterError("due", f"one of {', '.join(DUE_WINDOWS)}")
    return {"query": (_dt(start), _dt(end)), "range": "min:max"}


def queue_query(queue_id, user_id):
    for qid, _title, query, _roles in QUEUES:
        if qid == queue_id:
            query = dict(query)
            if "assignee" in query:
                query["assignee"] = user_id
            return query
    raise FilterError("queue", f"one of {', '.join(QUEUE_IDS)}")


def dossier_query(form, path=None, user_id=None, now=None):
    """A catalog query for the dossiers that `form` (request parameters) selects.

    Parameters: queue, state (one or more), timeliness, procedure, agency, channel, start and end (received, as
    YYYY-MM-DD, both days included), due (today, week, overdue), overdue (1). Raises
    FilterError naming the parameter for a value that cannot be used.
    """
    query = {"portal_type": "Dossier"}
    if path:
        query["path"] = path
    if form.get("queue"):
        query.update(queue_query(form["queue"], user_id))
    state = form.get("state")
    if state:
        states = [state] if isinstance(state, str) else list(state)
        if any(s not in DOSSIER_STATE_CODES for s in states):
            raise FilterError("state", "unknown state")
        query["review_state"] = states[0] if len(states) == 1 else tuple(states)
    timeliness = form.get("timeliness")
    if timeliness:
        if timeliness not in TIMELINESS_VALUES:
            raise FilterError("timeliness", f"one of {', '.join(TIMELINESS_VALUES)}")
        query["timeliness"] = timeliness
    if form.get("procedure"):
        query["procedure_code"] = form["procedure"].strip()
    if form.get("agency"):
        query["agency_code"] = form["agency"].strip()
    channel = form.get("channel")
    if channel:
        if channel not in CHANNEL_VALUES:
            raise FilterError("channel", f"one of {', '.join(CHANNEL_VALUES)}")
        query["channel"] = channel
    start = _day(form["start"], "start") if form.get("start") else None
    end = _day(form["end"], "end") if form.get("end") else None
    if start and end and end < start:
        raise FilterError("end", "before start")
    if start and end:
        query["received"] = {"query": (_dt(datetime.combine(start, time.min)), _dt(datetime.combine(end, time.max))),
                             "range": "min:max"}
    elif start:
        query["received"] = {"query": _dt(datetime.combine(start, time.min)), "range": "min"}
    elif end:
        query["received"] = {"query": _dt(datetime.combine(end, time.max)), "range": "max"}
    due = form.get("due")
    overdue = form.get("overdue") in ("1", "true", "on", True)
    if due:
        query["due"] = due_window(due, now)
    if overdue or due == "overdue":
        query["due"] = due_window("overdue", now)
    if due or overdue:
        # Due windows concern dossiers still open; a state filter narrows them further.
        if "review_state" not in query:
            query["review_state"] = ACTIVE_STATES
        else:
            chosen = query["review_state"]
            chosen = (chosen,) if isinstance(chosen, str) else chosen
            query["review_state"] = tuple(s for s in chosen if s in ACTIVE_STATES)
    return query


def count(query):
    """How many dossiers the current user may see match `query` (indexes only)."""
    if query.get("review_state") == ():
        return 0
    return len(api.portal.get_tool("portal_catalog").searchResults(**query))


def search(query, sort_on="received", reverse=True, b_start=0, b_size=50):
    catalog = api.portal.get_tool("portal_catalog")
    if query.get("review_state") == ():
        return []
    return catalog.searchResults(sort_on=SORT_INDEXES.get(sort_on, "received"),
                                 sort_order="descending" if reverse else "ascending", **query)

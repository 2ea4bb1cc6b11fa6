"""Dossier workflow side effects: the deadline clock stops and restarts, timeliness at the end."""
from archive.content import clock
from archive.content import deadlines
from archive.content import lookup


def after_transition(dossier, event):
    if event.transition is None:
        return
    transition = event.transition.id
    now = clock.now()
    if transition == "request_supplement":
        # The clock stops: the due date is recomputed when the supplement arrives.
        requests = list(dossier.supplement_requests or [])
        kwargs = event.kwargs or {}
        requests.append({"requested": now.isoformat(), "reason": kwargs.get("comment", ""),
                         "missing": list(kwargs.get("missing_components") or []), "resumed": None})
        dossier.supplement_requests = requests
    elif transition == "resume":
        requests = [dict(r) for r in dossier.supplement_requests or []]
        if requests and not requests[-1]["resumed"]:
            requests[-1]["resumed"] = now.isoformat()
        dossier.supplement_requests = requests
        procedure = lookup.procedure_by_code(dossier.procedure_code)
        if procedure is not None:
            dossier.due = deadlines.compute_due(dossier, procedure)
    elif transition == "finish":
        dossier.completed = now
        dossier.timeliness = deadlines.timeliness(dossier.due, now)
    dossier.reindexObject(idxs=["status_code", "due", "timeliness"])

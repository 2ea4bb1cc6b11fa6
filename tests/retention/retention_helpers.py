"""Builders for the retention tests: a closed dossier with PDF components, dated closings."""
from datetime import datetime

from archive.content.intake import receive_dossier
from archive.pdf import simple_pdf
from DateTime import DateTime
from helpers import AGENCY
from helpers import dossier_fields
from plone import api
from plone.app.testing import login
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.app.testing import TEST_USER_NAME


def closed_dossier(portal, components=2, digitised=False, closed_on=None, **fields):
    """A dossier received with `components` one-page PDFs and refused at intake (closed); its closing
    is dated `closed_on` (a datetime) when given, as if it had happened then."""
    setRoles(portal, TEST_USER_ID, ["Manager"])
    login(portal, TEST_USER_NAME)
    if True:
        dossier = receive_dossier(
            portal.dossiers[AGENCY],
            components=[dict(title=f"Thành phần {n}", filename=f"tp{n}.pdf", data=simple_pdf(f"Trang {n}"),
                             digitised=digitised) for n in range(1, components + 1)],
            **dossier_fields(**fields))
        # Refused at intake: the quickest way to a closed file (the workflow guards the others).
        api.content.transition(obj=dossier, transition="refuse", comment="Không thuộc thẩm quyền")
    if closed_on is not None:
        backdate(dossier, "refused", closed_on)
    return dossier


def backdate(obj, state, when):
    """Date the workflow history's entry into `state` at `when` (tests of time arithmetic)."""
    for history in obj.workflow_history.values():
        entries = list(history)
        for entry in entries:
            if entry.get("review_state") == state:
                entry["time"] = DateTime(when)
        obj.workflow_history[next(iter(obj.workflow_history))] = tuple(entries)
    obj.reindexObject()


def at(year, month, day):
    return datetime(year, month, day, 9, 0)

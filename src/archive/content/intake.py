"""Intake of dossiers: issuing the dossier code, the receipt time and the appointment date.

The same steps run whichever way a dossier arrives (web form, REST, the bulk intake
function below): the name chooser asks `issue_dossier_code` for the id, and the added
event completes anything a caller that gave its own id left out.
"""
import hashlib

from Acquisition import aq_base
from AccessControl import Unauthorized
from archive.audit import journal
from archive.content import clock
from archive.content import deadlines
from archive.content import lookup
from archive.content import sequences
from archive.content.types import component_id
from plone import api
from plone.dexterity.utils import createContent
from plone.uuid.interfaces import IUUID
from plone.namedfile.file import NamedBlobFile
from OFS.event import ObjectWillBeAddedEvent
from Products.CMFCore.utils import _checkPermission
from zope.container.contained import ObjectAddedEvent
from zope.event import notify

DEFAULT_TEMPLATE = "{agency}-{date:%y%m%d}-{seq:04d}"


def _template():
    return api.portal.get_registry_record("archive.dossier_code_template", default=None) or DEFAULT_TEMPLATE


def issue_dossier_code(container, dossier, procedure=None):
    """Give the dossier its code, agency, receipt time, title and due date (idempotent)."""
    if getattr(aq_base(dossier), "dossier_code", None):
        return dossier.dossier_code
    procedure = procedure or lookup.procedure_by_code(dossier.procedure_code)
    agency = container.agency_code
    received = clock.to_local_naive(dossier.received) or clock.now()
    seq = sequences.next_number(container, "dossier:" + received.date().isoformat())
    dossier.dossier_code = _template().format(agency=agency, date=received, seq=seq)
    dossier.agency_code = agency
    dossier.received = received
    dossier.supplement_requests = []
    if procedure is not None:
        dossier.title = f"{procedure.title} – {dossier.applicant_name}"
        dossier.due = deadlines.compute_due(dossier, procedure)
    return dossier.dossier_code


def dossier_added(dossier, event):
    if event.newParent is not None and event.oldParent is None:
        issue_dossier_code(event.newParent, dossier)


def receive_dossier(container, components=(), **fields):
    """The archive's own intake path: create a dossier and its component files.

    `components` is a sequence of dicts with title, filename, data (bytes), kind and
    digitised. Permission checks are those of the web form: the current user needs
    'archive: Add Dossier' on the agency's shard.
    """
    if not _checkPermission("archive: Add Dossier", container):
        raise Unauthorized("Cannot receive dossiers here")
    procedure = lookup.procedure_by_code(fields.get("procedure_code"))
    if procedure is None or procedure.agency_code != container.agency_code:
        raise ValueError(f"procedure_code: unknown procedure for this agency: {fields.get('procedure_code')!r}")
    dossier = createContent("Dossier", **fields)
    code = issue_dossier_code(container, dossier, procedure)
    dossier.id = code
    _add_quietly(container, code, dossier)
    dossier = container._getOb(code)
    for number, component in enumerate(components, start=1):
        add_component(dossier, component_id(number), **component)
    return dossier


def _add_quietly(container, name, obj):
    """Add with the object's own events but without a ContainerModifiedEvent: a shard is a
    bucket, not a document, so reindexing it on every arrival would only add work and a
    write that every concurrent intake at the agency conflicts on; a new dossier is
    indexed once at commit anyway, after its components are in."""
    notify(ObjectWillBeAddedEvent(obj, container, name))
    container._setObject(name, obj, suppress_events=True)
    notify(ObjectAddedEvent(container._getOb(name), container, name))


def add_component(dossier, id_, title, filename, data, kind="original", digitised=False, content_type="application/pdf"):
    """Store one file of a dossier at intake.

    A component is a plain part of its dossier: no catalog record (see
    DossierComponent), no workflow, no intid (nothing relates to it), no owner, so the full
    content-add cascade would only cost time; what its added event does for it, the
    SHA-256 and the journal entry, is done here. The dossier is (re)indexed with it at commit."""
    component = createContent(
        "DossierComponent",
        title=title,
        kind=kind,
        digitised=digitised,
        file=NamedBlobFile(data=data, filename=filename, contentType=content_type),
    )
    component.id = id_
    # No owner of its own: a component belongs to its dossier, whose owner and local roles
    # it acquires (taking ownership looks the owner up through the acquisition chain twice).
    dossier._setObject(id_, component, set_owner=False, suppress_events=True)
    component = dossier._getOb(id_)
    component.sha256 = hashlib.sha256(data).hexdigest()  # the bytes in hand, not re-read from the blob
    component.indexObject()
    # The journal entry the added event would have made, with the fixity baseline.
    journal.record("added", uid=IUUID(component), path="/".join(component.getPhysicalPath()),
                   portal_type=component.portal_type, details={"filename": filename, "sha256": component.sha256})
    return component

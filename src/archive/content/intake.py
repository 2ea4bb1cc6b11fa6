"""Intake of dossiers: issuing the dossier code, the receipt time and the appointment date.

The same steps run whichever way a dossier arrives (web form, REST, the bulk intake
function below): the name chooser asks `issue_dossier_code` for the id, and the added
event completes anything a caller left out. Ids are the archive's: a dossier added to an
agency shard under any name other than its code is refused (a client-chosen id could take
a future code or shadow `index_html`).
"""
import hashlib
import re

from Acquisition import aq_base
from Acquisition import aq_parent
from AccessControl import Unauthorized
from archive.audit import journal
from archive.content import clock
from archive.content import codes
from archive.content import deadlines
from archive.content import lookup
from archive.content import sequences
from archive.content.constraints import allowed_type_ids
from archive.content.fields import ImplausibleReceived
from archive.content.fields import plausible_received
from archive.i18n import _
from archive.content.types import component_id
from plone import api
from plone.dexterity.utils import createContent
from plone.dexterity.utils import iterSchemataForType
from plone.uuid.interfaces import IUUID
from plone.namedfile.file import NamedBlobFile
from OFS.event import ObjectWillBeAddedEvent
from Products.CMFCore.utils import _checkPermission
from zExceptions import BadRequest
from zope.container.contained import ObjectAddedEvent
from zope.event import notify
from zope.globalrequest import getRequest
from zope.i18n import translate
from zope.schema import getFieldsInOrder
from zope.schema.interfaces import ValidationError

DEFAULT_TEMPLATE = "{agency}-{date:%y%m%d}-{seq:04d}"
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
# Fields typed by people, stored in Unicode normal form C.
TEXT_FIELDS = ("applicant_name", "applicant_address", "notes")
COMPONENT_KEYS = frozenset(("title", "filename", "data", "kind", "digitised", "content_type"))


class IntakeError(ValueError):
    """Refused intake data; `field` names what is at fault (e.g. `received`, `components[2].kind`),
    `message` says why (an i18n message, shown in the language of the request)."""

    def __init__(self, field, message):
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self):
        return f"{self.field}: {translate(self.message, context=getRequest())}"


REQUIRED = _("error_intake_required", default="Required.")
ID_ISSUED = _("error_id_issued", default="Dossier ids are the codes the archive issues; send no id.")
PROCEDURE_NOT_OF_AGENCY = _("error_procedure_not_of_agency", default="No procedure of this agency has this code.")
INVALID_VALUE = _("error_invalid_value", default="Invalid value.")
COMPONENT_SHAPE = _("error_component_shape",
                    default="A component is an object with title, kind, digitised and file.")
UNKNOWN_KEY = _("error_unknown_key", default="Unknown key.")
NOT_AN_INTAKE_FIELD = _("error_not_an_intake_field", default="Not a field a dossier is received with.")


class _Sequence:
    """Stands for the sequence number when a template is rendered for its counter key."""

    def __format__(self, spec):
        return "{seq}"


def _template():
    return api.portal.get_registry_record("archive.dossier_code_template", default=None) or DEFAULT_TEMPLATE


def _code_taken(container, code):
    if code in container:
        return True
    catalog = api.portal.get_tool("portal_catalog")
    return bool(catalog.unrestrictedSearchResults(portal_type="Dossier", dossier_code=code))


def issue_dossier_code(container, dossier, procedure=None):
    """Give the dossier its code, agency, receipt time, title and due date (idempotent).

    The counter is that of the code's own prefix (the template rendered without its
    sequence number): two receipt dates whose codes look alike (1926 and 2026 under a
    two-digit year) share it, so their codes cannot collide; a code in use is passed over.
    Without {agency} in the template the prefix is the province's, and so is the counter.
    """
    if getattr(aq_base(dossier), "dossier_code", None):
        return dossier.dossier_code
    procedure = procedure or lookup.procedure_by_code(dossier.procedure_code)
    agency = container.agency_code
    received = clock.to_local_naive(dossier.received) if dossier.received else clock.now()
    if not plausible_received(received):
        raise IntakeError("received", ImplausibleReceived.__doc__)
    template = _template()
    try:
        prefix = template.format(agency=agency, date=received, seq=_Sequence())
    except (KeyError, IndexError, ValueError, AttributeError):
        prefix = ""
    if "{seq}" not in prefix:
        raise IntakeError("dossier_code", _("error_code_template",
                                            default="The dossier code template (archive.dossier_code_template) "
                                                    "needs {seq} and may use only {agency} and {date}."))
    home = container if "{agency" in template else aq_parent(container)

    def render(number):
        return template.format(agency=agency, date=received, seq=number)

    number = sequences.next_free_number(home, "dossier:" + prefix, lambda n: _code_taken(container, render(n)))
    dossier.dossier_code = render(number)
    dossier.agency_code = agency
    dossier.received = received
    dossier.supplement_requests = []
    for name in TEXT_FIELDS:
        value = getattr(aq_base(dossier), name, None)
        if isinstance(value, str):
            setattr(dossier, name, codes.normalise_text(value))
    if procedure is not None:
        dossier.title = f"{procedure.title} – {dossier.applicant_name}"
        dossier.due = deadlines.compute_due(dossier, procedure)
    return dossier.dossier_code


def dossier_will_be_added(dossier, event):
    """In an agency shard a dossier is named by its code, whoever chose the name."""
    container = event.newParent
    if container is None or event.oldParent is not None or not getattr(container, "agency_code", None):
        return
    code = issue_dossier_code(container, dossier)
    if event.newName != code:
        raise BadRequest(str(IntakeError("id", ID_ISSUED)))


def dossier_added(dossier, event):
    if event.newParent is not None and event.oldParent is None:
        issue_dossier_code(event.newParent, dossier)


def receive_dossier(container, components=(), **fields):
    """The archive's own intake path: create a dossier and its component files, whole or not at all.

    `fields` are the dossier's fields as Python values (`received` a datetime); `components`
    is a sequence of dicts with title, filename, data (bytes), kind, digitised and
    content_type. Everything is checked before anything is stored; bad data raises
    IntakeError naming the field (e.g. `applicant_id`, `components[1].kind`). Permission
    checks are those of the web form: the current user needs 'archive: Add Dossier' on the
    agency's shard.
    """
    if not _checkPermission("archive: Add Dossier", container):
        raise Unauthorized("Cannot receive dossiers here")
    if "Dossier" not in (allowed_type_ids(container) or ()):
        raise IntakeError("container", _("error_not_a_dossier_shard",
                                         default="Dossiers are received in an agency's dossier shard."))
    fields = check_dossier_fields(container, fields)
    procedure = lookup.procedure_by_code(fields.get("procedure_code"))
    if procedure is None or procedure.agency_code != container.agency_code:
        raise IntakeError("procedure_code", PROCEDURE_NOT_OF_AGENCY)
    components = [check_component(container, number, component) for number, component in enumerate(components)]
    dossier = createContent("Dossier", **fields)
    code = issue_dossier_code(container, dossier, procedure)
    dossier.id = code
    _add_quietly(container, code, dossier)
    dossier = container._getOb(code)
    for number, component in enumerate(components, start=1):
        add_component(dossier, component_id(number), **component)
    return dossier


def intake_schema_fields():
    """(name, field) of the Dossier schema that intake accepts: all but the issued ones."""
    for schema in iterSchemataForType("Dossier"):
        for name, field in getFieldsInOrder(schema):
            if not field.readonly:
                yield name, field


def check_dossier_fields(container, fields):
    """The fields, NFC-normalised and validated against the Dossier schema; IntakeError otherwise."""
    known = dict(intake_schema_fields())
    checked = {}
    for name, value in fields.items():
        if name not in known:
            raise IntakeError(name, NOT_AN_INTAKE_FIELD)
        if isinstance(value, str):
            value = codes.normalise_text(value.strip()) or None
        checked[name] = value
    for name, field in known.items():
        if name not in checked:
            if field.required and field.default is None:
                raise IntakeError(name, REQUIRED)
            continue
        value = checked[name]
        if value is None:
            if field.required:
                raise IntakeError(name, REQUIRED)
            continue
        try:
            field.bind(container).validate(value)
        except ValidationError as error:
            raise IntakeError(name, translate(error.doc(), context=getRequest())) from None
        except (TypeError, ValueError):
            raise IntakeError(name, INVALID_VALUE) from None
    return checked


def check_component(container, number, component):
    """One component dict, checked; IntakeError names it as components[number].key."""
    from archive.content.vocabularies import COMPONENT_KINDS

    where = f"components[{number}]"
    if not isinstance(component, dict):
        raise IntakeError(where, COMPONENT_SHAPE)
    unknown = set(component) - COMPONENT_KEYS
    if unknown:
        raise IntakeError(f"{where}.{sorted(unknown)[0]}", UNKNOWN_KEY)
    title = component.get("title")
    if not isinstance(title, str) or not title.strip():
        raise IntakeError(f"{where}.title", REQUIRED)
    title = codes.normalise_text(title.strip())
    if len(title) > 500 or codes.text_fault(title):
        raise IntakeError(f"{where}.title", _("error_component_title",
                                               default="At most 500 characters, without control or invisible characters."))
    kind = component.get("kind", "original")
    if kind not in dict(COMPONENT_KINDS):
        raise IntakeError(f"{where}.kind", _("error_component_kind", default="One of: ${kinds}.",
                                              mapping={"kinds": ", ".join(dict(COMPONENT_KINDS))}))
    digitised = component.get("digitised", False)
    if not isinstance(digitised, bool):
        raise IntakeError(f"{where}.digitised", _("error_true_or_false", default="true or false."))
    filename = component.get("filename")
    if not isinstance(filename, str) or not filename.strip() or codes.text_fault(filename) or "/" in filename:
        raise IntakeError(f"{where}.file.filename", _("error_component_filename",
                                                       default="A file name, without a path or control characters."))
    data = component.get("data")
    if not isinstance(data, bytes) or not data:
        raise IntakeError(f"{where}.file.data", _("error_component_empty", default="The file is empty."))
    content_type = component.get("content_type", "application/pdf")
    if not isinstance(content_type, str) or not _MIME.match(content_type):
        raise IntakeError(f"{where}.file.content-type", _("error_component_content_type",
                                                           default="A media type such as application/pdf."))
    return {"title": title, "kind": kind, "digitised": digitised, "filename": codes.normalise_text(filename.strip()),
            "data": data, "content_type": content_type}


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

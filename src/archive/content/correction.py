"""Intake data after intake: what an edit may change, and a leader's journaled correction.

The dossier code, its title and its appointment date are derived at intake from the
receipt time, the procedure and the applicant. An ordinary edit (form or PATCH) may
therefore never change `received` or `procedure_code`, and after hand-over (once the
dossier has left the `received` state) no intake field at all: the receipt, the citizen
ID and the applicant's data are what the citizen was given a receipt for. A mistake is
corrected by `correct_intake`, an action of its own: it needs 'archive: Correct intake
data' (leaders), a reason, recomputes the title and the due date, and is journaled with
the old and new values. The code stays as issued: it is printed on the citizen's
receipt and is the dossier's address.
"""
from Acquisition import aq_base
from Acquisition import aq_inner
from Acquisition import aq_parent
from archive.audit import journal
from archive.content import codes
from archive.content import deadlines
from archive.content import lookup
from archive.content.intake import IntakeError
from archive.content.intake import PROCEDURE_NOT_OF_AGENCY
from archive.content.intake import REQUIRED
from archive.i18n import _
from archive.content.types import DOSSIER_WORKFLOW
from plone.uuid.interfaces import IUUID
from zExceptions import BadRequest
from zExceptions import Forbidden

# Fields the code, title and due date are derived from: never changed by an edit.
DERIVING_FIELDS = ("received", "procedure_code")
# Fields fixed at hand-over.
INTAKE_FIELDS = DERIVING_FIELDS + (
    "applicant_name", "applicant_id", "applicant_address", "applicant_phone", "applicant_email",
    "channel", "result_code", "due",
)
CORRECTABLE_FIELDS = tuple(name for name in INTAKE_FIELDS if name != "due")
INTAKE_STATE = "received"
FIXED_AT_INTAKE = _("error_fixed_at_intake",
                    default="Fixed at intake: the code, title and due date derive from it. A leader corrects "
                            "it with a reason (@intake-correction).")
LOCKED_AFTER_HAND_OVER = _("error_locked_after_hand_over",
                           default="Intake data is locked after hand-over. A leader corrects it with a reason "
                                   "(@intake-correction).")
NOT_CORRECTABLE = _("error_not_correctable", default="Correctable: ${fields}.",
                    mapping={"fields": ", ".join(CORRECTABLE_FIELDS)})


def review_state(dossier):
    history = (getattr(aq_base(dossier), "workflow_history", None) or {}).get(DOSSIER_WORKFLOW)
    return history[-1].get("review_state") if history else INTAKE_STATE


def changed_fields(event):
    """The field names a modified event reports (plone.restapi prefixes them with the schema)."""
    return {name.rsplit(".", 1)[-1] for description in getattr(event, "descriptions", ()) or ()
            for name in getattr(description, "attributes", ())}


def intake_fields_locked(dossier, event):
    """Refuse an edit of intake data: always for the deriving fields, after hand-over for all."""
    changed = changed_fields(event)
    deriving = sorted(changed.intersection(DERIVING_FIELDS))
    if deriving:
        raise BadRequest(str(IntakeError(deriving[0], FIXED_AT_INTAKE)))
    if review_state(dossier) != INTAKE_STATE:
        locked = sorted(changed.intersection(INTAKE_FIELDS))
        if locked:
            raise Forbidden(str(IntakeError(locked[0], LOCKED_AFTER_HAND_OVER)))


def correct_intake(dossier, reason, changes):
    """Apply a leader's correction of intake data (values already deserialised and validated
    field by field); recompute what derives from them and journal it. Returns the changes as
    {field: [old, new]} (texts)."""
    if not isinstance(reason, str) or not reason.strip():
        raise IntakeError("reason", _("error_correction_reason", default="A correction needs a reason."))
    reason = codes.normalise_text(reason.strip())
    if codes.text_fault(reason, multiline=True) or len(reason) > 2000:
        raise IntakeError("reason", _("error_reason_text", default="At most 2000 characters, without control or invisible characters."))
    if not changes:
        raise IntakeError("fields", NOT_CORRECTABLE)
    for name in changes:
        if name not in CORRECTABLE_FIELDS:
            raise IntakeError(name, NOT_CORRECTABLE)
    procedure_code = changes.get("procedure_code", dossier.procedure_code)
    procedure = lookup.procedure_by_code(procedure_code)
    shard = aq_parent(aq_inner(dossier))
    if "procedure_code" in changes and (procedure is None or procedure.agency_code != shard.agency_code):
        raise IntakeError("procedure_code", PROCEDURE_NOT_OF_AGENCY)
    for name in ("applicant_name", "applicant_id", "procedure_code", "received", "channel"):
        if name in changes and changes[name] in (None, ""):
            raise IntakeError(name, REQUIRED)
    done = {}
    for name, value in changes.items():
        if isinstance(value, str):
            value = codes.normalise_text(value)
        old = getattr(dossier, name, None)
        if old != value:
            setattr(dossier, name, value)
            done[name] = [_text(old), _text(value)]
    if not done:
        raise IntakeError("fields", _("error_correction_no_change", default="The values given are those stored."))
    if procedure is not None and done.keys() & {"procedure_code", "applicant_name"}:
        dossier.title = f"{procedure.title} – {dossier.applicant_name}"
    if procedure is not None and done.keys() & {"procedure_code", "received"}:
        old_due = dossier.due
        dossier.due = deadlines.compute_due(dossier, procedure)
        if dossier.due != old_due:
            done["due"] = [_text(old_due), _text(dossier.due)]
    dossier.reindexObject()
    journal.record("intake-corrected", uid=IUUID(dossier), path="/".join(dossier.getPhysicalPath()),
                   portal_type=dossier.portal_type, details={"reason": reason, "changes": done})
    return done


def _text(value):
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)

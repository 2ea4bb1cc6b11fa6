"""The reception officer's intake form on an agency's dossier shard, and its JSON helpers.

`@@intake` receives a dossier with all its components in one form: the procedure picked
by name or code among the agency's own, its required components as a checklist, the
applicant found again from earlier dossiers, the due date shown before saving, the
assignee among the agency's specialists. Saving goes through
`archive.content.intake.receive_dossier`: the dossier is stored whole or not at all, and a
refusal is shown once, in the request's language, next to the field at fault.

`@@intake-procedures`, `@@intake-applicant` and `@@intake-due` answer the form's script
with JSON, for the shard's own agency only (their permission is that of the form).
"""
import json
import re
from types import SimpleNamespace

import transaction
from archive.content import clock
from archive.content import deadlines
from archive.content import lookup
from archive.content.intake import IntakeError
from archive.content.intake import PROCEDURE_NOT_OF_AGENCY
from archive.content.intake import REQUIRED
from archive.content.intake import receive_dossier
from archive.content.serialise import serialised_intake
from archive.content.vocabularies import CHANNELS
from archive.content.vocabularies import COMPONENT_KINDS
from archive.i18n import _
from archive.security import agency_group_id
from plone import api
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from zExceptions import NotFound
from zope.i18n import translate

ADD_DOSSIER = "archive: Add Dossier"
# The dossier fields the form carries, in the order a refusal is looked for.
FIELDS = ("procedure_code", "applicant_name", "applicant_id", "applicant_address", "applicant_phone",
          "applicant_email", "channel", "assignee", "notes")
ROW = re.compile(r"^component_title_(\d{1,3})$")
NO_COMPONENTS = _("error_intake_no_components", default="Upload at least one component of the dossier.")
NOT_A_SPECIALIST = _("error_intake_assignee", default="Choose one of the agency's specialists.")
MAX_RESULTS = 20
LABELS = {
    "applicant_name": _("label_applicant_name", default="Applicant name"),
    "applicant_address": _("label_applicant_address", default="Applicant address"),
    "applicant_phone": _("label_applicant_phone", default="Applicant phone"),
    "applicant_email": _("label_applicant_email", default="Applicant email"),
}


def agency_procedures(agency_code, query=""):
    """The procedures of one agency whose code or name contains `query` (case-insensitive)."""
    catalog = api.portal.get_tool("portal_catalog")
    words = query.strip().lower()
    found = []
    for brain in catalog(portal_type="Procedure", agency_code=agency_code, sort_on="sortable_title"):
        procedure = brain.getObject()
        if words and words not in procedure.procedure_code.lower() and words not in (procedure.title or "").lower():
            continue
        found.append(procedure)
    return found


def procedure_info(procedure):
    return {"code": procedure.procedure_code, "title": procedure.title, "fee": procedure.fee or 0,
            "fee_note": getattr(procedure, "fee_note", None) or "",
            "processing_days": procedure.processing_days or 0,
            "required_components": list(procedure.required_components or ())}


def due_for(procedure, received=None):
    """The appointment date a dossier of `procedure` received now (or at `received`) gets."""
    dossier = SimpleNamespace(received=received or clock.now(), supplement_requests=[])
    return deadlines.compute_due(dossier, procedure)


def specialists(agency_code):
    """(user id, full name) of the agency's specialists, by name."""
    users = api.user.get_users(groupname=agency_group_id(agency_code, "specialists"))
    people = [(user.getId(), user.getProperty("fullname") or user.getId()) for user in users]
    return sorted(people, key=lambda person: person[1])


class ShardView(BrowserView):
    """Base of the intake views: an agency shard, and an officer who may receive there."""

    def agency(self):
        code = getattr(self.context, "agency_code", None)
        if not code or not api.user.has_permission(ADD_DOSSIER, obj=self.context):
            raise NotFound("intake")
        return code

    def _t(self, message):
        return translate(message, domain="archive", context=self.request)

    def json(self, data, status=200):
        self.request.response.setStatus(status)
        self.request.response.setHeader("Content-Type", "application/json; charset=utf-8")
        self.request.response.setHeader("Cache-Control", "no-store")
        return json.dumps(data, ensure_ascii=False)


class ProcedureSearch(ShardView):
    """GET @@intake-procedures?q=...: the agency's procedures matching a name or code."""

    def __call__(self):
        procedures = agency_procedures(self.agency(), self.request.form.get("q") or "")
        return self.json({"items": [procedure_info(p) for p in procedures[:MAX_RESULTS]],
                          "items_total": len(procedures)})


class ApplicantLookup(ShardView):
    """GET @@intake-applicant?applicant_id=...: the applicant as given in the latest earlier
    dossier of this agency the officer may see, or 404."""

    def __call__(self):
        agency = self.agency()
        applicant_id = (self.request.form.get("applicant_id") or "").strip()
        if not applicant_id:
            return self.json({"error": {"field": "applicant_id", "message": self._t(REQUIRED)}}, 400)
        catalog = api.portal.get_tool("portal_catalog")
        brains = catalog(portal_type="Dossier", agency_code=agency, applicant_id=applicant_id,
                         sort_on="received", sort_order="descending", sort_limit=1)
        for brain in brains[:1]:
            dossier = brain.getObject()
            return self.json({name: getattr(dossier, name, None) or "" for name in
                              ("applicant_id", "applicant_name", "applicant_address", "applicant_phone",
                               "applicant_email")} | {"dossier_code": dossier.dossier_code})
        return self.json({"error": {"field": "applicant_id", "message": self._t(
            _("msg_intake_applicant_unknown", default="No earlier dossier of this applicant."))}}, 404)


class DueDate(ShardView):
    """GET @@intake-due?procedure_code=...: the appointment date of a dossier received now."""

    def __call__(self):
        agency = self.agency()
        procedure = lookup.procedure_by_code(self.request.form.get("procedure_code") or None)
        if procedure is None or procedure.agency_code != agency:
            return self.json({"error": {"field": "procedure_code", "message": self._t(PROCEDURE_NOT_OF_AGENCY)}}, 400)
        received = clock.now()
        due = due_for(procedure, received)
        return self.json({"procedure_code": procedure.procedure_code, "received": received.isoformat(),
                          "due": due.isoformat(), "due_display": due.strftime("%H:%M %d/%m/%Y")})


class IntakeForm(ShardView):
    """@@intake: the form, and its POST."""

    def __call__(self):
        self.agency_code = self.agency()
        self.errors = {}
        form = self.request.form
        self.values = {name: (form.get(name) or "") for name in FIELDS}
        self.values["channel"] = self.values["channel"] or "desk"
        if self.request.method == "POST" and form.get("form.submitted"):
            CheckAuthenticator(self.request)
            dossier = self.submit()
            if dossier is not None:
                api.portal.show_message(self._t(_("msg_intake_received",
                                                  default="Dossier ${code} received; print the receipt.",
                                                  mapping={"code": dossier.dossier_code})), request=self.request)
                self.request.response.redirect(dossier.absolute_url())
                return ""
            self.request.response.setStatus(400)
        return self.index()

    # -- what the template shows

    def procedure(self):
        procedure = lookup.procedure_by_code(self.values["procedure_code"] or None)
        if procedure is not None and procedure.agency_code == self.agency_code:
            return procedure_info(procedure)
        return None

    def procedures(self):
        return [procedure_info(p) for p in agency_procedures(self.agency_code)]

    def specialists(self):
        return [{"id": user_id, "name": name} for user_id, name in specialists(self.agency_code)]

    def kinds(self):
        return [{"value": value, "title": self._t(title)} for value, title in COMPONENT_KINDS]

    def channels(self):
        return [{"value": value, "title": self._t(title)} for value, title in CHANNELS]

    def label(self, name):
        return LABELS[name]

    def shown_errors(self):
        """Names whose refusal the template shows beside their field; any other is shown at the end."""
        rows = len((self.procedure() or {}).get("required_components") or [""])
        return set(FIELDS) | {"components"} | {f"component_{number}" for number in range(rows)}

    def config(self):
        """What the script needs, as a data attribute (no inline script: CSP)."""
        base = self.context.absolute_url()
        return json.dumps({
            "procedures": f"{base}/@@intake-procedures", "applicant": f"{base}/@@intake-applicant",
            "due": f"{base}/@@intake-due", "kinds": self.kinds(),
            "labels": {name: self._t(message) for name, message in (
                ("fee", _("label_fee", default="Fee (VND)")),
                ("free", _("label_intake_free", default="No fee")),
                ("files", _("label_intake_files", default="Files")),
                ("digitised", _("label_digitised", default="Digitised")),
                ("kind", _("label_component_kind", default="Kind")),
                ("none", _("msg_intake_no_procedure", default="No procedure of this agency matches.")),
                ("unknown", _("msg_intake_applicant_unknown", default="No earlier dossier of this applicant.")),
                ("found", _("msg_intake_applicant_found", default="Filled in from dossier ${code}.")),
            )}}, ensure_ascii=False)

    # -- saving

    def rows(self):
        """(row number, title, kind, digitised, uploads) of the component rows posted."""
        form = self.request.form
        numbers = sorted(int(match.group(1)) for match in map(ROW.match, form) if match)
        for number in numbers:
            uploads = form.get(f"component_files_{number}") or []
            if not isinstance(uploads, (list, tuple)):
                uploads = [uploads]
            uploads = [u for u in uploads if getattr(u, "filename", None)]
            yield (number, form.get(f"component_title_{number}") or "", form.get(f"component_kind_{number}") or "original",
                   bool(form.get(f"component_digitised_{number}")), uploads)

    def components(self):
        """receive_dossier's component dicts, and the form row each came from."""
        components, origins = [], []
        for number, title, kind, digitised, uploads in self.rows():
            for count, upload in enumerate(uploads, start=1):
                name = title.strip()
                if name and len(uploads) > 1:
                    name = f"{name} ({count})"
                components.append({"title": name, "filename": upload.filename.rsplit("\\", 1)[-1],
                                   "data": upload.read(), "kind": kind, "digitised": digitised,
                                   "content_type": (upload.headers.get("Content-Type") if upload.headers else None)
                                   or "application/octet-stream"})
                origins.append(number)
        return components, origins

    def fields(self):
        fields = {name: value for name, value in self.values.items() if value.strip()}
        return fields

    def submit(self):
        serialised_intake(self.context)
        components, origins = self.components()
        try:
            assignee = self.values["assignee"].strip()
            if assignee and assignee not in dict(specialists(self.agency_code)):
                raise IntakeError("assignee", NOT_A_SPECIALIST)
            if not components:
                raise IntakeError("components", NO_COMPONENTS)
            return receive_dossier(self.context, components=components, **self.fields())
        except IntakeError as error:
            transaction.doom()
            self.errors[self.form_field(error.field, origins)] = self._t(error.message)
            return None

    @staticmethod
    def form_field(field, origins):
        """The form's name for a refused field: `components[3].kind` -> `component_2`."""
        match = re.match(r"^components\[(\d+)\]", field)
        if match and int(match.group(1)) < len(origins):
            return f"component_{origins[int(match.group(1))]}"
        return field


class IntakeShards(BrowserView):
    """The dossier shards where the current user may receive, for links to @@intake."""

    def __call__(self):
        dossiers = api.portal.get().get("dossiers")
        if dossiers is None or api.user.is_anonymous():
            return []
        return [{"url": f"{shard.absolute_url()}/@@intake", "title": shard.Title(), "id": shard.getId()}
                for shard in dossiers.objectValues()
                if getattr(shard, "agency_code", None) and api.user.has_permission(ADD_DOSSIER, obj=shard)]

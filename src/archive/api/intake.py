"""REST intake: a dossier with its components in one request, stored whole or not at all.

    POST /dossiers/<agency>/@intake
    {"procedure_code": "1.009972", "applicant_name": "...", ..., "received": "2026-12-08T08:30:00+07:00",
     "components": [{"title": "...", "kind": "original", "digitised": true,
                     "file": {"data": "<base64>", "encoding": "base64", "filename": "don.pdf",
                              "content-type": "application/pdf"}}]}

answers 201 with the dossier, or 400 naming the field at fault (`applicant_id`,
`components[1].file.data`) with nothing stored. Plain POSTs to an agency shard (plone.restapi's
add) get the same ids and the same serialisation; `@intake-correction` on a dossier is a
leader's correction of intake data (archive.content.correction).
"""
import base64
import binascii
import json

import plone.protect.interfaces
import transaction
from Acquisition import aq_base
from archive.content.correction import CORRECTABLE_FIELDS
from archive.content.correction import correct_intake
from archive.content.intake import COMPONENT_SHAPE
from archive.content.intake import ID_ISSUED
from archive.content.intake import INVALID_VALUE
from archive.content.intake import IntakeError
from archive.content.intake import UNKNOWN_KEY
from archive.content.intake import intake_schema_fields
from archive.content.intake import receive_dossier
from archive.content.serialise import serialised_intake
from archive.content.types import Dossier
from archive.i18n import _
from plone.dexterity.utils import createContent
from plone.restapi.interfaces import IFieldDeserializer
from plone.restapi.interfaces import ISerializeToJson
from plone.restapi.services import Service
from plone.restapi.services.content.add import FolderPost
from zope.component import queryMultiAdapter
from zope.interface import alsoProvides
from zope.interface import Invalid
from zope.schema.interfaces import ValidationError

FILE_KEYS = frozenset(("data", "encoding", "filename", "content-type"))
NOT_BASE64 = _("error_not_base64", default="Not valid base64 text.")
NOT_A_DOSSIER_SHARD = _("error_not_a_dossier_shard", default="Dossiers are received in an agency's dossier shard.")


def read_body(request):
    """The JSON object of the request; IntakeError for anything else."""
    try:
        data = json.loads(request.get("BODY") or b"{}")
    except (ValueError, RecursionError):
        raise IntakeError("body", _("error_body_not_json", default="Not a JSON document.")) from None
    if not isinstance(data, dict):
        raise IntakeError("body", _("error_body_not_object", default="A JSON object is expected."))
    return data


def refused(request, error):
    """A 400 answer naming the field; the transaction is doomed so nothing is stored."""
    transaction.doom()
    request.response.setStatus(400)
    return {"error": {"type": "BadRequest", "field": error.field, "message": str(error)}}


def deserialise_fields(context, request, data, allowed):
    """Field values of a JSON object, deserialised as plone.restapi does for the Dossier schema."""
    known = dict(intake_schema_fields())
    if isinstance(aq_base(context), Dossier):
        dummy = context
    else:  # a new dossier, wrapped in its future container as plone.restapi's add does
        dummy = createContent("Dossier").__of__(context)
    values = {}
    for name, raw in data.items():
        if name not in allowed or name not in known:
            raise IntakeError(name, _("error_field_not_accepted", default="Not a field accepted here."))
        if raw is None:
            values[name] = None
            continue
        deserializer = queryMultiAdapter((known[name], dummy, request), IFieldDeserializer)
        try:
            values[name] = deserializer(raw)
        except ValidationError as error:
            raise IntakeError(name, error.doc()) from None
        except (Invalid, ValueError, TypeError, OverflowError) as error:
            raise IntakeError(name, str(error) or INVALID_VALUE) from None
    return values


def decode_component(number, component):
    """A component as JSON ({title, kind, digitised, file: {...}}) -> receive_dossier's dict."""
    where = f"components[{number}]"
    if not isinstance(component, dict):
        raise IntakeError(where, COMPONENT_SHAPE)
    component = dict(component)
    named = component.pop("file", None)
    if not isinstance(named, dict):
        raise IntakeError(f"{where}.file", _("error_component_file", default="An object with data, encoding, filename and content-type."))
    unknown = set(named) - FILE_KEYS
    if unknown:
        raise IntakeError(f"{where}.file.{sorted(unknown)[0]}", UNKNOWN_KEY)
    encoding = named.get("encoding", "base64")
    if encoding != "base64":
        raise IntakeError(f"{where}.file.encoding", _("error_encoding_base64", default="Only base64 is accepted."))
    data = named.get("data")
    if not isinstance(data, str):
        raise IntakeError(f"{where}.file.data", NOT_BASE64)
    try:
        decoded = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise IntakeError(f"{where}.file.data", NOT_BASE64) from None
    component.update(data=decoded, filename=named.get("filename"),
                     content_type=named.get("content-type", "application/pdf"))
    return component


class IntakePost(Service):
    """POST @intake on an agency's dossier shard."""

    def reply(self):
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        if not getattr(self.context, "agency_code", None):
            return refused(self.request, IntakeError("container", NOT_A_DOSSIER_SHARD))
        serialised_intake(self.context)
        try:
            data = read_body(self.request)
            components = data.pop("components", [])
            if not isinstance(components, list):
                raise IntakeError("components", _("error_components_list", default="A list of components."))
            if data.pop("@type", "Dossier") != "Dossier":
                raise IntakeError("@type", _("error_only_dossiers", default="Only dossiers are received here."))
            fields = deserialise_fields(self.context, self.request, data, dict(intake_schema_fields()))
            fields = {name: value for name, value in fields.items() if value is not None}
            decoded = [decode_component(number, component) for number, component in enumerate(components)]
            dossier = receive_dossier(self.context, components=decoded, **fields)
        except IntakeError as error:
            return refused(self.request, error)
        self.request.response.setStatus(201)
        self.request.response.setHeader("Location", dossier.absolute_url())
        answer = queryMultiAdapter((dossier, self.request), ISerializeToJson)()
        answer["@id"] = dossier.absolute_url()
        return answer


class ShardPost(FolderPost):
    """plone.restapi's add, for archive folders: a dossier's id is its code, never the
    client's, and intakes at one agency are serialised (archive.content.serialise)."""

    def reply(self):
        try:
            data = read_body(self.request)
        except IntakeError as error:
            return refused(self.request, error)
        if data.get("@type") == "Dossier" and getattr(self.context, "agency_code", None):
            if "id" in data:
                return refused(self.request, IntakeError("id", ID_ISSUED))
            serialised_intake(self.context)
        return super().reply()


class IntakeCorrectionPost(Service):
    """POST @intake-correction on a dossier: {"reason": "...", "<field>": <new value>, ...}."""

    def reply(self):
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        try:
            data = read_body(self.request)
            reason = data.pop("reason", None)
            changes = deserialise_fields(self.context, self.request, data, CORRECTABLE_FIELDS)
            done = correct_intake(self.context, reason, changes)
        except IntakeError as error:
            return refused(self.request, error)
        answer = queryMultiAdapter((self.context, self.request), ISerializeToJson)()
        answer["corrected"] = done
        return answer

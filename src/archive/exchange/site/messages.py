"""Plone items to and from edXML: the edoc of a legal document, a result or a dossier, status
messages, the trust store.

The mapping of a LegalDocument onto the edXML MessageHeader:
number_notation "15/2025/QĐ-UBND" -> Code (CodeNumber "15", CodeNotation "2025/QĐ-UBND");
issue_date -> PromulgationDate; issuing_body -> PromulgationInfo/Place; document_type ->
DocumentType/Type (our vocabulary token, kept as data) and TypeName (its title); title ->
Subject; signer -> SignerInfo/FullName; each ArchiveAttachment -> one Attachment with the
file's exact bytes, name and content type.

A Result travels as DocumentType/Type "result" (TypeName: its result type) with its signed
PDF; a Dossier as Type "dossier" (Code: dossier code / "HS", PromulgationDate: the day it
was received, DueDate: its appointment) with its component files. The numeric values of
Type are unconfirmed, so these two words are our own data. What edXML has no element for
(result code, dossier code, applicant, component kinds) travels signed in one more
attachment, `archive-metadata.json` (ContentId `cid:archive-metadata`).
"""
import json
from datetime import date
from datetime import datetime

from plone import api
from Products.CMFCore.utils import getToolByName

from archive.content.vocabularies import COMPONENT_KIND_CODES
from archive.exchange import edxml
from archive.exchange import signing
from archive.exchange.trust import TrustStore

SUBJECT_MAX = 500
PLACE_MAX = 150


def agency(organ_id):
    """The Agency content of an OrganId (unrestricted: the trust store is not the caller's business)."""
    portal = api.portal.get()
    folder = portal.get("agencies")
    if folder is not None and organ_id in folder.objectIds():
        return folder[organ_id]
    catalog = getToolByName(portal, "portal_catalog")
    for brain in catalog.unrestrictedSearchResults(portal_type="Agency", agency_code=organ_id):
        return brain._unrestrictedGetObject()
    return None


def organization(organ_id):
    found = agency(organ_id)
    if found is None:
        return edxml.Organization(organ_id)
    return edxml.Organization(organ_id, organ_name=found.title or "", organ_add=getattr(found, "address", "") or "",
                              email=getattr(found, "email", "") or "", telephone=getattr(found, "phone", "") or "",
                              website=getattr(found, "website", "") or "")


def trust_store():
    """Every Agency's `certificates` field, registered for that agency's OrganId."""
    store = TrustStore()
    catalog = getToolByName(api.portal.get(), "portal_catalog")
    for brain in catalog.unrestrictedSearchResults(portal_type="Agency"):
        obj = brain._unrestrictedGetObject()
        pem = (getattr(obj, "certificates", None) or "").strip()
        if pem and obj.agency_code:
            try:
                store.add(obj.agency_code, pem.encode("ascii", "ignore"))
            except ValueError:
                # A damaged certificate field must not stop messages from the other agencies.
                continue
    return store


def split_number_notation(value):
    """'15/2025/QĐ-UBND' -> ('15', '2025/QĐ-UBND'); ValueError names the field."""
    number, sep, notation = (value or "").partition("/")
    if not (number.strip() and sep and notation.strip()) or "," in value:
        raise ValueError("number_notation must look like 15/2025/QĐ-UBND")
    return number.strip(), notation.strip()


def attachments_of(item):
    found = []
    for obj in item.objectValues():
        if getattr(obj, "portal_type", None) != "ArchiveAttachment" or getattr(obj, "file", None) is None:
            continue
        named = obj.file
        found.append(edxml.Attachment(name=named.filename or obj.getId(), data=named.data,
                                      content_type=named.contentType or "application/octet-stream",
                                      description=obj.title or ""))
    return found


RESULT_TYPE = "result"
DOSSIER_TYPE = "dossier"
KIND_OF_TYPE = {RESULT_TYPE: "Result", DOSSIER_TYPE: "Dossier"}  # anything else is a LegalDocument
METADATA_CID = "cid:archive-metadata"
METADATA_NAME = "archive-metadata.json"
DOSSIER_NOTATION = "HS"
# Which items may be sent, and in which review states (revocations may be sent in any state).
SENDABLE_STATES = {"LegalDocument": ("published",), "Result": ("signed", "issued"),
                   "Dossier": ("received", "processing", "finished")}
RESULT_META = ("result_code", "dossier_code", "result_type", "valid_until", "valid_electronic_copy")
DOSSIER_META = ("dossier_code", "procedure_code", "agency_code", "applicant_name", "applicant_id", "applicant_address",
                "applicant_phone", "applicant_email", "channel", "received", "due", "assignee", "notes")


def dossier_files(dossier):
    """The files of a dossier's components, in id order: every child with a `file`.

    Kept here on purpose: the storage of components is being remodelled in
    archive.content, and this is the one place the exchange reads them.
    """
    found = []
    for obj in sorted(dossier.objectValues(), key=lambda o: o.getId()):
        named = getattr(obj, "file", None)
        if named is None:
            continue
        found.append({"id": obj.getId(), "title": obj.title or obj.getId(), "data": named.data,
                      "filename": named.filename or obj.getId(),
                      "content_type": named.contentType or "application/octet-stream",
                      "kind": getattr(obj, "kind", None) or "original",
                      "digitised": bool(getattr(obj, "digitised", False))})
    return found


def _json_value(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _metadata_attachment(meta):
    data = json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return edxml.Attachment(METADATA_NAME, data, "application/json", content_id=METADATA_CID,
                            description="Archive metadata")


def _type_name(token):
    from archive.content.vocabularies import LEGAL_DOCUMENT_TYPES

    for value, title in LEGAL_DOCUMENT_TYPES:
        if value == token:
            return getattr(title, "default", None) or str(title)
    return ""


def edoc_for(item, organ_id, receivers, bussiness=None):
    """The unsigned EdocMessage of a legal document, result or dossier addressed to `receivers`.

    With `bussiness` (an edxml.Bussiness) the message is a revocation, update or replacement;
    a revocation or update keeps the DocumentId it applies to, and a revocation carries no files.
    """
    builder = {"LegalDocument": _legal_edoc, "Result": _result_edoc, "Dossier": _dossier_edoc}.get(item.portal_type)
    if builder is None:
        raise ValueError(f"portal_type: a {item.portal_type} cannot be exchanged")
    msg = builder(item, organ_id, receivers)
    if bussiness is not None:
        msg.bussiness = bussiness
        if bussiness.bussiness_doc_type in (edxml.REVOCATION, edxml.UPDATE):
            msg.document_id = bussiness.document_id
        else:
            bussiness.document_id = edxml.document_id_of(msg)
        if bussiness.bussiness_doc_type == edxml.REVOCATION:
            msg.attachments = []
    return msg


def _result_edoc(item, organ_id, receivers):
    if item.issue_date is None:
        raise ValueError("issue_date is required to send a result")
    number, notation = split_number_notation(item.number_notation)
    meta = {name: _json_value(getattr(item, name, None)) for name in RESULT_META}
    attachments = [_metadata_attachment({"kind": "Result", **meta})]
    if item.file is not None:
        attachments.append(edxml.Attachment(item.file.filename or f"{item.getId()}.pdf", item.file.data,
                                            item.file.contentType or "application/pdf", content_id="cid:result-file",
                                            description=item.title or ""))
    return edxml.EdocMessage(
        from_=organization(organ_id), to=[organization(r) for r in receivers], code=edxml.Code(number, notation),
        promulgation_info=edxml.PromulgationInfo(organization(organ_id).organ_name[:PLACE_MAX], item.issue_date),
        subject=(item.title or item.result_code or "")[:SUBJECT_MAX],
        document_type=edxml.DocumentType(RESULT_TYPE, "", (item.result_type or "")[:SUBJECT_MAX]),
        signer_info=edxml.SignerInfo(full_name=item.signer or "") if item.signer else None,
        due_date=item.valid_until, attachments=attachments)


def _dossier_edoc(item, organ_id, receivers):
    if not item.dossier_code or item.received is None:
        raise ValueError("dossier_code: only a dossier received at intake can be sent")
    files = dossier_files(item)
    meta = {name: _json_value(getattr(item, name, None)) for name in DOSSIER_META}
    meta["components"] = [{"content_id": f"cid:component-{n}", "title": f["title"], "kind": f["kind"],
                           "digitised": f["digitised"]} for n, f in enumerate(files, 1)]
    attachments = [_metadata_attachment({"kind": "Dossier", **meta})]
    for n, f in enumerate(files, 1):
        attachments.append(edxml.Attachment(f["filename"], f["data"], f["content_type"],
                                            content_id=f"cid:component-{n}", description=f["title"]))
    return edxml.EdocMessage(
        from_=organization(organ_id), to=[organization(r) for r in receivers],
        code=edxml.Code(item.dossier_code.replace("/", "-").replace(",", "-"), DOSSIER_NOTATION),
        promulgation_info=edxml.PromulgationInfo(organization(organ_id).organ_name[:PLACE_MAX], item.received.date()),
        subject=(item.title or item.dossier_code)[:SUBJECT_MAX],
        document_type=edxml.DocumentType(DOSSIER_TYPE, "", item.procedure_code or ""),
        due_date=item.due.date() if item.due else None, attachments=attachments)


def _legal_edoc(item, organ_id, receivers):
    if item.issue_date is None:
        raise ValueError("issue_date is required to send a document")
    number, notation = split_number_notation(item.number_notation)
    subject = item.title or ""
    text = getattr(item, "text", None)
    content = (getattr(text, "output", "") or "") if text is not None else ""
    return edxml.EdocMessage(
        from_=organization(organ_id),
        to=[organization(r) for r in receivers],
        code=edxml.Code(number, notation),
        promulgation_info=edxml.PromulgationInfo((item.issuing_body or "")[:PLACE_MAX], item.issue_date),
        subject=subject[:SUBJECT_MAX],
        document_type=edxml.DocumentType(item.document_type or "", "", _type_name(item.document_type)),
        content=_plain(content)[:SUBJECT_MAX],
        signer_info=edxml.SignerInfo(full_name=item.signer or "") if item.signer else None,
        attachments=attachments_of(item),
    )


def _plain(html):
    from lxml import html as lxml_html

    if not html.strip():
        return ""
    try:
        return " ".join(lxml_html.fromstring(html).text_content().split())
    except Exception:  # noqa: BLE001 - the summary is a courtesy, never a reason to fail
        return ""


def sign(msg, settings):
    key, cert = settings.signing_material()
    return signing.sign(edxml.build(msg), key, cert)  # the tree itself: no serialise-and-parse round trip


def status_message(document_id, sender_of_document, own_organ_id, code, description="", staff=""):
    """The unsigned StatusMessage about `document_id`, addressed to the agency that sent it."""
    organ, promulgated, number, notation = edxml.parse_document_id(document_id)
    return edxml.StatusMessage(
        response_for=edxml.ResponseFor(sender_of_document, f"{number}/{notation}", promulgated, document_id),
        from_=organization(own_organ_id),
        status_code=code,
        timestamp=datetime.now(edxml.VIETNAM_TZ).replace(tzinfo=None, microsecond=0),
        description=description[:SUBJECT_MAX],
        staff_info=edxml.StaffInfo(staff=staff) if staff else None,
    )


# --------------------------------------------------------------------------- receiving


def kind_of(msg):
    """Content type a received edoc becomes: Result, Dossier, or LegalDocument for anything else."""
    return KIND_OF_TYPE.get(msg.document_type.type, "LegalDocument")


def _meta_error(key, message):
    return edxml.ValidationError(f"AttachmentEncoded/Attachment[{METADATA_CID}]/{key}", message)


def _meta_text(meta, key, limit=500):
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _meta_error(key, f"must be text of at most {limit} characters")
    return value


def _meta_date(meta, key, kind=date):
    value = _meta_text(meta, key, 40)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _meta_error(key, f"{value!r} is not an ISO date") from None
    return parsed.date() if kind is date else parsed.replace(tzinfo=None)


def read_payload(msg):
    """(kind, fields, files) of a received edoc: the content type, the fields beyond the header
    and the attachments that are files (dicts with title, filename, data, content_type, kind, digitised).

    A Result or Dossier must carry a JSON object `archive-metadata.json` of the same kind;
    a bad one raises edxml.ValidationError naming the key.
    """
    kind = kind_of(msg)
    files = [a for a in msg.attachments if a.content_id != METADATA_CID]
    if kind == "LegalDocument":
        return kind, {}, [{"title": a.description or a.name, "filename": a.name, "data": a.data,
                           "content_type": a.content_type, "kind": "original", "digitised": False} for a in files]
    found = [a for a in msg.attachments if a.content_id == METADATA_CID]
    if not found:
        raise edxml.ValidationError(f"AttachmentEncoded/Attachment[{METADATA_CID}]",
                                    f"a {kind} message must carry {METADATA_NAME}")
    try:
        meta = json.loads(found[0].data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _meta_error("", f"not JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise _meta_error("", "must be a JSON object")
    if meta.get("kind") != kind:
        raise _meta_error("kind", f"{meta.get('kind')!r} does not match DocumentType/Type {msg.document_type.type!r}")
    fields = {}
    if kind == "Result":
        for key in ("result_code", "dossier_code", "result_type"):
            fields[key] = _meta_text(meta, key)
        fields["valid_until"] = _meta_date(meta, "valid_until")
        copy = meta.get("valid_electronic_copy")
        if copy is not None and not isinstance(copy, bool):
            raise _meta_error("valid_electronic_copy", "must be true or false")
        fields["valid_electronic_copy"] = bool(copy)
        if not fields["result_code"]:
            raise _meta_error("result_code", "missing")
        if len(files) > 1:
            raise edxml.ValidationError("AttachmentEncoded/Attachment", "a Result carries one signed file")
        return kind, fields, [{"title": a.description or a.name, "filename": a.name, "data": a.data,
                               "content_type": a.content_type} for a in files]
    for key in DOSSIER_META:
        if key not in ("received", "due"):
            fields[key] = _meta_text(meta, key, 2000 if key == "notes" else 500)
    fields["received"] = _meta_date(meta, "received", datetime)
    fields["due"] = _meta_date(meta, "due", datetime)
    if not fields["dossier_code"]:
        raise _meta_error("dossier_code", "missing")
    listed = meta.get("components") or []
    if not isinstance(listed, list) or not all(isinstance(c, dict) for c in listed):
        raise _meta_error("components", "must be a list of objects")
    by_cid = {c.get("content_id"): c for c in listed}
    components = []
    for a in files:
        info = by_cid.get(a.content_id, {})
        title = _meta_text(info, "title") or a.description or a.name
        component_kind = _meta_text(info, "kind", 50) or "original"
        if component_kind not in COMPONENT_KIND_CODES:
            raise _meta_error("components/kind", f"{component_kind!r} is not one of {', '.join(COMPONENT_KIND_CODES)}")
        components.append({"title": title, "filename": a.name, "data": a.data, "content_type": a.content_type,
                           "kind": component_kind, "digitised": bool(info.get("digitised"))})
    return kind, fields, components

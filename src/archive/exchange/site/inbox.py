"""Receiving: verify a message from the axis, register an edoc in the inbox folder, apply a
revocation, update or replacement to the item registered from the original DocumentId, or
apply a status message to the document it answers; idempotent, and all-or-nothing on refusal.

Received documents are registered in `/incoming` (an ArchiveFolder made by
`ensure_exchange_site`) as the matching type (LegalDocument, Result or Dossier, see
messages.kind_of), named `arrival-<year>-<number>`, with a per-year arrival number from the
folder's own counter (archive.content.sequences: no global hot counter).

Every signed message that changed an item is kept on it, in order (`evidence_log`); the
`evidence` of an item is the message whose content it shows. A revocation marks the item
`exchange_state` "revoked" (it stays, with the reason); an update rewrites its fields and
files; a replacement registers the new document and marks the old one "replaced", linked
both ways (a legal document also names what it replaces in its `replaces` field, the legal
relation the effect statuses read). Every check runs before the first write.
"""
import hashlib

from persistent.list import PersistentList
from persistent.mapping import PersistentMapping
from plone import api
from plone.dexterity.utils import createContent
from plone.dexterity.utils import createContentInContainer
from plone.namedfile.file import NamedBlobFile
from zope.annotation.interfaces import IAnnotations
from zope.event import notify
from zope.lifecycleevent import ObjectModifiedEvent

from archive.audit import exchange as audit
from archive.content import clock
from archive.content import intake
from archive.content import sequences
from archive.content.legal_relations import refresh_related
from archive.content.vocabularies import LEGAL_DOCUMENT_TYPES
from archive.exchange import edxml
from archive.exchange.errors import ExchangeError
from archive.exchange.site import messages
from archive.exchange.site import store
from archive.security import AGENCY_FUNCTIONS
from archive.security import agency_group_id

INBOX_ID = "incoming"
EVIDENCE = "archive.exchange.evidence"
EVIDENCE_LOG = "archive.exchange.evidence_log"
REVOKED = "revoked"
REPLACED = "replaced"
DOCUMENT_REVOKED = "document_revoked"
WRONG_KIND = "wrong_kind"
# Status answered when a revocation or update is applied: "take-back / update agreed".
AGREED = "15"
NOT_ADDRESSED = "not_addressed"
UNKNOWN_DOCUMENT = "unknown_document"
DUPLICATE_OTHER_SENDER = "document_id_taken"


class SiteRefusal(Exception):
    """A verified message this site cannot accept (not for us, answers an unknown document)."""

    def __init__(self, reason_code, message):
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message


def ensure_exchange_site(portal, organ_id):
    """The inbox folder and the exchange officers' local roles (idempotent)."""
    with api.env.adopt_roles(["Manager"]):
        if INBOX_ID not in portal.objectIds():
            createContentInContainer(portal, "ArchiveFolder", checkConstraints=False, id=INBOX_ID,
                                     title="Văn bản đến")
            sequences.ensure_counters(portal[INBOX_ID])
        if organ_id:
            group = agency_group_id(organ_id, "exchange")
            for section in (INBOX_ID, "legal-documents"):
                folder = portal.get(section)
                if folder is None:
                    continue
                roles = set(folder.get_local_roles_for_userid(group))
                if "ExchangeOfficer" not in roles:
                    folder.manage_setLocalRoles(group, sorted(roles | {"ExchangeOfficer"}))
                    folder.reindexObjectSecurity()
    return portal[INBOX_ID]


def find(uid):
    brain = api.portal.get_tool("portal_catalog").unrestrictedSearchResults(UID=uid)
    return brain[0]._unrestrictedGetObject() if brain else None


def evidence(item):
    """The signed message whose content the item shows (None if it was not received)."""
    return IAnnotations(item).get(EVIDENCE)


def evidence_log(item):
    """Every signed message received for the item, oldest first."""
    annotations = IAnnotations(item)
    log = annotations.get(EVIDENCE_LOG)
    if log is None:
        current = annotations.get(EVIDENCE)
        return [current] if current is not None else []
    return log


def weakness_note(accepted):
    """Text for the history when a message was accepted with a weak (SHA-1) algorithm, else ""."""
    if not accepted.weak:
        return ""
    return f"[signed with {accepted.algorithm}: weak algorithm accepted ({', '.join(accepted.verified.weaknesses)})]"


def receive(data, settings):
    """Verify and apply raw edXML bytes. Returns a dict describing what happened; raises
    RefusedMessage, SiteRefusal or ExchangeError (before anything is written) when refused."""
    try:
        return _receive(data, settings)
    except (ExchangeError, SiteRefusal) as refusal:
        audit.refused(data, refusal)  # in a transaction of its own: the caller dooms this one
        raise


def _receive(data, settings):
    digest = hashlib.sha256(data).hexdigest()
    done = store.processed(digest)
    if done is not None:
        return {**dict(done), "duplicate": True}
    accepted = messages.trust_store().verify(data, allow_sha1=settings.allow_sha1, legacy_c14n=settings.legacy_c14n)
    msg = accepted.message
    if settings.organ_id not in edxml.receivers_of(msg):
        raise SiteRefusal(NOT_ADDRESSED, f"the message is addressed to {', '.join(edxml.receivers_of(msg))}, "
                                         f"this site is {settings.organ_id}")
    if isinstance(msg, edxml.StatusMessage):
        outcome = _apply_status(accepted, msg)
    elif edxml.business_type(msg) == edxml.REVOCATION:
        outcome = _revoke(accepted, msg, data, settings)
    elif edxml.business_type(msg) == edxml.UPDATE:
        outcome = _update(accepted, msg, data, settings)
    else:
        outcome = _register(accepted, msg, data, settings)
    store.remember_processed(digest, outcome)
    if not outcome.get("duplicate"):
        audit.accepted(find(outcome["uid"]), outcome, accepted)
    return {**outcome, "duplicate": outcome.get("duplicate", False)}


def _apply_status(accepted, msg):
    document_id, sender = msg.response_for.document_id, msg.from_.organ_id
    sent = store.sent_entry(document_id)
    received = store.received_entry(document_id)
    if sent is not None and sender in sent["to"]:
        uid = sent["uid"]
    elif received is not None and received["from"] == sender:
        uid = received["uid"]  # e.g. the sender asks to take its document back (13)
    else:
        raise SiteRefusal(UNKNOWN_DOCUMENT, f"ResponseFor/DocumentId {document_id!r}: no document exchanged with "
                                            f"{sender} has this DocumentId")
    item = find(uid)
    if item is None:
        raise SiteRefusal(UNKNOWN_DOCUMENT, f"the document {document_id!r} no longer exists here")
    description = f"{msg.description} {weakness_note(accepted)}".strip()
    entry = store.add_history(item, direction="received", document_id=document_id, event="status",
                              status_code=msg.status_code, description=description, from_=sender)
    if accepted.weak:
        entry["weaknesses"] = list(accepted.verified.weaknesses)
    return {"kind": "status", "document_id": document_id, "status_code": msg.status_code, "uid": uid,
            "@id": item.absolute_url()}


# --------------------------------------------------------------------------- helpers


def _record_evidence(item, data, accepted, business, current):
    """Keep the signed message on the item; `current` makes it the evidence of what the item shows."""
    annotations = IAnnotations(item)
    digest = hashlib.sha256(data).hexdigest()
    entry = PersistentMapping({
        "file": NamedBlobFile(data, contentType="application/xml", filename=f"edxml-{digest[:16]}.xml"),
        "sha256": digest, "signer": accepted.signer_subject, "algorithm": accepted.algorithm,
        "weak": accepted.weak, "weaknesses": list(accepted.verified.weaknesses), "received": store.now_iso(),
        "signing_time": accepted.signing_time.isoformat(), "business": edxml.BUSSINESS_DOC_TYPES[business],
    })
    log = annotations.get(EVIDENCE_LOG)
    if log is None:
        log = annotations[EVIDENCE_LOG] = PersistentList(
            [annotations[EVIDENCE]] if annotations.get(EVIDENCE) is not None else [])
    log.append(entry)
    if current:
        annotations[EVIDENCE] = entry
    return entry


def _received_item(document_id, sender, what, element="TraceHeaderList/Bussiness/DocumentId"):
    """The item registered from `document_id` sent by `sender`, or a refusal naming what was asked."""
    known = store.received_entry(document_id)
    if known is None or known["from"] != sender:
        raise SiteRefusal(UNKNOWN_DOCUMENT, f"{element} {document_id!r}: no document received from {sender} has "
                                            f"this DocumentId; the {what} changes nothing")
    item = find(known["uid"])
    if item is None:
        raise SiteRefusal(UNKNOWN_DOCUMENT, f"the document {document_id!r} no longer exists here; "
                                            f"the {what} changes nothing")
    return item


def _content_fields(kind, msg, fields, sender):
    """Field values of the item a message describes (header fields plus the metadata fields)."""
    values = {"title": msg.subject}
    if kind == "LegalDocument":
        vocabulary = {value for value, _ in LEGAL_DOCUMENT_TYPES}
        values.update(number_notation=f"{msg.code.code_number}/{msg.code.code_notation}",
                      document_type=msg.document_type.type if msg.document_type.type in vocabulary else None,
                      issuing_body=msg.promulgation_info.place or (msg.from_.organ_name or sender),
                      signer=msg.signer_info.full_name if msg.signer_info else "",
                      issue_date=msg.promulgation_info.promulgation_date)
    elif kind == "Result":
        values.update(fields, number_notation=f"{msg.code.code_number}/{msg.code.code_notation}",
                      signer=msg.signer_info.full_name if msg.signer_info else "",
                      issue_date=msg.promulgation_info.promulgation_date)
    else:
        values.update(fields)
    return values


def _set_files(item, kind, files):
    """Attach the received files the way the item's type keeps them (replacing what it had)."""
    if kind == "Result":
        item.file = (NamedBlobFile(files[0]["data"], contentType=files[0]["content_type"],
                                   filename=files[0]["filename"]) if files else None)
        return
    if kind == "Dossier":
        old = [f["id"] for f in messages.dossier_files(item)]
        if old:
            item.manage_delObjects(old)
        for n, f in enumerate(files, 1):
            intake.add_component(item, f"component-{n}", f["title"], f["filename"], f["data"], kind=f["kind"],
                                 digitised=f["digitised"], content_type=f["content_type"])
        return
    old = [o.getId() for o in item.objectValues() if o.portal_type == "ArchiveAttachment"]
    if old:
        item.manage_delObjects(old)
    for f in files:
        createContentInContainer(item, "ArchiveAttachment", checkConstraints=False, title=f["title"],
                                 file=NamedBlobFile(f["data"], contentType=f["content_type"], filename=f["filename"]))


def _local_roles(kind, organ_id):
    """Who at this agency works on a received item. Results and dossiers follow workflows that
    only the agency's functions can read. A received dossier is this agency's to process, so
    each function group gets its role on it (as on the agency's own shards). A received result
    is another agency's decision: every function group reads it as archivists do (a view-only
    role there), so nobody here edits, signs or issues it. The exchange officers, who
    registered either, read it as archivists do too."""
    exchange = agency_group_id(organ_id, "exchange")
    if kind == "LegalDocument":
        return {exchange: ["Owner"]}
    reader = AGENCY_FUNCTIONS["archivists"][0]
    roles = {
        agency_group_id(organ_id, function): [reader if kind == "Result" else role]
        for function, (role, *_) in AGENCY_FUNCTIONS.items()
    }
    roles[exchange] = sorted({"Owner", reader, AGENCY_FUNCTIONS["exchange"][0]})
    return roles


def _reply(document_id, sender, code, description, settings):
    return messages.sign(messages.status_message(document_id, sender, settings.organ_id, code, description), settings)


# --------------------------------------------------------------------------- new documents and replacements


def _register(accepted, msg, data, settings):
    document_id = edxml.document_id_of(msg)
    sender = msg.from_.organ_id
    business = edxml.business_type(msg)
    if not document_id.startswith(f"{sender},"):
        raise SiteRefusal(DUPLICATE_OTHER_SENDER, f"DocumentId {document_id!r} does not start with the sender {sender}")
    known = store.received_entry(document_id)
    if known is not None:
        item = find(known["uid"])
        return {"kind": "edoc", "document_id": document_id, "uid": known["uid"], "duplicate": True,
                "@id": item.absolute_url() if item is not None else None}
    replaced = []
    if business == edxml.REPLACEMENT:
        wanted = edxml.replaced_ids(msg, settings.organ_id)
        if not wanted:
            raise SiteRefusal(NOT_ADDRESSED, "TraceHeaderList/Bussiness/ReplacementInfoList: no replacement "
                                             f"applies to {settings.organ_id}")
        for old_id in wanted:
            if old_id == document_id:
                raise edxml.ValidationError("TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo/DocumentId",
                                            "a document cannot replace itself")
            replaced.append(_received_item(old_id, sender, "replacement",
                                           "ReplacementInfoList/ReplacementInfo/DocumentId"))
    kind, fields, files = messages.read_payload(msg)
    # Reply first: an unconfigured signer must fail the whole registration, not leave it silent.
    reply = _reply(document_id, sender, "01", "Đã đến / arrived", settings)
    portal = api.portal.get()
    inbox = ensure_exchange_site(portal, settings.organ_id)
    today = clock.now().date()  # arrival numbers restart with the province's year
    number = sequences.next_number(inbox, f"arrival-{today.year}")
    with api.env.adopt_roles(["Manager"]):
        name = f"arrival-{today.year}-{number:06d}"
        # Added under the arrival name, not through the name chooser (it names dossiers and
        # results by their code, which is the sender's here).
        new = createContent(kind, **_content_fields(kind, msg, fields, sender))
        # Marked as received before it is added: a received legal document acts on the
        # documents it names from then on (archive.content.legal), whatever its state here.
        new.exchange_document_id = document_id
        new.exchange_sender = sender
        if kind == "LegalDocument":
            # The legal relation, as an officer would record it: effect statuses and the
            # document's "Replaces" field read it.
            new.replaces = _notations_of(replaced)
        new.id = name
        inbox._setObject(name, new)
        item = inbox._getOb(name)
        _set_files(item, kind, files)
        if kind == "Result" and files:
            notify(ObjectModifiedEvent(item))  # the file's SHA-256
        for group, roles in _local_roles(kind, settings.organ_id).items():
            item.manage_setLocalRoles(group, roles)
        item.reindexObjectSecurity()
        if kind == "Result":  # issued by its agency: not a draft here
            api.content.transition(obj=item, transition="register_received", comment=f"{sender}: {document_id}")
    item.arrival_number = number
    item.arrival_code = f"{today.year}/{number:06d}"
    proof = _record_evidence(item, data, accepted, business, current=True)
    uid = item.UID()
    store.remember_received(document_id, uid, sender)
    entry = store.add_history(item, direction="received", document_id=document_id, event="registered",
                              description=f"arrival number {item.arrival_code} {weakness_note(accepted)}".strip(),
                              from_=sender)
    if accepted.weak:
        entry["weaknesses"] = proof["weaknesses"]
    if replaced:
        reason = msg.bussiness.bussiness_doc_reason
        item.exchange_replaces = [old.UID() for old in replaced]
        for old in replaced:
            old.exchange_state = REPLACED
            old.exchange_state_reason = reason
            old.exchange_replaced_by = uid
            store.add_history(old, direction="received", document_id=old.exchange_document_id, event="replaced",
                              description=f"replaced by {document_id} ({item.arrival_code}): {reason}".strip(),
                              from_=sender)
            store.add_history(item, direction="received", document_id=document_id, event="replaces",
                              description=f"replaces {old.exchange_document_id} ({old.arrival_code}): {reason}",
                              from_=sender)
    store.queue("status", document_id, [sender], reply, item_uid=uid, status_code="01")
    store.add_history(item, direction="sent", document_id=document_id, event="status", status_code="01",
                      description="arrived", to=[sender])
    outcome = {"kind": "edoc", "type": kind, "document_id": document_id, "uid": uid, "@id": item.absolute_url(),
               "arrival_code": item.arrival_code}
    if replaced:
        outcome["replaces"] = [old.UID() for old in replaced]
    return outcome


def _notations_of(items):
    """Number/notation of the legal documents among `items`, in order, each once."""
    notations = []
    for item in items:
        notation = getattr(item, "number_notation", None) if item.portal_type == "LegalDocument" else None
        if notation and notation not in notations:
            notations.append(notation)
    return notations


# --------------------------------------------------------------------------- revocations and updates


def _revoke(accepted, msg, data, settings):
    sender = msg.from_.organ_id
    document_id = edxml.business_target(msg)
    item = _received_item(document_id, sender, "revocation")
    reason = msg.bussiness.bussiness_doc_reason
    if getattr(item, "exchange_state", "") == REVOKED:
        return {"kind": "revocation", "document_id": document_id, "uid": item.UID(), "@id": item.absolute_url(),
                "duplicate": True}
    reply = _reply(document_id, sender, AGREED, f"Đã thu hồi / revoked: {reason}".strip(), settings)
    item.exchange_state = REVOKED
    item.exchange_state_reason = reason
    item.exchange_state_time = store.now_iso()
    if item.portal_type == "Result":
        item.revocation_reason = reason
        if api.content.get_state(item) == "issued":  # results received before profile 1001 stayed drafts
            with api.env.adopt_roles(["Manager"]):
                api.content.transition(obj=item, transition="revoke", comment=reason or "revoked by its issuer")
    _record_evidence(item, data, accepted, edxml.REVOCATION, current=False)
    entry = store.add_history(item, direction="received", document_id=document_id, event="revoked",
                              description=f"{reason} {weakness_note(accepted)}".strip(), from_=sender)
    if accepted.weak:
        entry["weaknesses"] = list(accepted.verified.weaknesses)
    store.queue("status", document_id, [sender], reply, item_uid=item.UID(), status_code=AGREED)
    store.add_history(item, direction="sent", document_id=document_id, event="status", status_code=AGREED,
                      description="revocation applied", to=[sender])
    item.reindexObject(idxs=["modified"])
    if item.portal_type == "LegalDocument":
        refresh_related(item)  # a revoked document no longer acts on those it named
    return {"kind": "revocation", "document_id": document_id, "uid": item.UID(), "@id": item.absolute_url()}


def _update(accepted, msg, data, settings):
    sender = msg.from_.organ_id
    document_id = edxml.business_target(msg)
    item = _received_item(document_id, sender, "update")
    if getattr(item, "exchange_state", "") == REVOKED:
        raise SiteRefusal(DOCUMENT_REVOKED, f"TraceHeaderList/Bussiness/DocumentId {document_id!r}: the document "
                                            "was revoked; the update changes nothing")
    kind, fields, files = messages.read_payload(msg)
    if kind != item.portal_type:
        raise SiteRefusal(WRONG_KIND, f"MessageHeader/DocumentType/Type: the update is a {kind}, the document "
                                      f"{document_id!r} is a {item.portal_type}; the update changes nothing")
    reason = msg.bussiness.bussiness_doc_reason
    reply = _reply(document_id, sender, AGREED, f"Đã cập nhật / updated: {reason}".strip(), settings)
    with api.env.adopt_roles(["Manager"]):
        for name, value in _content_fields(kind, msg, fields, sender).items():
            setattr(item, name, value)
        _set_files(item, kind, files)
        notify(ObjectModifiedEvent(item))
    item.exchange_version = getattr(item, "exchange_version", 1) + 1
    _record_evidence(item, data, accepted, edxml.UPDATE, current=True)
    entry = store.add_history(item, direction="received", document_id=document_id, event="updated",
                              description=f"version {item.exchange_version}: {reason} "
                                          f"{weakness_note(accepted)}".strip(), from_=sender)
    if accepted.weak:
        entry["weaknesses"] = list(accepted.verified.weaknesses)
    store.queue("status", document_id, [sender], reply, item_uid=item.UID(), status_code=AGREED)
    store.add_history(item, direction="sent", document_id=document_id, event="status", status_code=AGREED,
                      description="update applied", to=[sender])
    return {"kind": "update", "document_id": document_id, "uid": item.UID(), "@id": item.absolute_url(),
            "version": item.exchange_version}

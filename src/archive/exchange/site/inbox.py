"""Receiving: verify a message from the axis, register an edoc in the inbox folder or apply a
status message to the document it answers; idempotent, and all-or-nothing on refusal.

Received documents are registered as LegalDocuments in `/incoming` (an ArchiveFolder made
by `ensure_exchange_site`), named `arrival-<year>-<number>`, with a per-year arrival number
from the folder's own counter (archive.content.sequences: no global hot counter).
"""
import hashlib
from datetime import date

from persistent.mapping import PersistentMapping
from plone import api
from plone.dexterity.utils import createContentInContainer
from plone.namedfile.file import NamedBlobFile
from zope.annotation.interfaces import IAnnotations

from archive.content import sequences
from archive.content.vocabularies import LEGAL_DOCUMENT_TYPES
from archive.exchange import edxml
from archive.exchange.site import messages
from archive.exchange.site import store
from archive.security import agency_group_id

INBOX_ID = "incoming"
EVIDENCE = "archive.exchange.evidence"
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
                                     title="Văn bản đến / Incoming documents")
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
    return IAnnotations(item).get(EVIDENCE)


def receive(data, settings):
    """Verify and apply raw edXML bytes. Returns a dict describing what happened; raises
    RefusedMessage or SiteRefusal (before anything is written) when the message is refused."""
    digest = hashlib.sha256(data).hexdigest()
    done = store.processed(digest)
    if done is not None:
        return {**dict(done), "duplicate": True}
    accepted = messages.trust_store().verify(data, allow_sha1=settings.allow_sha1)
    msg = accepted.message
    if settings.organ_id not in edxml.receivers_of(msg):
        raise SiteRefusal(NOT_ADDRESSED, f"the message is addressed to {', '.join(edxml.receivers_of(msg))}, "
                                         f"this site is {settings.organ_id}")
    if isinstance(msg, edxml.StatusMessage):
        outcome = _apply_status(accepted, msg)
    else:
        outcome = _register(accepted, msg, data, settings)
    store.remember_processed(digest, outcome)
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
    description = msg.description
    if accepted.weak:
        description = f"{description} [signed with {accepted.algorithm}: weak algorithm accepted]".strip()
    store.add_history(item, direction="received", document_id=document_id, event="status",
                      status_code=msg.status_code, description=description, from_=sender)
    return {"kind": "status", "document_id": document_id, "status_code": msg.status_code, "uid": uid,
            "@id": item.absolute_url()}


def _register(accepted, msg, data, settings):
    document_id = edxml.document_id_of(msg)
    sender = msg.from_.organ_id
    if not document_id.startswith(f"{sender},"):
        raise SiteRefusal(DUPLICATE_OTHER_SENDER, f"DocumentId {document_id!r} does not start with the sender {sender}")
    known = store.received_entry(document_id)
    if known is not None:
        item = find(known["uid"])
        return {"kind": "edoc", "document_id": document_id, "uid": known["uid"], "duplicate": True,
                "@id": item.absolute_url() if item is not None else None}
    # Reply first: an unconfigured signer must fail the whole registration, not leave it silent.
    reply = messages.sign(messages.status_message(document_id, sender, settings.organ_id, "01",
                                                  "Đã đến / arrived"), settings)
    portal = api.portal.get()
    inbox = ensure_exchange_site(portal, settings.organ_id)
    today = date.today()
    number = sequences.next_number(inbox, f"arrival-{today.year}")
    vocabulary = {value for value, _ in LEGAL_DOCUMENT_TYPES}
    with api.env.adopt_roles(["Manager"]):
        item = createContentInContainer(
            inbox, "LegalDocument", checkConstraints=False, id=f"arrival-{today.year}-{number:06d}",
            title=msg.subject, number_notation=f"{msg.code.code_number}/{msg.code.code_notation}",
            document_type=msg.document_type.type if msg.document_type.type in vocabulary else None,
            issuing_body=msg.promulgation_info.place or (msg.from_.organ_name or sender),
            signer=msg.signer_info.full_name if msg.signer_info else "",
            issue_date=msg.promulgation_info.promulgation_date,
        )
        for attachment in msg.attachments:
            createContentInContainer(
                item, "ArchiveAttachment", checkConstraints=False, title=attachment.description or attachment.name,
                file=NamedBlobFile(attachment.data, contentType=attachment.content_type, filename=attachment.name))
        item.manage_setLocalRoles(agency_group_id(settings.organ_id, "exchange"), ["Owner"])
        item.reindexObjectSecurity()
    item.arrival_number = number
    item.arrival_code = f"{today.year}/{number:06d}"
    item.exchange_document_id = document_id
    item.exchange_sender = sender
    IAnnotations(item)[EVIDENCE] = PersistentMapping({
        "file": NamedBlobFile(data, contentType="application/xml", filename=f"edxml-{number:06d}.xml"),
        "sha256": hashlib.sha256(data).hexdigest(), "signer": accepted.signer_subject,
        "algorithm": accepted.algorithm, "weak": accepted.weak, "received": store.now_iso(),
        "signing_time": accepted.signing_time.isoformat(),
    })
    uid = item.UID()
    store.remember_received(document_id, uid, sender)
    store.add_history(item, direction="received", document_id=document_id, event="registered",
                      description=f"arrival number {item.arrival_code}", from_=sender)
    store.queue("status", document_id, [sender], reply, item_uid=uid, status_code="01")
    store.add_history(item, direction="sent", document_id=document_id, event="status", status_code="01",
                      description="arrived", to=[sender])
    return {"kind": "edoc", "document_id": document_id, "uid": uid, "@id": item.absolute_url(),
            "arrival_code": item.arrival_code}

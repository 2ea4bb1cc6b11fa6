"""Plone items to and from edXML: the edoc of a legal document, status messages, the trust store.

The mapping of a LegalDocument onto the edXML MessageHeader:
number_notation "15/2025/QĐ-UBND" -> Code (CodeNumber "15", CodeNotation "2025/QĐ-UBND");
issue_date -> PromulgationDate; issuing_body -> PromulgationInfo/Place; document_type ->
DocumentType/Type (our vocabulary token, kept as data) and TypeName (its title); title ->
Subject; signer -> SignerInfo/FullName; each ArchiveAttachment -> one Attachment with the
file's exact bytes, name and content type.
"""
from datetime import datetime

from plone import api
from Products.CMFCore.utils import getToolByName

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


def _type_name(token):
    from archive.content.vocabularies import LEGAL_DOCUMENT_TYPES

    for value, title in LEGAL_DOCUMENT_TYPES:
        if value == token:
            return getattr(title, "default", None) or str(title)
    return ""


def edoc_for(item, organ_id, receivers):
    """The unsigned EdocMessage of a legal document addressed to `receivers` (OrganIds)."""
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
    return signing.sign(edxml.to_bytes(edxml.build(msg)), key, cert)


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

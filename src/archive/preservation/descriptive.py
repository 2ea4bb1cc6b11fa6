"""Descriptive metadata of a package: Dublin Core carrying the Vietnamese file-level fields.

The fifteen DC elements hold what they can (identifier = file code, title, language,
subject = keywords, date = start/end, rights = access mode, format = document and page
counts); the fields of Circular 05/2025/TT-BNV that DC has no element for (maintenance
period, confidence level, paper-original code) are written in the archive's own
namespace beside them, so nothing of the file-level record is lost in transfer.
"""
from lxml import etree

DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
VN = "urn:archive:vn:tt05-2025"  # our namespace for the Circular's fields DC has no element for
NSMAP = {"dc": DC, "dcterms": DCTERMS, "vn": VN}


def _text(value):
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def dublin_core(metadata, label, objid):
    """The bytes of metadata/descriptive/dc.xml for an archival metadata dict."""
    root = etree.Element("metadata", nsmap=NSMAP)

    def add(ns, name, value, **attrs):
        text = _text(value)
        if text is not None:
            element = etree.SubElement(root, f"{{{ns}}}{name}", **attrs)
            element.text = text

    add(DC, "identifier", metadata.get("file_code"))
    add(DC, "identifier", objid)
    add(DC, "title", metadata.get("title") or label)
    add(DC, "creator", metadata.get("agency"))
    add(DC, "publisher", metadata.get("agency"))
    add(DC, "type", metadata.get("type"))
    add(DC, "language", metadata.get("language") or "vi")
    for keyword in metadata.get("keywords") or ():
        add(DC, "subject", keyword)
    add(DC, "description", metadata.get("description"))
    add(DCTERMS, "created", metadata.get("start_date"))
    add(DC, "date", metadata.get("start_date"))
    add(DC, "date", metadata.get("end_date"))
    add(DCTERMS, "accessRights", metadata.get("access_level"))
    add(DC, "rights", metadata.get("access_level"))
    if metadata.get("documents") is not None:
        add(DCTERMS, "extent", f"{metadata['documents']} documents")
    if metadata.get("pages") is not None:
        add(DCTERMS, "extent", f"{metadata['pages']} pages")
    add(VN, "fileCode", metadata.get("file_code"))
    add(VN, "maintenance", metadata.get("retention"))
    add(VN, "accessMode", metadata.get("access_level"))
    add(VN, "startDate", metadata.get("start_date"))
    add(VN, "endDate", metadata.get("end_date"))
    add(VN, "documentCount", metadata.get("documents"))
    add(VN, "pageCount", metadata.get("pages"))
    add(VN, "confidenceLevel", metadata.get("confidence"))
    add(VN, "paperCode", metadata.get("paper_code"))
    for number, document in enumerate(metadata.get("document_list") or (), start=1):
        item = etree.SubElement(root, f"{{{VN}}}document", ordinal=str(number))
        for key in ("code", "title", "type", "issued", "file"):
            text = _text(document.get(key))
            if text is not None:
                etree.SubElement(item, f"{{{VN}}}{key}").text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

"""Build, safely parse and structurally check edXML messages (QCVN 102:2016/BTTTT)."""

import binascii
import codecs
import contextlib
import contextvars
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pybase64
from lxml import etree

from .errors import BAD_BASE64, DTD_FORBIDDEN, MALFORMED, TOO_LARGE, ExchangeError

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
PREFIX = "edXML"
NSMAP = {PREFIX: NS}
DS_NS = "http://www.w3.org/2000/09/xmldsig#"

# edXML times carry no offset; senders write Vietnam local time (UTC+7, no DST).
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")

DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"

EDOC = "edoc"
STATUS = "status"

# Status codes of the reference; kept as strings because the leading zero matters on the wire.
STATUS_CODES = {
    "01": "arrived",
    "02": "refused",
    "03": "accepted and registered",
    "04": "assigned by a leader",
    "05": "being processed",
    "06": "finished",
    "13": "sender asks to take the document back",
    "15": "take-back / update agreed",
    "16": "take-back / update refused",
}

BUSSINESS_DOC_TYPES = {0: "new", 1: "revocation", 2: "update", 3: "replacement"}
NEW, REVOCATION, UPDATE, REPLACEMENT = 0, 1, 2, 3

# Agency code: dot-separated groups of digits and capital letters, at most 35 characters.
ORGAN_ID_RE = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)*$")
ORGAN_ID_MAX = 35
DOCUMENT_ID_RE = re.compile(r"^(?P<organ>[^,]+),(?P<date>\d{4}/\d{2}/\d{2}),(?P<number>[^/,]+)/(?P<notation>[^,]+)$")


# --------------------------------------------------------------------------- errors


class EdxmlError(ExchangeError):
    """The message is not acceptable edXML (reason code `malformed` unless a subclass says otherwise)."""

    reason_code = MALFORMED


class ValidationError(EdxmlError):
    """A structural rule failed; `element` names the offending element (path from edXML)."""

    def __init__(self, element, message):
        super().__init__(f"{element}: {message}", element=element)


class ForbiddenDTD(EdxmlError):
    reason_code = DTD_FORBIDDEN


class MessageTooLarge(EdxmlError):
    reason_code = TOO_LARGE


class BadBase64(EdxmlError):
    reason_code = BAD_BASE64


# --------------------------------------------------------------------------- limits


# libxml2's longest text node without huge_tree (XML_MAX_TEXT_LENGTH), which make_parser keeps off.
MAX_TEXT_BYTES = 10_000_000


@dataclass(frozen=True)
class Limits:
    """Size and length limits applied when parsing and validating.

    The attachment default stays below what a parser without huge_tree can hold: libxml2
    caps one text node at 10,000,000 characters, i.e. about 7.5 MB of decoded payload.
    """

    max_message_bytes: int = 32 * 1024 * 1024
    max_attachment_bytes: int = 7 * 1024 * 1024
    max_attachments: int = 200
    max_subject_chars: int = 500
    max_place_chars: int = 150
    # One implementation caps Content at 500 too; the rule is unconfirmed, so it is opt-in.
    max_content_chars: int | None = None


DEFAULT_LIMITS = Limits()


# --------------------------------------------------------------------------- model


@dataclass
class Organization:
    organ_id: str
    organ_name: str = ""
    organization_in_charge: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass
class Code:
    code_number: str = ""
    code_notation: str = ""


@dataclass
class PromulgationInfo:
    place: str = ""
    promulgation_date: date | None = None


@dataclass
class DocumentType:
    # Numeric values of Type are unconfirmed: kept as data (strings).
    type: str = ""
    type_detail: str = ""
    type_name: str = ""


@dataclass
class SignerInfo:
    competence: str = ""
    position: str = ""
    full_name: str = ""


@dataclass
class OtherInfo:
    # Priority and Direction values are unconfirmed: kept as strings.
    priority: str = ""
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: str = ""
    appendixes: list[str] = field(default_factory=list)


@dataclass
class ResponseFor:
    organ_id: str
    code: str = ""
    promulgation_date: date | None = None
    document_id: str = ""


@dataclass
class TraceHeader:
    organ_id: str
    # Sender's local time (edXML carries no offset; Vietnam is UTC+7).
    timestamp: datetime


@dataclass
class StaffInfo:
    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass
class Receiver:
    # Element names of ReceiverList are unconfirmed.
    receiver_type: str = ""
    organ_id: str = ""


@dataclass
class ReplacementInfo:
    # Element names of ReplacementInfoList are unconfirmed.
    document_id: str = ""
    organ_ids: list[str] = field(default_factory=list)


@dataclass
class Bussiness:
    bussiness_doc_type: int = 0
    bussiness_doc_reason: str = ""
    document_id: str = ""
    paper: str = ""
    staff_info: StaffInfo | None = None
    receiver_list: list[Receiver] = field(default_factory=list)
    replacement_info_list: list[ReplacementInfo] = field(default_factory=list)


@dataclass
class Attachment:
    name: str
    data: bytes
    content_type: str = "application/octet-stream"
    content_id: str = ""
    description: str = ""


@dataclass
class EdocMessage:
    from_: Organization
    to: list[Organization]
    code: Code
    promulgation_info: PromulgationInfo
    subject: str
    document_type: DocumentType = field(default_factory=DocumentType)
    content: str = ""
    signer_info: SignerInfo | None = None
    due_date: date | None = None
    other_info: OtherInfo | None = None
    steering_type: str = ""
    to_places: list[str] = field(default_factory=list)
    response_for: list[ResponseFor] = field(default_factory=list)
    trace_headers: list[TraceHeader] = field(default_factory=list)
    bussiness: Bussiness | None = None
    attachments: list[Attachment] = field(default_factory=list)
    # Empty means "derive from From/OrganId, PromulgationDate and Code" when building.
    document_id: str = ""

    message_type = EDOC


@dataclass
class StatusMessage:
    response_for: ResponseFor
    from_: Organization
    status_code: str
    timestamp: datetime
    description: str = ""
    staff_info: StaffInfo | None = None

    message_type = STATUS


# --------------------------------------------------------------------------- helpers


def make_document_id(organ_id, promulgation_date, number, notation):
    """`{OrganId},{yyyy/MM/dd},{number}/{notation}`."""
    return f"{organ_id},{format_date(promulgation_date)},{number}/{notation}"


def parse_document_id(document_id):
    """Split a DocumentId into (organ_id, date, number, notation); ValueError if it does not match."""
    m = DOCUMENT_ID_RE.match(document_id or "")
    if not m:
        raise ValueError(f"DocumentId {document_id!r} is not OrganId,yyyy/MM/dd,number/notation")
    return m["organ"], parse_date(m["date"]), m["number"], m["notation"]


def format_date(value):
    return value.strftime(DATE_FORMAT) if value else ""


def format_timestamp(value):
    return value.strftime(TIMESTAMP_FORMAT) if value else ""


# The wire formats want zero padding (strptime would take "2024/1/5"); the numbers are
# read from the match itself, which is also much quicker than strptime.
_DATE = re.compile(r"(\d{4})/(\d{2})/(\d{2})")
_TIMESTAMP = re.compile(r"(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})")


def parse_date(text):
    match = _DATE.fullmatch(text or "")
    if match is None:
        raise ValueError(f"{text!r} is not yyyy/MM/dd")
    return date(*map(int, match.groups()))  # ValueError for 2024/02/30, as strptime


def parse_timestamp(text):
    match = _TIMESTAMP.fullmatch(text or "")
    if match is None:
        raise ValueError(f"{text!r} is not yyyy/MM/dd HH:mm:ss")
    return datetime(*map(int, match.groups()))


def q(name):
    return f"{{{NS}}}{name}"


def _names(name):
    # Attachment parts are seen both namespaced and bare in the wild; accept both.
    return (q(name), name)


# While validate() or read_tree() runs: parent element -> {local name: [children in edXML's
# namespace or none, in document order]}. validate() asks each parent for a dozen names and
# one lxml iterchildren() with tags costs as much as reading all of a parent's children once.
# Per context (so per thread), and only for a tree that nothing changes meanwhile.
_CHILD_INDEX = contextvars.ContextVar("edxml_child_index", default=None)
_NS_PREFIX = f"{{{NS}}}"


@contextlib.contextmanager
def _child_index():
    """Index children (see _CHILD_INDEX) until the block ends; inside another such block, share its index."""
    if _CHILD_INDEX.get() is not None:
        yield
        return
    token = _CHILD_INDEX.set({})
    try:
        yield
    finally:
        _CHILD_INDEX.reset(token)


def _indexed_children(index, el):
    by_name = index.get(el)
    if by_name is None:
        by_name = index[el] = {}
        for c in el.iterchildren(etree.Element):
            tag = c.tag
            if tag.startswith(_NS_PREFIX):
                tag = tag[len(_NS_PREFIX):]
            elif tag.startswith("{"):
                continue
            by_name.setdefault(tag, []).append(c)
    return by_name


def children(el, name):
    """Child elements called `name`, in the edXML namespace or in none."""
    if el is None:
        return []
    index = _CHILD_INDEX.get()
    if index is not None:
        return list(_indexed_children(index, el).get(name, ()))
    return list(el.iterchildren(*_names(name)))


def child(el, name):
    found = children(el, name)
    return found[0] if found else None


def text_of(el, name):
    c = child(el, name)
    return (c.text or "").strip() if c is not None else ""


def local_name(el):
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


# --------------------------------------------------------------------------- safe parsing


def make_parser():
    """A hardened parser: no DTD loading, no entity resolution, no network, no huge trees.

    It keeps libxml2's table of xml:id attributes (collect_ids), though nothing here looks
    elements up by ID: only with it does libxml2 refuse a duplicate or malformed xml:id, as
    the parser of stock signxml does.
    """
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )


_parsers = threading.local()


def parser():
    """This thread's hardened parser (see make_parser).

    lxml parsers must not be shared between threads, but one thread may reuse its own: that
    keeps libxml2's parser context, which a new parser allocates on its first parse (about a
    tenth of parsing a 7 KB message).
    """
    try:
        return _parsers.parser
    except AttributeError:
        _parsers.parser = make_parser()
        return _parsers.parser


_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)
# The usual start: UTF-8 (declared or not; UTF-16 and UTF-32 without a byte order mark put NULs
# after the "<"), at most an XML declaration before the root element's start tag.
_PLAIN_START = re.compile(
    rb"""(?:<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1(?:\s+encoding\s*=\s*(["'])(?i:utf-8)\2)?"""
    rb"""(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*\?>)?[ \t\r\n]*<[^!?\x00]"""
)
# The encoding an XML declaration in an ASCII-compatible encoding names.
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
_UTF8_BOM = b"\xef\xbb\xbf"


# How XML documents in UTF-16 and UTF-32 begin (XML 1.0, appendix F), with a byte order mark
# or with "<" and NULs; Python's "utf-16" and "utf-32" read the mark.
_WIDE_STARTS = (
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"), (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"),
)


def _wide_encoding(head):
    """The UTF-16 or UTF-32 codec a document starting with `head` (4 bytes) is in, or None."""
    return next((codec for start, codec in _WIDE_STARTS if head.startswith(start)), None)


# Encodings read here. In the ASCII-compatible ones the prolog's markup is its ASCII bytes;
# UTF-16 and UTF-32 are recognised by their first bytes and decoded. libxml2 knows hundreds
# more, in some of which "<!" is other bytes: those are refused before it reads them.
_ASCII_COMPATIBLE = frozenset({
    "utf-8", "ascii", *(f"iso8859-{n}" for n in range(1, 17) if n != 12), *(f"cp125{n}" for n in range(9)),
})
_WIDE_CODECS = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})


def _prolog_text(data):
    """The bytes in which to read the prolog: `data` itself, or its UTF-16/32 decoded as UTF-8.

    Raises EdxmlError if the declaration names an encoding not read here, or names UTF-16 or
    UTF-32 for bytes that are not (libxml2 would switch to it after the declaration).
    """
    wide = _wide_encoding(data[:4])
    text = data if wide is None else data.decode(wide, "ignore").encode("utf-8")
    declared = _DECLARED_ENCODING.match(text, len(_UTF8_BOM) if text.startswith(_UTF8_BOM) else 0)
    if declared is not None:
        name = declared.group(1).decode("ascii")
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            codec = None
        if codec not in (_WIDE_CODECS if wide else _ASCII_COMPATIBLE):
            raise EdxmlError(f"not well-formed XML: encoding {name!r} is not read here "
                             "(UTF-8, UTF-16, UTF-32, ASCII, ISO-8859 or windows-125x)")
    return text


def _prolog_start(data):
    """The first bytes (as UTF-8) of the document's first item that is not white space, a PI
    or a comment: b"<" and a name for the usual start. Raises EdxmlError for an encoding
    not read here (_prolog_text)."""
    if _PLAIN_START.match(data):
        return b"<"
    text = _prolog_text(data)
    pos = len(_UTF8_BOM) if text.startswith(_UTF8_BOM) else 0
    while True:
        m = _PROLOG_ITEM.match(text, pos)
        if not m or m.end() == pos:
            return text[pos:pos + 16]
        pos = m.end()


def safe_fromstring(data, limits=DEFAULT_LIMITS):
    """Parse bytes into an element, refusing DTDs, entities and oversized input."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("edXML must be given as bytes")
    if len(data) > limits.max_message_bytes:
        raise MessageTooLarge(f"message is {len(data)} bytes, limit is {limits.max_message_bytes}")
    data = bytes(data)
    # libxml2 reads an internal DTD subset even when entities are not resolved (and may fail
    # on it with an amplification error), so a DOCTYPE is refused before the parser sees it.
    start = _prolog_start(data)
    if start.startswith(b"<!DOCTYPE"):
        raise ForbiddenDTD("DOCTYPE declarations are forbidden in edXML")
    # Where a document starts (after an escape sequence, say) is not for a parser to guess.
    if start and not start.startswith(b"<"):
        raise EdxmlError("not well-formed XML: the document does not begin with markup")
    try:
        root = etree.fromstring(data, parser=parser())
    except etree.XMLSyntaxError as exc:
        text = str(exc)
        if "Resource limit exceeded" in text or "huge" in text.lower():
            raise MessageTooLarge(f"parser resource limit exceeded: {text}") from None
        raise EdxmlError(f"not well-formed XML: {text}") from None
    docinfo = root.getroottree().docinfo
    # Any DOCTYPE is refused outright, even a harmless one: edXML never needs one.
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise ForbiddenDTD("DOCTYPE declarations are forbidden in edXML")
    for _ in root.iter(etree.Entity):
        raise ForbiddenDTD("entity references are forbidden in edXML")
    return root


_WHITESPACE = b" \t\r\n"


def _base64_fault(compact):
    """What is wrong with base64 that pybase64 refused, in CPython's words where it has them."""
    try:
        binascii.a2b_base64(compact, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        return str(exc)
    return "padding beyond the end of the data"


def decode_base64(text, *, element="Attachment/ContentTransferEncoded", max_bytes=None):
    """Strict base64: only the standard alphabet, correct padding; whitespace (line wrapping) ignored."""
    if max_bytes is None and text:
        try:  # the usual case, unwrapped: decoded as it is
            return pybase64.b64decode(text, validate=True)
        except ValueError:  # binascii.Error, or a str that is not ASCII: see below
            pass
    raw = text.encode("ascii", "replace") if isinstance(text, str) else bytes(text or b"")
    # Line wrapping removed (translate is much faster than a regex, and a search for each
    # whitespace byte much faster again when, as usual, there is none).
    compact = raw.translate(None, _WHITESPACE) if any(c in raw for c in _WHITESPACE) else raw
    if max_bytes is not None:  # refused before decoding, by the size the base64 decodes to if valid
        size = len(compact) * 3 // 4 - compact[-2:].count(b"=")
        if size > max_bytes:
            raise _attachment_too_large(element, size, max_bytes)
    if len(compact) % 4:
        raise BadBase64(f"{element}: malformed base64 (length not a multiple of 4)", element=element)
    try:
        # validate: only the alphabet, padding only at the end (SIMD, some 40 times CPython's speed).
        data = pybase64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise BadBase64(f"{element}: malformed base64: {_base64_fault(compact)}", element=element) from None
    if max_bytes is not None and len(data) > max_bytes:
        raise _attachment_too_large(element, len(data), max_bytes)
    return data


def _attachment_too_large(element, size, max_bytes):
    return MessageTooLarge(f"{element}: attachment is {size} bytes, limit is {max_bytes}", element=element)


# --------------------------------------------------------------------------- building


def _sub(parent, name, text=None):
    el = etree.SubElement(parent, q(name))
    if text is not None:
        el.text = str(text)
    return el


def _opt(parent, name, value):
    # Optional leaves are left out when empty so the message stays minimal.
    if value not in (None, "", []):
        _sub(parent, name, value)


def _build_org(parent, name, org):
    el = _sub(parent, name)
    _sub(el, "OrganId", org.organ_id)
    _opt(el, "OrganizationInCharge", org.organization_in_charge)
    _opt(el, "OrganName", org.organ_name)
    _opt(el, "OrganAdd", org.organ_add)
    _opt(el, "Email", org.email)
    _opt(el, "Telephone", org.telephone)
    _opt(el, "Fax", org.fax)
    _opt(el, "Website", org.website)
    return el


def _build_response_for(parent, rf):
    el = _sub(parent, "ResponseFor")
    _sub(el, "OrganId", rf.organ_id)
    _opt(el, "Code", rf.code)
    _opt(el, "PromulgationDate", format_date(rf.promulgation_date))
    _opt(el, "DocumentId", rf.document_id)
    return el


def _build_staff(parent, staff):
    el = _sub(parent, "StaffInfo")
    _opt(el, "Department", staff.department)
    _opt(el, "Staff", staff.staff)
    _opt(el, "Email", staff.email)
    _opt(el, "Mobile", staff.mobile)
    return el


def _envelope():
    root = etree.Element(q("edXML"), nsmap=NSMAP)
    envelope = _sub(root, "edXMLEnvelope")
    header = _sub(envelope, "edXMLHeader")
    return root, envelope, header


def document_id_of(msg):
    if msg.document_id:
        return msg.document_id
    return make_document_id(
        msg.from_.organ_id, msg.promulgation_info.promulgation_date, msg.code.code_number, msg.code.code_notation
    )


def build_edoc(msg, *, now=None):
    """Build the edXML tree of an edoc message.

    If no TraceHeader of the sender is given, one stamped `now` (default: current Vietnam
    time, naive) is added, because receivers take the signing time from it.
    """
    root, envelope, header = _envelope()
    mh = _sub(header, "MessageHeader")
    _build_org(mh, "From", msg.from_)
    for org in msg.to:
        _build_org(mh, "To", org)
    _sub(mh, "DocumentId", document_id_of(msg))
    code = _sub(mh, "Code")
    _sub(code, "CodeNumber", msg.code.code_number)
    _sub(code, "CodeNotation", msg.code.code_notation)
    pi = _sub(mh, "PromulgationInfo")
    _sub(pi, "Place", msg.promulgation_info.place)
    _sub(pi, "PromulgationDate", format_date(msg.promulgation_info.promulgation_date))
    dt = _sub(mh, "DocumentType")
    _sub(dt, "Type", msg.document_type.type)
    _opt(dt, "TypeDetail", msg.document_type.type_detail)
    _opt(dt, "TypeName", msg.document_type.type_name)
    _sub(mh, "Subject", msg.subject)
    _opt(mh, "Content", msg.content)
    if msg.signer_info is not None:
        si = _sub(mh, "SignerInfo")
        _opt(si, "Competence", msg.signer_info.competence)
        _opt(si, "Position", msg.signer_info.position)
        _opt(si, "FullName", msg.signer_info.full_name)
    _opt(mh, "DueDate", format_date(msg.due_date))
    if msg.other_info is not None:
        oi = _sub(mh, "OtherInfo")
        o = msg.other_info
        _opt(oi, "Priority", o.priority)
        _opt(oi, "SphereOfPromulgation", o.sphere_of_promulgation)
        _opt(oi, "TyperNotation", o.typer_notation)
        _opt(oi, "PromulgationAmount", o.promulgation_amount)
        _opt(oi, "PageAmount", o.page_amount)
        _opt(oi, "Direction", o.direction)
        if o.appendixes:
            apps = _sub(oi, "Appendixes")
            for a in o.appendixes:
                _sub(apps, "Appendix", a)
    _opt(mh, "SteeringType", msg.steering_type)
    if msg.to_places:
        tp = _sub(mh, "ToPlaces")
        for p in msg.to_places:
            _sub(tp, "Place", p)
    for rf in msg.response_for:
        _build_response_for(mh, rf)

    thl = _sub(header, "TraceHeaderList")
    traces = list(msg.trace_headers)
    if not any(t.organ_id == msg.from_.organ_id for t in traces):
        now = now or datetime.now(VIETNAM_TZ).replace(tzinfo=None)
        traces.append(TraceHeader(msg.from_.organ_id, now.replace(microsecond=0)))
    for t in traces:
        th = _sub(thl, "TraceHeader")
        _sub(th, "OrganId", t.organ_id)
        _sub(th, "Timestamp", format_timestamp(t.timestamp))
    b = msg.bussiness or Bussiness(document_id=document_id_of(msg))
    bu = _sub(thl, "Bussiness")
    _opt(bu, "DocumentId", b.document_id)
    _sub(bu, "BussinessDocType", b.bussiness_doc_type)
    _opt(bu, "BussinessDocReason", b.bussiness_doc_reason)
    _opt(bu, "Paper", b.paper)
    if b.staff_info is not None:
        _build_staff(bu, b.staff_info)
    if b.receiver_list:
        rl = _sub(bu, "ReceiverList")
        for r in b.receiver_list:
            re_ = _sub(rl, "Receiver")
            _opt(re_, "ReceiverType", r.receiver_type)
            _sub(re_, "OrganId", r.organ_id)
    if b.replacement_info_list:
        ril = _sub(bu, "ReplacementInfoList")
        for ri in b.replacement_info_list:
            r_el = _sub(ril, "ReplacementInfo")
            _sub(r_el, "DocumentId", ri.document_id)
            oil = _sub(r_el, "OrganIdList")
            for oid in ri.organ_ids:
                _sub(oil, "OrganId", oid)

    body = _sub(envelope, "edXMLBody")
    manifest = _sub(body, "edXMLManifest")
    manifest.set("version", "1.0")
    encoded = _sub(root, "AttachmentEncoded")
    for n, att in enumerate(msg.attachments, 1):
        cid = att.content_id or f"cid:attachment-{n}"
        ref = _sub(manifest, "Reference")
        _sub(ref, "ContentId", cid)
        _sub(ref, "ContentType", att.content_type)
        _opt(ref, "Description", att.description)
        _sub(ref, "AttachmentName", att.name)
        a = _sub(encoded, "Attachment")
        _sub(a, "ContentId", cid)
        _sub(a, "AttachmentName", att.name)
        _sub(a, "ContentType", att.content_type)
        _sub(a, "ContentTransferEncoded", pybase64.b64encode_as_string(att.data))
    return root


def build_status(msg):
    """Build the edXML tree of a status message (edXMLHeader/Status)."""
    root, envelope, header = _envelope()
    st = _sub(header, "Status")
    _build_response_for(st, msg.response_for)
    _build_org(st, "From", msg.from_)
    _sub(st, "StatusCode", msg.status_code)
    _opt(st, "Description", msg.description)
    _sub(st, "Timestamp", format_timestamp(msg.timestamp))
    if msg.staff_info is not None:
        _build_staff(st, msg.staff_info)
    return root


def build(msg, **kw):
    return build_status(msg) if isinstance(msg, StatusMessage) else build_edoc(msg, **kw)


def to_bytes(root):
    """Serialize without reformatting (whitespace matters once a message is signed)."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --------------------------------------------------------------------------- validation


def message_type(root):
    """`edoc` or `status`, from the content of edXMLHeader."""
    header = child(child(root, "edXMLEnvelope"), "edXMLHeader")
    if child(header, "Status") is not None:
        return STATUS
    if child(header, "MessageHeader") is not None:
        return EDOC
    raise ValidationError("edXMLEnvelope/edXMLHeader", "neither MessageHeader nor Status found")


def _one(parent, name, path, required=True):
    found = children(parent, name)
    if len(found) > 1:
        raise ValidationError(f"{path}/{name}", f"appears {len(found)} times, expected once")
    if not found:
        if required:
            raise ValidationError(f"{path}/{name}", "missing")
        return None
    return found[0]


def _required_text(parent, name, path):
    el = _one(parent, name, path)
    value = (el.text or "").strip()
    if not value:
        raise ValidationError(f"{path}/{name}", "empty")
    return value


def _check_organ_id(value, path):
    if len(value) > ORGAN_ID_MAX or not ORGAN_ID_RE.match(value):
        raise ValidationError(path, f"{value!r} is not an agency code (dot-separated digits/capitals, <= 35 chars)")


def _check_org(el, path):
    organ_id = _required_text(el, "OrganId", path)
    _check_organ_id(organ_id, f"{path}/OrganId")
    return organ_id


def _check_date(parent, name, path, required=False):
    el = _one(parent, name, path, required=required)
    if el is None:
        return None
    try:
        return parse_date((el.text or "").strip())
    except ValueError as exc:
        raise ValidationError(f"{path}/{name}", str(exc)) from None


def _check_timestamp(parent, name, path):
    el = _one(parent, name, path)
    try:
        return parse_timestamp((el.text or "").strip())
    except ValueError as exc:
        raise ValidationError(f"{path}/{name}", str(exc)) from None


def _check_len(parent, name, path, limit):
    el = child(parent, name)
    if el is not None and limit is not None and len(el.text or "") > limit:
        raise ValidationError(f"{path}/{name}", f"{len(el.text)} characters, limit is {limit}")


def _check_int(parent, name, path):
    el = child(parent, name)
    if el is not None and not re.fullmatch(r"\d+", (el.text or "").strip()):
        raise ValidationError(f"{path}/{name}", f"{el.text!r} is not a non-negative integer")


def _check_response_for(el, path):
    _check_org(el, path)
    _check_date(el, "PromulgationDate", path)


def validate(root, limits=DEFAULT_LIMITS):
    """Structural check of an edXML tree; raises ValidationError naming the offending element.

    Checks structure and formats only; attachment base64 and sizes are checked when parsing.
    Returns the message type (`edoc` or `status`).
    """
    check_text_fields(root)
    with _child_index():
        return _validate(root, limits)


def check_text_fields(root):
    """Refuse mixed content: a comment or processing instruction inside a text field (an element
    without child elements, such as Subject or an attachment's base64), or beside text.

    Reading takes an element's first text only, while canonicalisation drops comments and joins
    the pieces: such a field would be shown as one value and signed (or read by a receiver) as
    another.
    """
    for node in root.iter(etree.Comment, etree.PI):
        parent = node.getparent()
        if parent is None:
            continue
        texts = [parent.text, *(c.tail for c in parent)]
        has_elements = next(parent.iterchildren(etree.Element), None) is not None
        if not has_elements or any(t and t.strip(" \t\r\n") for t in texts):
            path = "/".join(local_name(el) for el in (*reversed(list(parent.iterancestors())), parent))
            raise ValidationError(path, "mixed content: a comment or processing instruction inside a text field")


def _validate(root, limits):
    if root.tag != q("edXML"):
        raise ValidationError(local_name(root) or "root", f"root element must be {{{NS}}}edXML")
    envelope = _one(root, "edXMLEnvelope", "edXML")
    header = _one(envelope, "edXMLHeader", "edXMLEnvelope")
    path = "edXMLEnvelope/edXMLHeader"
    has_mh, has_st = child(header, "MessageHeader") is not None, child(header, "Status") is not None
    if has_mh and has_st:
        raise ValidationError(path, "holds both MessageHeader and Status")
    if has_st:
        _validate_status(_one(header, "Status", path), f"{path}/Status")
        return STATUS
    mh = _one(header, "MessageHeader", path)
    _validate_message_header(mh, f"{path}/MessageHeader", limits)
    thl = _one(header, "TraceHeaderList", path, required=False)
    if thl is not None:
        tpath = f"{path}/TraceHeaderList"
        for th in children(thl, "TraceHeader"):
            _check_org(th, f"{tpath}/TraceHeader")
            _check_timestamp(th, "Timestamp", f"{tpath}/TraceHeader")
        bu = _one(thl, "Bussiness", tpath, required=False)
        if bu is not None:
            _validate_bussiness(bu, f"{tpath}/Bussiness")
    _validate_attachments(root, envelope, limits)
    return EDOC


def _check_document_id(el, path):
    try:
        parse_document_id((el.text or "").strip())
    except ValueError as exc:
        raise ValidationError(path, str(exc)) from None


def _validate_bussiness(bu, path):
    """BussinessDocType 0-3; the DocumentIds it names parse; a replacement names what it replaces."""
    el = _one(bu, "BussinessDocType", path)
    kind = (el.text or "").strip()
    if kind not in {str(k) for k in BUSSINESS_DOC_TYPES}:
        raise ValidationError(f"{path}/BussinessDocType", f"{el.text!r} is not 0, 1, 2 or 3")
    doc_id = _one(bu, "DocumentId", path, required=False)
    if doc_id is not None:
        _check_document_id(doc_id, f"{path}/DocumentId")
    infos = children(child(bu, "ReplacementInfoList"), "ReplacementInfo")
    for info in infos:
        _check_document_id(_one(info, "DocumentId", f"{path}/ReplacementInfoList/ReplacementInfo"),
                           f"{path}/ReplacementInfoList/ReplacementInfo/DocumentId")
        for organ in children(child(info, "OrganIdList"), "OrganId"):
            _check_organ_id((organ.text or "").strip(), f"{path}/ReplacementInfoList/ReplacementInfo/OrganIdList/OrganId")
    if int(kind) == REPLACEMENT and not infos:
        raise ValidationError(f"{path}/ReplacementInfoList", "a replacement (BussinessDocType 3) must name the "
                                                              "document it replaces")


def _validate_message_header(mh, path, limits):
    _check_org(_one(mh, "From", path), f"{path}/From")
    tos = children(mh, "To")
    if not tos:
        raise ValidationError(f"{path}/To", "at least one receiver is required")
    for to in tos:
        _check_org(to, f"{path}/To")
    doc_id = child(mh, "DocumentId")
    if doc_id is not None and (doc_id.text or "").strip():
        try:
            parse_document_id(doc_id.text.strip())
        except ValueError as exc:
            raise ValidationError(f"{path}/DocumentId", str(exc)) from None
    pi = _one(mh, "PromulgationInfo", path)
    _check_date(pi, "PromulgationDate", f"{path}/PromulgationInfo", required=True)
    _check_len(pi, "Place", f"{path}/PromulgationInfo", limits.max_place_chars)
    subject = _required_text(mh, "Subject", path)
    if len(subject) > limits.max_subject_chars:
        raise ValidationError(f"{path}/Subject", f"{len(subject)} characters, limit is {limits.max_subject_chars}")
    _check_len(mh, "Content", path, limits.max_content_chars)
    _check_date(mh, "DueDate", path)
    oi = child(mh, "OtherInfo")
    if oi is not None:
        _check_int(oi, "PromulgationAmount", f"{path}/OtherInfo")
        _check_int(oi, "PageAmount", f"{path}/OtherInfo")
    tp = child(mh, "ToPlaces")
    if tp is not None:
        for place in children(tp, "Place"):
            if len(place.text or "") > limits.max_place_chars:
                raise ValidationError(f"{path}/ToPlaces/Place", f"longer than {limits.max_place_chars} characters")
    for rf in children(mh, "ResponseFor"):
        _check_response_for(rf, f"{path}/ResponseFor")


def _validate_status(st, path):
    _check_response_for(_one(st, "ResponseFor", path), f"{path}/ResponseFor")
    _check_org(_one(st, "From", path), f"{path}/From")
    code = _required_text(st, "StatusCode", path)
    if code not in STATUS_CODES:
        raise ValidationError(f"{path}/StatusCode", f"{code!r} is not one of {', '.join(STATUS_CODES)}")
    _check_timestamp(st, "Timestamp", path)


def _validate_attachments(root, envelope, limits):
    body = _one(envelope, "edXMLBody", "edXMLEnvelope", required=False)
    manifest = _one(body, "edXMLManifest", "edXMLEnvelope/edXMLBody", required=False) if body is not None else None
    refs = children(manifest, "Reference")
    encoded = _one(root, "AttachmentEncoded", "edXML", required=False)
    atts = children(encoded, "Attachment")
    if len(atts) > limits.max_attachments:
        raise MessageTooLarge(f"AttachmentEncoded: {len(atts)} attachments, limit is {limits.max_attachments}")
    ref_ids = []
    for ref in refs:
        ref_ids.append(_required_text(ref, "ContentId", "edXMLManifest/Reference"))
    att_ids = []
    for att in atts:
        att_ids.append(_required_text(att, "ContentId", "AttachmentEncoded/Attachment"))
        _one(att, "ContentTransferEncoded", "AttachmentEncoded/Attachment")
    for ids, where in ((ref_ids, "edXMLManifest/Reference"), (att_ids, "AttachmentEncoded/Attachment")):
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValidationError(f"{where}/ContentId", f"duplicate ContentId {sorted(dup)[0]!r}")
    missing = [i for i in ref_ids if i not in att_ids]
    if missing:
        raise ValidationError(
            "AttachmentEncoded/Attachment", f"attachment {missing[0]!r} is listed in edXMLManifest but missing"
        )
    # An attachment the manifest does not list would travel unseen by the clerk: refuse it.
    extra = [i for i in att_ids if i not in ref_ids]
    if extra:
        raise ValidationError("edXMLManifest/Reference", f"attachment {extra[0]!r} is not listed in edXMLManifest")


# --------------------------------------------------------------------------- reading


def _org(el):
    return Organization(
        organ_id=text_of(el, "OrganId"),
        organ_name=text_of(el, "OrganName"),
        organization_in_charge=text_of(el, "OrganizationInCharge"),
        organ_add=text_of(el, "OrganAdd"),
        email=text_of(el, "Email"),
        telephone=text_of(el, "Telephone"),
        fax=text_of(el, "Fax"),
        website=text_of(el, "Website"),
    )


def _opt_date(el, name):
    t = text_of(el, name)
    return parse_date(t) if t else None


def _opt_int(el, name):
    t = text_of(el, name)
    return int(t) if t else None


def _response_for(el):
    return ResponseFor(
        organ_id=text_of(el, "OrganId"),
        code=text_of(el, "Code"),
        promulgation_date=_opt_date(el, "PromulgationDate"),
        document_id=text_of(el, "DocumentId"),
    )


def _staff(el):
    if el is None:
        return None
    return StaffInfo(
        department=text_of(el, "Department"),
        staff=text_of(el, "Staff"),
        email=text_of(el, "Email"),
        mobile=text_of(el, "Mobile"),
    )


def read_attachments(root, limits=DEFAULT_LIMITS, *, decode=True):
    """Attachments in manifest order, with payloads strictly base64-decoded."""
    manifest = child(child(child(root, "edXMLEnvelope"), "edXMLBody"), "edXMLManifest")
    by_cid = {text_of(a, "ContentId"): a for a in children(child(root, "AttachmentEncoded"), "Attachment")}
    result = []
    for ref in children(manifest, "Reference"):
        cid = text_of(ref, "ContentId")
        att = by_cid[cid]
        enc = child(att, "ContentTransferEncoded")
        data = b""
        if decode:
            data = decode_base64(enc.text or "", element=f"AttachmentEncoded/Attachment[{cid}]/ContentTransferEncoded",
                                 max_bytes=limits.max_attachment_bytes)
        result.append(
            Attachment(
                name=text_of(ref, "AttachmentName") or text_of(att, "AttachmentName"),
                data=data,
                content_type=text_of(ref, "ContentType") or text_of(att, "ContentType"),
                content_id=cid,
                description=text_of(ref, "Description"),
            )
        )
    return result


def read_tree(root, limits=DEFAULT_LIMITS, *, decode_attachments=True):
    """Validate a parsed tree and turn it into an EdocMessage or StatusMessage."""
    with _child_index():  # reading asks for the children validate() has already indexed
        return _read_tree(root, limits, decode_attachments)


def _read_tree(root, limits, decode_attachments):
    kind = validate(root, limits)
    header = child(child(root, "edXMLEnvelope"), "edXMLHeader")
    if kind == STATUS:
        st = child(header, "Status")
        return StatusMessage(
            response_for=_response_for(child(st, "ResponseFor")),
            from_=_org(child(st, "From")),
            status_code=text_of(st, "StatusCode"),
            timestamp=parse_timestamp(text_of(st, "Timestamp")),
            description=text_of(st, "Description"),
            staff_info=_staff(child(st, "StaffInfo")),
        )
    mh = child(header, "MessageHeader")
    code_el, pi_el, dt_el = child(mh, "Code"), child(mh, "PromulgationInfo"), child(mh, "DocumentType")
    si_el, oi_el, tp_el = child(mh, "SignerInfo"), child(mh, "OtherInfo"), child(mh, "ToPlaces")
    other = None
    if oi_el is not None:
        other = OtherInfo(
            priority=text_of(oi_el, "Priority"),
            sphere_of_promulgation=text_of(oi_el, "SphereOfPromulgation"),
            typer_notation=text_of(oi_el, "TyperNotation"),
            promulgation_amount=_opt_int(oi_el, "PromulgationAmount"),
            page_amount=_opt_int(oi_el, "PageAmount"),
            direction=text_of(oi_el, "Direction"),
            appendixes=[(a.text or "").strip() for a in children(child(oi_el, "Appendixes"), "Appendix")],
        )
    thl = child(header, "TraceHeaderList")
    traces = [
        TraceHeader(text_of(th, "OrganId"), parse_timestamp(text_of(th, "Timestamp")))
        for th in children(thl, "TraceHeader")
    ]
    bussiness = None
    bu = child(thl, "Bussiness")
    if bu is not None:
        bussiness = Bussiness(
            bussiness_doc_type=int(text_of(bu, "BussinessDocType")),
            bussiness_doc_reason=text_of(bu, "BussinessDocReason"),
            document_id=text_of(bu, "DocumentId"),
            paper=text_of(bu, "Paper"),
            staff_info=_staff(child(bu, "StaffInfo")),
            receiver_list=[
                Receiver(text_of(r, "ReceiverType"), text_of(r, "OrganId"))
                for r in children(child(bu, "ReceiverList"), "Receiver")
            ],
            replacement_info_list=[
                ReplacementInfo(
                    text_of(r, "DocumentId"),
                    [(o.text or "").strip() for o in children(child(r, "OrganIdList"), "OrganId")],
                )
                for r in children(child(bu, "ReplacementInfoList"), "ReplacementInfo")
            ],
        )
    return EdocMessage(
        from_=_org(child(mh, "From")),
        to=[_org(t) for t in children(mh, "To")],
        code=Code(text_of(code_el, "CodeNumber"), text_of(code_el, "CodeNotation")),
        promulgation_info=PromulgationInfo(text_of(pi_el, "Place"), _opt_date(pi_el, "PromulgationDate")),
        subject=text_of(mh, "Subject"),
        document_type=DocumentType(
            text_of(dt_el, "Type"), text_of(dt_el, "TypeDetail"), text_of(dt_el, "TypeName")
        ),
        content=text_of(mh, "Content"),
        signer_info=(
            SignerInfo(text_of(si_el, "Competence"), text_of(si_el, "Position"), text_of(si_el, "FullName"))
            if si_el is not None
            else None
        ),
        due_date=_opt_date(mh, "DueDate"),
        other_info=other,
        steering_type=text_of(mh, "SteeringType"),
        to_places=[(p.text or "").strip() for p in children(tp_el, "Place")],
        response_for=[_response_for(rf) for rf in children(mh, "ResponseFor")],
        trace_headers=traces,
        bussiness=bussiness,
        attachments=read_attachments(root, limits, decode=decode_attachments),
        document_id=text_of(mh, "DocumentId"),
    )


def parse(data, limits=DEFAULT_LIMITS):
    """Safely parse edXML bytes and return the message model (no signature check: see signing/trust)."""
    return read_tree(safe_fromstring(data, limits), limits)


def sender_of(msg):
    """OrganId of the sending agency."""
    return msg.from_.organ_id


def receivers_of(msg):
    """OrganIds a message is routed to: To/OrganId for edocs, ResponseFor/OrganId for statuses."""
    if isinstance(msg, StatusMessage):
        return [msg.response_for.organ_id]
    return [t.organ_id for t in msg.to]


def business_type(msg):
    """BussinessDocType of an edoc: 0 new (also when there is no Bussiness), 1 revocation, 2 update, 3 replacement."""
    return msg.bussiness.bussiness_doc_type if msg.bussiness is not None else NEW


def business_target(msg):
    """The DocumentId a revocation or update applies to: Bussiness/DocumentId, else the message's own."""
    return (msg.bussiness.document_id if msg.bussiness is not None else "") or document_id_of(msg)


def replaced_ids(msg, organ_id=None):
    """DocumentIds a replacement replaces (for `organ_id`: entries with no OrganIdList apply to every receiver)."""
    if msg.bussiness is None:
        return []
    return [r.document_id for r in msg.bussiness.replacement_info_list
            if organ_id is None or not r.organ_ids or organ_id in r.organ_ids]

"""edXML model: build/parse round trips, structural validation, hardened parsing."""

import base64
import time
from datetime import date, datetime

import pytest
from exchange_helpers import H41, H49, sample_edoc
from lxml import etree

from archive.exchange import edxml
from archive.exchange.edxml import (
    Attachment,
    BadBase64,
    ForbiddenDTD,
    Limits,
    MessageTooLarge,
    ValidationError,
)


def build_bytes(msg, **kw):
    return edxml.to_bytes(edxml.build(msg, **kw))


def full_message():
    return sample_edoc(
        attachments=[
            Attachment("quyet-dinh.pdf", b"%PDF-1.7 " + bytes(range(256)) * 40, "application/pdf", description="QĐ"),
            Attachment("phu-luc.docx", b"PK\x03\x04 appendix", "application/vnd.openxmlformats-officedocument"),
            Attachment("empty.txt", b"", "text/plain", content_id="cid:empty"),
        ],
        trace_time=datetime(2025, 3, 4, 9, 30, 0),
        due_date=date(2025, 4, 30),
        other_info=edxml.OtherInfo("1", "Toàn tỉnh", "TN", 10, 3, "0", ["Phụ lục I", "Phụ lục II"]),
        steering_type="0",
        to_places=["Sở Nội vụ", "Sở Tài chính"],
        response_for=[edxml.ResponseFor(H49, "12/CV-UBND", date(2025, 2, 1), "000.00.00.H49,2025/02/01,12/CV-UBND")],
        bussiness=edxml.Bussiness(
            bussiness_doc_type=2,
            bussiness_doc_reason="Cập nhật phụ lục",
            document_id="000.00.00.H41,2025/03/04,45/QĐ-UBND",
            paper="1",
            staff_info=edxml.StaffInfo("Văn phòng", "Trần Thị B", "b@nghean.gov.vn", "0912345678"),
            receiver_list=[edxml.Receiver("1", H49)],
            replacement_info_list=[edxml.ReplacementInfo("000.00.00.H41,2025/01/02,1/QĐ-UBND", [H49])],
        ),
        promulgation_date=date(2025, 3, 4),
    )


def test_edoc_round_trip_with_attachments():
    msg = full_message()
    parsed = edxml.parse(build_bytes(msg))
    assert parsed.document_id == "000.00.00.H41,2025/03/04,45/QĐ-UBND"
    assert [a.content_id for a in parsed.attachments] == ["cid:attachment-1", "cid:attachment-2", "cid:empty"]
    # Everything else comes back exactly as built.
    msg.document_id = parsed.document_id
    for a, cid in zip(msg.attachments, ["cid:attachment-1", "cid:attachment-2", "cid:empty"]):
        a.content_id = cid
    assert parsed == msg
    assert edxml.sender_of(parsed) == H41 and edxml.receivers_of(parsed) == [H49]


def test_build_layout_follows_the_reference():
    root = edxml.build_edoc(full_message())
    ns = {"e": edxml.NS}
    assert root.tag == f"{{{edxml.NS}}}edXML" and root.prefix == "edXML"
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", ns)
    assert [edxml.local_name(c) for c in header] == ["MessageHeader", "TraceHeaderList"]
    assert root.find("e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest", ns).get("version") == "1.0"
    assert len(root.findall("e:AttachmentEncoded/e:Attachment", ns)) == 3
    assert root.findtext("e:edXMLEnvelope/e:edXMLHeader/e:TraceHeaderList/e:TraceHeader/e:Timestamp", namespaces=ns) == (
        "2025/03/04 09:30:00"
    )
    assert root.findtext(".//e:Bussiness/e:BussinessDocType", namespaces=ns) == "2"
    assert root.findtext(".//e:PromulgationInfo/e:PromulgationDate", namespaces=ns) == "2025/03/04"


def test_builder_stamps_sender_trace_header():
    msg = sample_edoc()
    assert msg.trace_headers == []
    parsed = edxml.parse(build_bytes(msg, now=datetime(2025, 1, 2, 3, 4, 5)))
    assert parsed.trace_headers == [edxml.TraceHeader(H41, datetime(2025, 1, 2, 3, 4, 5))]


def test_status_round_trip_and_codes():
    for code in edxml.STATUS_CODES:
        st = edxml.StatusMessage(
            response_for=edxml.ResponseFor(H41, "45/QĐ-UBND", date(2025, 3, 4), "000.00.00.H41,2025/03/04,45/QĐ-UBND"),
            from_=edxml.Organization(H49, "UBND tỉnh Quảng Ninh"),
            status_code=code,
            timestamp=datetime(2025, 3, 4, 10, 0, 0),
            description="Đã tiếp nhận",
            staff_info=edxml.StaffInfo("Văn thư", "Lê C"),
        )
        data = build_bytes(st)
        parsed = edxml.parse(data)
        assert parsed == st
        assert edxml.receivers_of(parsed) == [H41]
        assert edxml.message_type(edxml.safe_fromstring(data)) == "status"


def test_bad_status_code_is_named():
    st = edxml.StatusMessage(edxml.ResponseFor(H41), edxml.Organization(H49), "07", datetime(2025, 1, 1))
    with pytest.raises(ValidationError) as exc:
        edxml.parse(build_bytes(st))
    assert exc.value.element.endswith("Status/StatusCode")
    assert exc.value.reason_code == "malformed"


def _mutate(xpath, fn, msg=None):
    root = edxml.build_edoc(msg or sample_edoc())
    for el in root.xpath(xpath, namespaces={"e": edxml.NS}):
        fn(el)
    return root


@pytest.mark.parametrize(
    "xpath, fn, element",
    [
        ("//e:MessageHeader/e:From/e:OrganId", lambda el: el.getparent().remove(el), "MessageHeader/From/OrganId"),
        ("//e:MessageHeader/e:From/e:OrganId", lambda el: setattr(el, "text", " "), "MessageHeader/From/OrganId"),
        ("//e:MessageHeader/e:From/e:OrganId", lambda el: setattr(el, "text", "h41"), "MessageHeader/From/OrganId"),
        ("//e:MessageHeader/e:From", lambda el: el.getparent().remove(el), "MessageHeader/From"),
        ("//e:MessageHeader/e:To", lambda el: el.getparent().remove(el), "MessageHeader/To"),
        ("//e:PromulgationDate", lambda el: setattr(el, "text", "2025-03-04"), "PromulgationInfo/PromulgationDate"),
        ("//e:PromulgationDate", lambda el: setattr(el, "text", "2025/02/30"), "PromulgationInfo/PromulgationDate"),
        ("//e:Subject", lambda el: setattr(el, "text", "x" * 501), "MessageHeader/Subject"),
        ("//e:Subject", lambda el: el.getparent().remove(el), "MessageHeader/Subject"),
        ("//e:DocumentId[parent::e:MessageHeader]", lambda el: setattr(el, "text", "45/QĐ"), "MessageHeader/DocumentId"),
        ("//e:TraceHeader/e:Timestamp", lambda el: setattr(el, "text", "2025/03/04T09:30"), "TraceHeader/Timestamp"),
        ("//e:BussinessDocType", lambda el: setattr(el, "text", "4"), "Bussiness/BussinessDocType"),
        ("//e:AttachmentEncoded/e:Attachment", lambda el: el.getparent().remove(el), "AttachmentEncoded/Attachment"),
        ("//e:edXMLManifest/e:Reference", lambda el: el.getparent().remove(el), "edXMLManifest/Reference"),
        ("//e:AttachmentEncoded/e:Attachment/e:ContentTransferEncoded", lambda el: el.getparent().remove(el),
         "Attachment/ContentTransferEncoded"),
    ],
)
def test_validate_names_the_offending_element(xpath, fn, element):
    root = _mutate(xpath, fn)
    with pytest.raises(ValidationError) as exc:
        edxml.validate(root)
    assert element in exc.value.element, exc.value
    assert element in str(exc.value)


def test_subject_of_exactly_500_characters_is_fine():
    edxml.validate(edxml.build_edoc(sample_edoc(subject="ả" * 500)))


def test_missing_attachment_message():
    root = _mutate("//e:AttachmentEncoded/e:Attachment", lambda el: el.getparent().remove(el))
    with pytest.raises(ValidationError, match="cid:attachment-1.*listed in edXMLManifest but missing"):
        edxml.validate(root)


def test_bare_attachment_elements_are_accepted():
    # Seen in the wild: AttachmentEncoded children without the edXML namespace.
    data = build_bytes(sample_edoc(attachments=[Attachment("a.txt", b"hello", "text/plain")]))
    data = (
        data.replace(b"edXML:AttachmentEncoded", b"AttachmentEncoded")
        .replace(b"<edXML:Attachment>", b"<Attachment>")
        .replace(b"</edXML:Attachment>", b"</Attachment>")
    )
    assert edxml.parse(data).attachments[0].data == b"hello"


def test_document_id_helpers():
    did = edxml.make_document_id(H41, date(2025, 3, 4), "45", "QĐ-UBND")
    assert did == "000.00.00.H41,2025/03/04,45/QĐ-UBND"
    assert edxml.parse_document_id(did) == (H41, date(2025, 3, 4), "45", "QĐ-UBND")
    with pytest.raises(ValueError):
        edxml.parse_document_id("000.00.01.H01,2018,10")


# ----------------------------------------------------------------- hardened parsing

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML:edXML xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLEnvelope><edXML:edXMLHeader>
<edXML:MessageHeader><edXML:Subject>&xxe;</edXML:Subject></edXML:MessageHeader>
</edXML:edXMLHeader></edXML:edXMLEnvelope></edXML:edXML>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<edXML:edXML xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:Subject>&lol9;</edXML:Subject></edXML:edXML>"""


@pytest.mark.parametrize(
    "doc",
    [
        XXE,
        LAUGHS,
        b'<?xml version="1.0"?><!DOCTYPE edXML><edXML:edXML xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>',
        b'<!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/evil.dtd"><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>',
        b'<!DOCTYPE edXML PUBLIC "-//X//Y" "file:///etc/passwd"><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>',
    ],
    ids=["xxe", "billion-laughs", "plain-doctype", "external-dtd", "public-dtd"],
)
def test_any_dtd_is_forbidden(doc):
    start = time.process_time()
    with pytest.raises(ForbiddenDTD) as exc:
        edxml.parse(doc)
    assert exc.value.reason_code == "dtd_forbidden"
    assert time.process_time() - start < 3.0  # no entity expansion
    assert "root:" not in str(exc.value)  # nothing of /etc/passwd leaks into the error


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_dtd_in_utf16_or_utf32_is_forbidden(encoding):
    # With or without a byte order mark: the "<!" is then not those two bytes.
    doc = LAUGHS.decode().replace("<?xml version=\"1.0\"?>", "").lstrip()
    with pytest.raises(ForbiddenDTD):
        edxml.parse(f"<?xml version='1.0' encoding='{encoding.upper()}'?>{doc}".encode(encoding))


_LAUGHS_DOC = LAUGHS.decode().replace('<?xml version="1.0"?>', "").lstrip()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-8"])
def test_a_dtd_is_found_however_long_the_prolog(encoding):
    data = f"<?xml version='1.0' encoding='{encoding.upper()}'?><!--{'x' * 70_000}-->{_LAUGHS_DOC}".encode(encoding)
    with pytest.raises(ForbiddenDTD):
        edxml.parse(data)


_NOT_READ = {
    # "<!" written otherwise: the parser would read the DTD.
    "utf-7": b"<?xml version='1.0' encoding='UTF-7'?>+ADwAIQ-" + _LAUGHS_DOC[2:].encode(),
    "utf-7-bang": b"<?xml version='1.0' encoding='UTF-7'?><+ACE-" + _LAUGHS_DOC[2:].encode(),
    "iso-2022-jp": b"<?xml version='1.0' encoding='ISO-2022-JP'?>\x1b(B" + _LAUGHS_DOC.encode(),
    "java": b"<?xml version='1.0' encoding='JAVA'?><\\u0021" + _LAUGHS_DOC[2:].encode(),
    # A declaration in ASCII naming UTF-16: the parser switches to it after the declaration.
    "declared-utf-16le": b"<?xml version='1.0' encoding='UTF-16LE'" + ("?>" + _LAUGHS_DOC).encode("utf-16-le"),
    "ucs-2": b"<?xml version='1.0' encoding='UCS-2'" + ("?>" + _LAUGHS_DOC).encode("utf-16-be"),
    "ebcdic": b"<?xml version='1.0' encoding='IBM037'" + ("?>" + _LAUGHS_DOC).encode("cp037"),
    # Names of Python codecs that are not text encodings, or decode slowly.
    "base64": f"<?xml version='1.0' encoding='base64'?><edXML:edXML xmlns:edXML='{edxml.NS}'/>".encode(),
    "idna": f"<?xml version='1.0' encoding='idna'?><edXML:edXML xmlns:edXML='{edxml.NS}'/>".encode(),
    "punycode": b"<?xml version='1.0' encoding='punycode'?><r>" + b"a-" * 200_000 + b"</r>",
}


@pytest.mark.parametrize("name", sorted(_NOT_READ))
def test_an_encoding_not_read_here_is_refused_before_parsing(name):
    start = time.process_time()
    with pytest.raises(edxml.EdxmlError, match="is not read here") as exc:
        edxml.parse(_NOT_READ[name])
    assert exc.value.reason_code == "malformed"
    assert time.process_time() - start < 1.0  # refused, not decoded (Python's punycode is quadratic)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-32-be", "iso-8859-1", "windows-1258", "us-ascii"])
def test_a_message_in_an_encoding_read_here_is_read(encoding):
    text = build_bytes(sample_edoc()).decode("utf-8")
    text = text.replace("encoding='UTF-8'", f"encoding='{encoding.upper()}'").replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"')
    data = text.encode(encoding, "xmlcharrefreplace")
    assert edxml.parse(data).document_id == edxml.parse(build_bytes(sample_edoc())).document_id


def test_a_document_that_does_not_begin_with_markup_is_refused():
    with pytest.raises(edxml.EdxmlError, match="does not begin with markup"):
        edxml.parse(b"\x1b(B" + _LAUGHS_DOC.encode())


def test_dtd_inserted_into_a_real_message_is_forbidden():
    data = build_bytes(sample_edoc())
    data = data.replace(b"?>\n", b'?>\n<!DOCTYPE edXML [<!ENTITY x "y">]>\n', 1)
    with pytest.raises(ForbiddenDTD):
        edxml.parse(data)


def test_message_size_limit():
    data = build_bytes(sample_edoc())
    with pytest.raises(MessageTooLarge) as exc:
        edxml.parse(data, Limits(max_message_bytes=len(data) - 1))
    assert exc.value.reason_code == "too_large"
    edxml.parse(data, Limits(max_message_bytes=len(data)))


def test_attachment_size_limit():
    data = build_bytes(sample_edoc(attachments=[Attachment("big.bin", b"\0" * 5000)]))
    with pytest.raises(MessageTooLarge, match="limit is 4999"):
        edxml.parse(data, Limits(max_attachment_bytes=4999))
    assert len(edxml.parse(data, Limits(max_attachment_bytes=5000)).attachments[0].data) == 5000


def test_huge_text_node_is_too_large_not_a_crash():
    # Beyond libxml2's 10 MB text node cap (huge_tree off): refused as too large.
    blob = base64.b64encode(b"\0" * 7_600_000)
    data = build_bytes(sample_edoc(attachments=[Attachment("x.bin", b"")]))
    data = data.replace(b"<edXML:ContentTransferEncoded></edXML:ContentTransferEncoded>",
                        b"<edXML:ContentTransferEncoded>" + blob + b"</edXML:ContentTransferEncoded>")
    data = data.replace(b"<edXML:ContentTransferEncoded/>", b"<edXML:ContentTransferEncoded>" + blob + b"</edXML:ContentTransferEncoded>")
    assert len(blob) > 10_000_000
    with pytest.raises(MessageTooLarge):
        edxml.parse(data)


@pytest.mark.parametrize(
    "payload",
    ["aGVsbG8", "aGVs*G8=", "aGVsbG8=aGVs", "aG=sbG8=", "aGVsbG8==", "aGVsbG8-", "aGV_bG8=", "####", "aGVsbG8h===="],
)
def test_malformed_base64_is_refused(payload):
    data = build_bytes(sample_edoc(attachments=[Attachment("a.txt", b"hello")]))
    data = data.replace(base64.b64encode(b"hello"), payload.encode("latin-1"))
    with pytest.raises(BadBase64) as exc:
        edxml.parse(data)
    assert exc.value.reason_code == "bad_base64"
    assert "ContentTransferEncoded" in str(exc.value)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [("aGVs*G8=", "Only base64 data is allowed"), ("aG=sbG8=", "Discontinuous padding"),
     ("aGVsbG8h====", "padding beyond the end")],
)
def test_malformed_base64_says_what_is_wrong(payload, reason):
    data = build_bytes(sample_edoc(attachments=[Attachment("a.txt", b"hello")]))
    with pytest.raises(BadBase64, match=reason):
        edxml.parse(data.replace(base64.b64encode(b"hello"), payload.encode("latin-1")))


def test_wrapped_base64_lines_are_accepted():
    payload = bytes(range(256)) * 10
    data = build_bytes(sample_edoc(attachments=[Attachment("a.bin", payload)]))
    b64 = base64.b64encode(payload)
    wrapped = b"\r\n".join(b64[i : i + 76] for i in range(0, len(b64), 76))
    assert edxml.parse(data.replace(b64, wrapped)).attachments[0].data == payload


def test_not_xml_is_malformed():
    with pytest.raises(edxml.EdxmlError) as exc:
        edxml.parse(b"%PDF-1.7 not xml")
    assert exc.value.reason_code == "malformed"


def test_wrong_root_is_malformed():
    with pytest.raises(ValidationError):
        edxml.validate(etree.fromstring(b"<edXML/>"))


# --------------------------------------------------------------------------- revocation, update, replacement


def _business(kind, document_id="", replaces=()):
    return sample_edoc(bussiness=edxml.Bussiness(
        kind, "Lý do", document_id=document_id,
        replacement_info_list=[edxml.ReplacementInfo(r, [H49]) for r in replaces]))


OLD = f"{H41},2025/01/02,1/QĐ-UBND"


def test_business_messages_round_trip_and_name_their_targets():
    revocation = edxml.parse(build_bytes(_business(edxml.REVOCATION, OLD)))
    assert (edxml.business_type(revocation), edxml.business_target(revocation)) == (1, OLD)
    assert revocation.bussiness.bussiness_doc_reason == "Lý do"
    replacement = edxml.parse(build_bytes(_business(edxml.REPLACEMENT, replaces=[OLD])))
    assert edxml.business_type(replacement) == 3
    assert edxml.replaced_ids(replacement, H49) == [OLD] and edxml.replaced_ids(replacement, "000.00.00.H01") == []
    new = edxml.parse(build_bytes(sample_edoc()))
    assert edxml.business_type(new) == 0 and edxml.business_target(new) == new.document_id


@pytest.mark.parametrize(
    "msg, element",
    [
        (_business(edxml.REPLACEMENT), "Bussiness/ReplacementInfoList"),
        (_business(edxml.REVOCATION, "1/QĐ-UBND"), "Bussiness/DocumentId"),
        (_business(edxml.REPLACEMENT, replaces=["not a document id"]), "ReplacementInfo/DocumentId"),
    ],
)
def test_business_validation_names_the_element(msg, element):
    root = edxml.build_edoc(msg)
    with pytest.raises(ValidationError) as exc:
        edxml.validate(root)
    assert element in exc.value.element


def test_replacement_organ_ids_are_checked():
    root = edxml.build_edoc(_business(edxml.REPLACEMENT, replaces=[OLD]))
    for el in root.iter(edxml.q("OrganIdList")):
        el[0].text = "h49"
    with pytest.raises(ValidationError, match="OrganIdList/OrganId"):
        edxml.validate(root)

"""Long texts handled as bytes (archive.exchange.c14n) give exactly what libxml2 gives for the
whole document, and the whole document is used wherever that cannot be shown."""

import base64
import time

import pytest
from lxml import etree
from signxml.algorithms import CanonicalizationMethod
from signxml.processor import XMLSignatureProcessor

from archive.exchange import c14n

B64 = "QUJDRGVmZ2hpams0NTY3Kys/Lz0=" * 400  # 11,200 characters of base64 alphabet
LONG = "x" * (c14n.SPLICE_MIN_CHARS + 10)
EXCLUSIVE = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0


def _long_with(ch):
    return LONG[:3000] + ch + LONG[3000:]


def _document(xml, declaration="<?xml version='1.0' encoding='UTF-8'?>"):
    return (declaration + xml).encode("utf-8")


CASES = {name: _document(xml) for name, xml in {
    "base64": f"<r xmlns='urn:d'><a>{B64}</a><b>{B64}</b></r>",
    "wrapped base64": "<r><a>" + "\n".join(B64[i:i + 76] for i in range(0, len(B64), 76)) + "\t </a></r>",
    "non-ascii": f"<r><a>{'Nghệ An – Quảng Ninh ' * 300}</a></r>",
    "astral": f"<r><a>{'𠀀𝔘😀 ' * 1200}</a><b>{chr(0xE000) * 5000}</b></r>",
    "ampersand": f"<r><a>{_long_with('&amp;')}</a></r>",
    "less than": f"<r><a>{_long_with('&lt;')}</a></r>",
    "greater than": f"<r><a>{_long_with('&gt;')}</a></r>",
    "greater than raw": f"<r><a>{_long_with('>')}</a></r>",
    "carriage return": f"<r><a>{_long_with('&#13;')}</a></r>",
    "character reference": f"<r><a>{_long_with('&#65;')}</a></r>",
    "cdata": f"<r><a><![CDATA[{LONG}]]></a><b><![CDATA[{_long_with('<&>')}]]></b></r>",
    "cdata after the tag": f"<r><a><![CDATA[x]]>{LONG}</a></r>",
    "mixed content": f"<r><a>{LONG}<i/>{LONG}</a>{LONG}</r>",
    "comment inside": f"<r><a>{LONG}<!-- c -->{LONG}</a><!-- {LONG} --></r>",
    "pi inside": f"<r><a>{LONG}<?pi x?></a></r>",
    "attribute": f"<r a='{LONG}' b='{B64}'><a x='1' y='&#10;'>{LONG}</a></r>",
    "name in an attribute": f"<r><b k='a'>{B64}</b><b k='&lt;a>'>{B64}</b></r>",
    "name in a comment": f"<r><!-- <a>{B64} --><a>{B64}</a></r>",
    "name in a pi": f"<r><?a {B64}?><a>{B64}</a></r>",
    "name in cdata": f"<r><b><![CDATA[<a>{B64}]]></b></r>",
    "namespaces": (
        "<e:r xmlns:e='urn:e' xmlns:u='urn:unused' xmlns='urn:d'>"
        f"<e:a xmlns:v='urn:v' u:k='1' xml:lang='vi'>{B64}</e:a>"
        f"<a xmlns:u='urn:u2' xmlns:w='urn:w'>{B64}</a><e:b xmlns='' xml:space='preserve'>{LONG}</e:b></e:r>"
    ),
    "same prefix twice": f"<r xmlns='urn:d' xmlns:d='urn:d'><d:a>{B64}</d:a><a>{B64}</a><d:b>{B64}</d:b></r>",
    "attributes out of order": f"<r><a m='2' k='1'>{B64}</a></r>",
    "tails": f"<r>\n <a>{B64}</a>\n\t<b>{B64}</b>&#13;\n<c/> </r>",
    "siblings outside": f"<?pi before?><!-- c --><r><a>{B64}</a></r><?pi after?><!-- d -->",
    "nested": f"<r><s><t><a>{B64}</a></t><a>{LONG}</a></s><a>{B64}</a></r>",
    "short only": "<r><a>short</a></r>",
    "root text": f"<r>{B64}</r>",
}.items()}
CASES["latin-1"] = _document(f"<r><a>{'Hà Nội ' * 800}</a></r>", "<?xml version='1.0' encoding='ISO-8859-1'?>")
CASES["latin-1"] = CASES["latin-1"].decode("utf-8").encode("latin-1", "replace")
# Where cut_long_texts must find nothing it can use: the whole document is parsed instead.
NOT_CUT = {"ampersand", "less than", "greater than", "greater than raw", "carriage return", "character reference",
           "cdata", "cdata after the tag", "mixed content", "comment inside", "pi inside", "short only", "root text",
           "name in cdata", "latin-1"}
# Any element may hold a cut text (the verifier names edXML's payload elements, to look at fewer).
TAGS = (etree.Element,)


def _plain(data, method=EXCLUSIVE, prefixes=None):
    return XMLSignatureProcessor()._c14n(etree.fromstring(data), algorithm=method, inclusive_ns_prefixes=prefixes)


# --------------------------------------------------------------------------- trees (signing)


class _Canonicaliser(c14n.FastC14N, XMLSignatureProcessor):
    pass


def _canonicaliser(mode):
    c = _Canonicaliser()
    c.consumes_c14n_input = mode == "consume"
    return c


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("mode", ["copy", "consume"])
def test_fast_c14n_is_byte_identical_to_libxml2(name, mode):
    data = CASES[name]
    for method in CanonicalizationMethod:
        for prefixes in (None, ["u"]):
            if prefixes and "exc" not in method.value:
                continue
            root = etree.fromstring(data)
            before = etree.tostring(root)
            c = _canonicaliser(mode)
            assert c._c14n(root, algorithm=method, inclusive_ns_prefixes=prefixes) == _plain(data, method, prefixes)
            if mode == "copy":
                assert etree.tostring(root) == before, "the caller's tree must stay untouched"
            # A subtree is left to signxml as it is.
            for sub in etree.fromstring(data).iterchildren(etree.Element):
                assert c._c14n(sub, algorithm=method) == XMLSignatureProcessor()._c14n(sub, algorithm=method)


def test_fast_c14n_falls_back_when_a_marker_is_ambiguous(monkeypatch):
    # A text that already holds the marker: the splice would be ambiguous, so the plain way is used.
    marker = "\ue000" * 16
    monkeypatch.setattr(c14n, "markers", lambda: iter([marker] * 4))
    data = f"<r><a>{B64}</a><b>{marker}</b></r>".encode()
    for mode in ("copy", "consume"):
        root = etree.fromstring(data)
        assert _canonicaliser(mode)._c14n(root, algorithm=EXCLUSIVE) == _plain(data)
        assert etree.tostring(root) == etree.tostring(etree.fromstring(data)), "the texts are back"


def test_fast_c14n_twice_on_a_consumed_tree():
    root = etree.fromstring(CASES["base64"])
    c = _canonicaliser("consume")
    assert c._c14n(root, algorithm=EXCLUSIVE) == _plain(CASES["base64"])
    assert c._c14n(root, algorithm=EXCLUSIVE) == _plain(CASES["base64"])


# --------------------------------------------------------------------------- received bytes (verification)


def _cut_and_spliced(data, method=EXCLUSIVE, prefixes=None):
    """The canonical form made from the cut document, or None where the cut cannot be used."""
    small, cuts = c14n.cut_long_texts(data, "a")
    if not cuts:
        return None
    root = etree.fromstring(small)
    if not c14n.texts_in_place(root, cuts, TAGS):
        return None
    view = memoryview(data)
    skeleton = XMLSignatureProcessor()._c14n(root, algorithm=method, inclusive_ns_prefixes=prefixes)
    return c14n.splice(skeleton, [(view[cut.start:cut.end], cut.marker.encode("utf-8")) for cut in cuts])


@pytest.mark.parametrize("name", sorted(CASES))
def test_texts_cut_from_the_bytes_give_the_canonical_form_of_the_whole_document(name):
    data = CASES[name]
    for method in CanonicalizationMethod:
        spliced = _cut_and_spliced(data, method)
        if name in NOT_CUT:
            assert spliced is None, "this document must be canonicalised whole"
        else:
            assert spliced == _plain(data, method), method
            assert etree.tostring(etree.fromstring(spliced)) == etree.tostring(etree.fromstring(_plain(data, method)))


def test_a_cut_is_exactly_the_text_between_the_tags():
    data = CASES["base64"]
    small, [(marker, start, end, payload)] = c14n.cut_long_texts(data, "a")
    assert payload is None  # padding inside: not strict base64, cut all the same
    assert data[start:end] == B64.encode() and data[start - 3:start] == b"<a>" and data[end:end + 4] == b"</a>"
    assert small == data[:start] + marker.encode() + data[end:]
    assert len(small) == len(data) - len(B64) + len(marker.encode())


def test_strict_base64_is_decoded_as_it_is_cut():
    raw = bytes(range(256)) * 40
    strict = base64.b64encode(raw).decode()
    wrapped = base64.encodebytes(raw).decode()  # line feeds every 76 characters
    data = _document(f"<r><a>{strict}</a><a>{wrapped}</a><a>{strict}&amp;</a></r>")
    small, cuts = c14n.cut_long_texts(data, "a")
    assert [(data[c.start:c.end].decode(), c.payload) for c in cuts] == [(strict, raw), (wrapped, None)]
    assert c14n.texts_in_place(etree.fromstring(small), cuts, TAGS)


def test_a_marker_that_is_not_a_whole_text_is_refused():
    # The same cut put back into a comment, an attribute and an element with a child.
    marker = next(c14n.markers())
    cuts = (c14n.Cut(marker, 0, 0, None),)
    for xml in (f"<r><!--{marker}--><a/></r>", f"<r><a k='{marker}'/></r>", f"<r><a>{marker}<i/></a></r>",
                f"<r><a>x{marker}</a></r>", f"<r><a/>{marker}</r>", f"<r><?a {marker}?></r>"):
        assert not c14n.texts_in_place(etree.fromstring(xml.encode()), cuts, TAGS), xml
    assert c14n.texts_in_place(etree.fromstring(f"<r><a>{marker}</a></r>".encode()), cuts, TAGS)
    # Only where the verifier looks: edXML's payload elements.
    assert not c14n.texts_in_place(etree.fromstring(f"<r><a>{marker}</a></r>".encode()), cuts)


def test_splicing_many_texts_takes_one_pass():
    # Each marker used to be counted over the whole output: thousands of cut texts in a large
    # message made that quadratic (a crafted message took minutes before its digest was checked).
    new_markers = c14n.markers()
    marks = [next(new_markers).encode() for _ in range(3000)]
    skeleton = b"".join(b"x" * 3000 + m for m in marks) + b"y" * 5_000_000
    start = time.process_time()  # CPU time: other processes do not count
    out = c14n.splice(skeleton, [(b"T", m) for m in marks])
    assert time.process_time() - start < 3.0  # quadratic splicing took minutes
    assert out == b"x" * 3000 + b"T" + out[3001:] and out.count(b"T") == 3000 and len(out) == 3001 * 3000 + 5_000_000


def test_a_marker_found_twice_or_out_of_order_is_not_spliced():
    new_markers = c14n.markers()
    a, b = next(new_markers).encode(), next(new_markers).encode()
    assert c14n.splice(b"1" + a + b"2" + b + b"3", [(b"A", a), (b"B", b)]) == b"1A2B3"
    assert c14n.splice(b"1" + b + b"2" + a + b"3", [(b"A", a), (b"B", b)]) is None  # out of order
    assert c14n.splice(b"1" + a + b"2" + a + b"3", [(b"A", a)]) is None  # twice
    assert c14n.splice(b"1" + a + b"2" + b + b"3", [(b"A", a)]) is None  # a marker of the same stem left over


def test_more_long_texts_than_attachments_are_not_cut():
    data = _document("<r>" + f"<a>{B64}</a>" * 3 + "</r>")
    assert len(c14n.cut_long_texts(data, "a")[1]) == 3
    assert c14n.cut_long_texts(data, "a", max_cuts=2) == (data, ())


def test_only_base64_is_passed_on_unparsed():
    assert c14n.is_base64(B64.encode())  # strict: recognised by decoding it
    assert c14n.is_base64(B64.encode() + b"\n\t ")
    for bad in (b"\x01", b"\x00", "é".encode(), b"\xff", b"-", b"\r"):
        assert not c14n.is_base64(B64.encode() + bad), bad

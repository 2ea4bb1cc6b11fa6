"""What a verified signature covers: the canonical form that was digested, parsed, or the
received tree where its bytes are shown to be that form.

The signed data is the canonical form that was digested, parsed (as signxml returns it). A
100 KB attachment makes that form 140 KB, nearly all of it base64 that libxml2 would read
one character at a time into a tree only for the reader to take it out again and decode it.
So when verification cut the attachments' base64 out of the received bytes
(c14n.parse_without_long_texts), the canonical form is parsed as it was canonicalised, with
a marker where each cut text goes, and each cut text is decoded as strict base64 instead
(cutting it did that):

- the parsed skeleton must hold each marker once, as the whole text of a
  ContentTransferEncoded element, and the canonical form the digest covered is that
  skeleton's bytes with each marker replaced by its text (c14n.parts_with_texts checked the
  markers there);
- a strict base64 text is plain ASCII character data, so in the whole canonical form that
  element's text would be exactly those bytes: decoding them here is what the reader would
  have done with the parsed text.

Otherwise (no cut, a text that is not strict base64 such as line-wrapped base64, a marker
out of place) the whole canonical form is parsed at once. Either way `tree` is
the whole signed tree (parsed on first read when it was not needed before) and `read()` the
message read from the signed data.

A message written in its canonical form (as Signer writes it: an XML declaration, then the
canonical form of the signed document) needs no second parse: when the received bytes are
the canonical form that was digested, byte for byte, with only a declaration in front and the
Signature's bytes inserted (`received_form`), the tree parsed from them, the Signature
removed, is what parsing the canonical form gives (see `received_form` for why).
"""

import re
from functools import cached_property

from lxml import etree

from . import c14n, edxml


def _parse_canonical(data):
    # A canonical form has no DTD and no entity reference; this thread's hardened parser anyway.
    return etree.fromstring(data, parser=edxml.parser())


def _decoded(texts):
    """{marker: decoded bytes} for the cut texts (c14n.CutText), or None unless every one is
    strict base64 (cutting it decoded it, c14n.cut_long_texts)."""
    payloads = {}
    for text in texts:
        if text.payload is None:
            return None
        payloads[text.marker.decode("utf-8")] = text.payload
    return payloads


# What may stand before the canonical form in a message written as Signer writes it: an XML
# declaration (version 1.0, UTF-8, as parse and c14n read the rest alike) and white space.
_DECLARATION = re.compile(
    rb"""(?:<\?xml[ \t\r\n]+version=(["'])1\.0\1(?:[ \t\r\n]+encoding=(["'])(?i:utf-8)\2)?"""
    rb"""(?:[ \t\r\n]+standalone=(["'])(?:yes|no)\3)?[ \t\r\n]*\?>[ \t\r\n]*)?"""
)


# What may follow an element's name in its start tag, and in its end tag (one byte each).
_AFTER_START_NAME = frozenset(bytes([c]) for c in b" \t\r\n/>")
_AFTER_END_NAME = frozenset(bytes([c]) for c in b" \t\r\n>")


def _signature_span(received, name):
    """(start, end) of the bytes of the element whose tags are written with `name`, from the
    first start tag to the end tag after it, or None unless there is no other start tag in
    `received` and no other end tag after the first start tag (what comes before the element's
    start tag cannot be its end tag)."""
    start = received.find(b"<" + name)
    while start >= 0 and received[start + 1 + len(name):start + 2 + len(name)] not in _AFTER_START_NAME:
        start = received.find(b"<" + name, start + 1)
    if start < 0:
        return None
    end = None
    at = received.find(name, start + 1 + len(name))  # every other place the name is written, in one pass
    while at >= 0:
        after = received[at + len(name):at + len(name) + 1]
        if received[at - 1:at] == b"<" and after in _AFTER_START_NAME:
            return None  # another start tag
        if received[at - 2:at] == b"</" and after in _AFTER_END_NAME:
            if end is not None:
                return None  # another end tag
            end = received.find(b">", at) + 1  # only white space before it: the name ended there
        at = received.find(name, at + 1)
    return None if end is None else (start, end)


def received_form(received, canonical, prefix):
    """True if the tree parsed from `received`, its Signature (written with `prefix`) removed,
    is the parse of `canonical`.

    `canonical` is the canonical form of that tree (the Signature removed), and they are
    shown equal from the bytes alone: `received` must be an XML declaration, then `canonical`
    with the Signature's bytes inserted somewhere. The Signature's start tag (written with the
    element's prefix) must occur once in all of `received`, and its end tag once after that, so
    those occurrences are the element's own tags and its bytes are exactly the span between them.
    The parser reads the bytes before that span as it reads the same bytes at the start of
    `canonical`, leaves the element in the state it entered it (in content, the same open
    elements and namespaces), and reads the bytes after it as it reads the rest of
    `canonical`. Taking the element out (the text on either side joined, which is what the
    enveloped-signature transform does) leaves the tree that `canonical` parses into. Anything
    else, such as a comment c14n dropped or attributes in another order, makes the bytes differ
    and the canonical form is parsed instead.
    """
    span = _signature_span(received, (f"{prefix}:Signature" if prefix else "Signature").encode("utf-8"))
    if span is None:
        return False
    start, end = span
    declaration = len(received) - (end - start) - len(canonical)
    if declaration < 0 or start < declaration or _DECLARATION.fullmatch(received, 0, declaration) is None:
        return False
    at = start - declaration  # where the Signature stood in the canonical form
    return received[declaration:start] == canonical[:at] and received[end:] == canonical[at:]


class SignedData:
    """The signed data of a verified message (see the module's docstring)."""

    def __init__(self, root, payloads=None, parts=()):
        self._root = root  # the whole tree, or the skeleton when there are payloads
        self._payloads = payloads or {}
        self._parts = parts

    @classmethod
    def from_received(cls, root, parts, texts):
        """The signed data as the received tree `root` holds it, its Signature removed, once
        `received_form` has shown it the parse of the canonical form (`parts`, the cut `texts`
        spliced in). None if a cut text is not strict base64: then the whole form is parsed."""
        payloads = _decoded(texts) if texts else None
        if texts and not payloads:
            return None
        return cls(root, payloads, parts)

    @classmethod
    def parse(cls, skeleton, parts, texts):
        """The signed data from the canonical form that was digested.

        `skeleton` is the canonical form with markers where the cut `texts` (c14n.CutText) go,
        `parts` the same with the texts spliced in (c14n.parts_with_texts). Raises
        etree.XMLSyntaxError if the canonical form is not XML.
        """
        payloads = _decoded(texts) if texts else None
        if payloads:
            root = _parse_canonical(skeleton)
            if c14n.markers_in_place(root, payloads):
                return cls(root, payloads, parts)
        return cls(_parse_canonical(b"".join(parts)))

    @cached_property
    def tree(self):
        """The signed content as one tree, attachments' base64 included."""
        if not self._payloads:
            return self._root
        return _parse_canonical(b"".join(self._parts))

    def read(self, limits=edxml.DEFAULT_LIMITS):
        """The edXML message in the signed data (edxml.read_tree's checks and refusals)."""
        return edxml.read_tree(self._root, limits, payloads=self._payloads)

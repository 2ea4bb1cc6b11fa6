"""What a verified signature covers, read without touching the received tree.

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
"""

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


class SignedData:
    """The signed data of a verified message (see the module's docstring)."""

    def __init__(self, root, payloads=None, parts=()):
        self._root = root  # the whole tree, or the skeleton when there are payloads
        self._payloads = payloads or {}
        self._parts = parts

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

"""Canonicalisation (and parsing) of edXML with its long texts handled as bytes.

libxml2 parses and canonicalises text one character at a time, and lxml checks a text
character by character when one is set; in an edXML message almost all the bytes are the
base64 of the attachments, which neither parsing nor c14n changes. So the long texts are
carried as bytes beside a small document that holds a random marker in their place:

- `FastC14N` (signing) puts the markers into a tree, lets libxml2 canonicalise the now
  small tree, and splices the texts' UTF-8 bytes into the output in place of the markers;
- `parse_without_long_texts` (verifying and signing bytes) takes the texts out of the
  bytes before they are parsed (`cut_long_texts`) and checks, on the parsed small
  document, that each marker stands exactly where its text stood: the whole text of an
  element (`texts_in_place`). Canonical forms and serialisations of that document get
  the texts' bytes back in place of the markers.

Either way the result is byte for byte what libxml2 gives for the whole document (tests
compare the two on many inputs); wherever that cannot be shown, the whole document is
handled by libxml2 instead.
"""

import copy
import secrets
from typing import NamedTuple

import pybase64
from lxml import etree

from . import edxml

# Texts at least this long are carried as bytes.
SPLICE_MIN_CHARS = 4096
# Where an edXML message's long texts are: the attachments' base64.
PAYLOAD_NAME = "ContentTransferEncoded"
PAYLOAD_TAGS = (edxml.q(PAYLOAD_NAME), PAYLOAD_NAME)
# What exclusive and inclusive c14n (1.0 and 1.1) rewrite in a text node: &, <, > and CR.
# A text without them comes out as its UTF-8 bytes.
_REWRITTEN = ("&", "<", ">", "\r")

_PRIVATE_USE = [0xE000 + b for b in range(256)]  # byte -> code point, a str.translate table
# Every marker of one document starts with the same random stem, so that one count of the
# stem says whether the markers are each where they were put and nowhere else.
STEM_CHARS = 8
STEM_BYTES = STEM_CHARS * 3  # U+E000..U+E0FF are three bytes each in UTF-8


def _private_use(random_bytes):
    return random_bytes.decode("latin-1").translate(_PRIVATE_USE)


def markers(batch=4):
    """Markers for one document: random private-use characters, valid XML text that c14n and
    serialisation write as their UTF-8, and bytes rare enough that searching for them is
    quick. All share an 8-character random stem, then 8 random characters each (drawn
    `batch` markers at a time: one system call serves a usual message)."""
    draw = _private_use(secrets.token_bytes(STEM_CHARS + 8 * batch))
    stem, draw = draw[:STEM_CHARS], draw[STEM_CHARS:]
    while True:
        for at in range(0, len(draw), 8):
            yield stem + draw[at:at + 8]
        draw = _private_use(secrets.token_bytes(8 * batch))


def splice(skeleton, spliced):
    """`skeleton` with each (text bytes, marker bytes) marker replaced by the text, in one pass.

    None unless each marker is there exactly once, in order (see splice_parts).
    """
    parts = splice_parts(skeleton, spliced)
    return None if parts is None else b"".join(parts)


def splice_parts(skeleton, spliced):
    """The pieces of splice()'s result, in order, without joining them (None where it gives None).

    Each marker must be there exactly once, in order: the markers share a stem (see
    markers()), so each occurrence of the stem, in one pass, must be the next marker, and
    none may follow the last. The pieces of `skeleton` are views of it, not copies.
    """
    if not spliced:
        return [skeleton]
    stem = spliced[0][1][:STEM_BYTES]
    view = memoryview(skeleton)
    parts, pos = [], 0
    for text, marker, *_ in spliced:  # document order, which is output order
        at = skeleton.find(stem, pos)
        if at < 0 or not skeleton.startswith(marker, at):
            return None
        parts += (view[pos:at], text)
        pos = at + len(marker)
    if skeleton.find(stem, pos) >= 0:
        return None
    parts.append(view[pos:])
    return parts


class FastC14N:
    """A mixin for signxml's processors: its canonicalisation, with long texts spliced in as bytes.

    For a document root, each element named by `splice_tags` (every element if None) whose
    only child is a long text without a character c14n rewrites gets a marker as its text,
    libxml2 canonicalises the tree, and the text's UTF-8 bytes replace the marker in the
    output; if a marker is not found exactly once, the plain canonicalisation is used.

    Where the markers go (putting a long text back through lxml's API costs more than
    parsing it, so a text is never put back on the fast path):
    - by default, into a deep copy of the document;
    - with `consumes_c14n_input` (the document is this object's to spend), into the document
      itself, listed in `spliced` as (UTF-8 text, marker) for whoever serialises it next.
    Anything but a document root (SignedInfo, a referenced element) is left to signxml.
    """

    consumes_c14n_input = False
    # Elements whose texts may be long (lxml tag filters): naming them spares a walk over
    # the whole tree in Python. Other texts are still canonicalised, by libxml2.
    splice_tags = None
    # CutText of texts cut out of the document before it was parsed
    # (parse_without_long_texts): the document holds their markers already.
    cut_texts = ()
    spliced = ()
    _marked = ()

    def restore_texts(self):
        """Put the long texts back in the document (the slow way)."""
        for el, text, _ in self._marked:
            el.text = text
        self._marked, self.spliced = (), ()

    def _c14n(self, nodes, algorithm, inclusive_ns_prefixes=None):
        plain = super()._c14n  # signxml's own
        if not isinstance(nodes, etree._Element) or nodes.getparent() is not None:
            return plain(nodes, algorithm=algorithm, inclusive_ns_prefixes=inclusive_ns_prefixes)
        self.restore_texts()  # a second canonicalisation of this object's document must see the real texts
        work = nodes if self.consumes_c14n_input else copy.deepcopy(nodes)
        marked, new_markers = [], markers()
        for el in work.iter(*(self.splice_tags or (etree.Element,))):
            text = el.text  # short or None for nearly all: the cheapest test first
            if text is None or len(text) < SPLICE_MIN_CHARS or len(el) or any(c in text for c in _REWRITTEN):
                continue
            marker = next(new_markers)
            el.text = marker
            marked.append((el, text, marker.encode("utf-8")))
        spliced = [(text.encode("utf-8"), marker) for _, text, marker in marked]
        canonical = plain(work, algorithm=algorithm, inclusive_ns_prefixes=inclusive_ns_prefixes)
        result = splice(canonical, spliced) if spliced else canonical
        if result is None:  # a marker is not where it should be: put the texts back, do it the slow way
            self._marked = marked
            self.restore_texts()
            result = plain(work, algorithm=algorithm, inclusive_ns_prefixes=inclusive_ns_prefixes)
        elif self.consumes_c14n_input:
            self._marked, self.spliced = marked, spliced
        return self._with_cut_texts(result)

    def _with_cut_texts(self, canonical):
        return with_texts(canonical, self.cut_texts)


class CutTextsMissing(Exception):
    """A marker of a cut text is not in the output exactly once: start again from the whole document."""


def with_texts(data, texts):
    """`data` (a canonical form or a serialisation) with the cut `texts` back in place of their markers.

    Raises CutTextsMissing if a marker is not there exactly once.
    """
    return b"".join(parts_with_texts(data, texts)) if texts else data


def parts_with_texts(data, texts):
    """with_texts' result as its pieces in order (hash them, or join them), without the copy.

    Raises CutTextsMissing if a marker is not there exactly once.
    """
    parts = splice_parts(data, texts)
    if parts is None:
        raise CutTextsMissing()
    return parts


def parse_without_long_texts(data, limits=edxml.DEFAULT_LIMITS, *, base64_only=False):
    """Parse edXML bytes with the attachments' base64 left out, where that can be shown exact.

    Returns (root, texts, parsed): texts are CutText(bytes, marker bytes, payload) for what was
    cut out, in document order, their markers standing in the tree as the texts' elements' only
    content (cut_long_texts, texts_in_place), and parsed the bytes root was parsed from. Where
    that cannot be shown, the whole message is parsed and texts is empty. Refusals (size,
    DTD, not well-formed) are safe_fromstring's.

    What is cut out is never parsed. A verifier parses the canonical bytes it digested; a
    signer, which passes the texts on as they are, asks for `base64_only` (is_base64), so
    anything else goes through the parser.
    """
    if len(data) <= limits.max_message_bytes:
        small, cuts = cut_long_texts(data, max_cuts=limits.max_attachments)
        if cuts:
            try:
                root = edxml.safe_fromstring(small, limits)
            except edxml.EdxmlError:
                root = None  # parsing the whole message will say why
            if root is not None and texts_in_place(root, cuts):
                view = memoryview(data)
                texts = [CutText(view[cut.start:cut.end], cut.marker.encode("utf-8"), cut.payload) for cut in cuts]
                if not base64_only or all(t.payload is not None or is_base64(t.text) for t in texts):
                    return root, texts, small
    return edxml.safe_fromstring(data, limits), (), data


def on_parsed(data, limits, work, *, base64_only=False):
    """`work(root, texts, parsed)` on the message parsed without its long texts
    (parse_without_long_texts, whose result these are); if a cut text goes missing on the
    way (CutTextsMissing), on the whole message parsed."""
    root, texts, parsed = parse_without_long_texts(data, limits, base64_only=base64_only)
    if texts:
        try:
            return work(root, texts, parsed)
        except CutTextsMissing:
            root = edxml.safe_fromstring(data, limits)  # the first tree was spent
    return work(root, (), data)


class Cut(NamedTuple):
    """One text cut out of received bytes: `data[start:end]`, replaced by `marker`'s UTF-8."""

    marker: str
    start: int
    end: int
    # The text decoded as strict base64 (the standard alphabet, no whitespace, padding only at
    # the end), or None if it is not: then it holds some other character c14n writes as it is.
    payload: bytes | None


class CutText(NamedTuple):
    """A cut text as canonicalisation splices it back: its bytes, its marker's, its payload (Cut)."""

    text: memoryview
    marker: bytes
    payload: bytes | None = None


def cut_long_texts(data, name=PAYLOAD_NAME, max_cuts=edxml.DEFAULT_LIMITS.max_attachments):
    """Received bytes with the long texts after each start tag called `name` cut out.

    Returns (small document, cuts), cuts being Cut(marker, start, end, payload). More than
    `max_cuts` such texts, or one longer than the parser takes (edxml.MAX_TEXT_BYTES): nothing
    is cut, so that the parser refuses what it would refuse in the whole message. A text is
    cut only if it has no character that parsing or c14n would change (no reference, no
    markup, no CR, no ">"); whether each cut was an element's whole text is for
    texts_in_place to say once the small document is parsed.

    Attachments are strict base64, which has none of those characters: decoding one (SIMD,
    needed anyway to read it) is the check, and its result is kept. Only a text that is not
    strict base64 (line-wrapped, say) is searched for each character.
    """
    wanted = name.encode("ascii")
    view = memoryview(data)
    pieces, cuts, pos, new_markers = [], [], 0, markers()
    at = data.find(wanted)
    while at >= 0:
        start = data.find(b">", at) + 1
        end = data.find(b"<", start) if start else -1
        if end < 0:
            break
        if end - start >= SPLICE_MIN_CHARS:
            if end - start > edxml.MAX_TEXT_BYTES:
                return data, ()  # longer than the parser takes: parsed whole, it is refused as such
            payload = _strict_base64(view[start:end])
            if payload is not None or not any(data.find(c, start, end) >= 0 for c in (b"&", b"\r", b">")):
                if len(cuts) == max_cuts:
                    return data, ()  # more long texts than a message may have attachments: parse it whole
                marker = next(new_markers)
                pieces += (data[pos:start], marker.encode("utf-8"))
                cuts.append(Cut(marker, start, end, payload))
                pos = end
        at = data.find(wanted, end)
    if not cuts:
        return data, ()
    pieces.append(data[pos:])
    return b"".join(pieces), tuple(cuts)


def _strict_base64(text):
    """`text` (bytes) decoded as strict base64, or None if it is not."""
    try:
        return pybase64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error: outside the alphabet, whitespace, bad padding
        return None


_BASE64_AND_SPACE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\t\n "


def is_base64(text):
    """True if `text` (bytes) holds only base64 characters, spaces, tabs and line feeds: valid
    XML character data, written by c14n as it is.

    Asked only of a text that cutting found not to be strict base64 (strict base64 was
    decoded then, Cut.payload), e.g. line-wrapped: those characters deleted, nothing is left.
    """
    return not bytes(text).translate(None, _BASE64_AND_SPACE)


def texts_in_place(root, cuts, tags=PAYLOAD_TAGS):
    """True if each cut's marker is, once, the whole content of an element named by `tags`.

    The small document and the received one are the same bytes up to each cut, so the parser
    is in the same state there: a marker that came out as an element's only content means
    the cut text was that element's only content, plain character data (it holds no "<" or
    "&") ending where the element ends. In a document encoded as UTF-8 that text is its
    bytes, the same bytes c14n writes for it.
    """
    if (root.getroottree().docinfo.encoding or "").upper() != "UTF-8":
        return False
    return markers_in_place(root, [cut.marker for cut in cuts], tags)


def markers_in_place(root, markers, tags=PAYLOAD_TAGS):
    """True if each marker (str) is the whole content of an element named by `tags` (that none
    is anywhere else is for splice() to say, which counts them in the bytes)."""
    waiting = set(markers)
    for el in root.iter(*tags):
        if el.text in waiting and not len(el):
            waiting.discard(el.text)
    return not waiting

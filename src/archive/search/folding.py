"""Vietnamese diacritic folding, done in Python so any Elasticsearch can search unaccented text.

The minimal Elasticsearch distribution has no ``asciifolding`` or ICU filters
(they live in plugins/modules it does not ship), so the indexer stores a folded
copy of each text field and the query side folds the search terms the same way.
"""

import unicodedata


# Letters that NFD does not decompose into base letter + combining marks.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def normalize(text):
    """Return ``text`` in NFC, the form the exact (accented) fields are indexed in.

    Vietnamese text arrives both precomposed and decomposed (e.g. from macOS
    file names or old PDF extractors); both must match the same terms.
    """
    if not text:
        return ""
    return unicodedata.normalize("NFC", text)


def _utf16_len(text):
    # Elasticsearch (Java) counts offsets in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _fold_char(ch):
    lowered = ch.lower().translate(_EXTRA)
    decomposed = unicodedata.normalize("NFD", lowered)
    base = unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )
    width = _utf16_len(ch)
    if _utf16_len(base) == width:
        return base
    if _utf16_len(lowered) == width:
        return lowered
    return ch


class _FoldTable(dict):
    """``str.translate`` table filled lazily, one entry per code point seen."""

    def __missing__(self, code):
        folded = self[code] = _fold_char(chr(code))
        return folded


_TABLE = _FoldTable()


def fold(text):
    """Lowercase and strip all diacritics: ``"Quyết Định"`` -> ``"quyet dinh"``.

    ``đ``/``Đ`` become ``d``.  Folding is done character by character on the
    NFC form and never changes the length (in UTF-16 units), so offsets in the
    folded copy are offsets in ``normalize(text)``: the search highlighter uses
    that to mark folded matches on the original, accented text.
    """
    if not text:
        return ""
    return normalize(text).translate(_TABLE)


def has_diacritics(text):
    """Whether folding changes ``text`` beyond lowercasing."""
    return bool(text) and fold(text) != normalize(text).lower()

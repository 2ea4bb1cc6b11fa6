"""Legal citations (số, ký hiệu) in any usual form reduced to one search key.

``Quyết định số 04/2025/QĐ-UBND``, ``04 / 2025 / qd-ubnd`` and ``4/2025/QD - UBND`` all give
``4/2025/qd-ubnd``: the number without leading zeros, the year, the sign folded (QĐ and QD
alike), without spaces. The indexer stores the keys of an item's own citations; the query
side finds the keys in what was typed and looks them up.
"""
import re

from archive.search.folding import fold


# number / [year /] sign, the sign one or more parts joined by hyphens (QĐ-UBND, NĐ-CP, QH14).
CITATION = re.compile(
    r"(?<![\w/])(\d{1,6})\s*/\s*(?:(\d{4})\s*/\s*)?"
    r"([^\W\d_][^\W_]{0,11}(?:\s*-\s*[^\W_]{1,12}){0,3})(?![\w/])",
    re.UNICODE,
)


def _key(number, year, sign):
    sign = re.sub(r"\s+", "", fold(sign))
    number = str(int(number))
    return f"{number}/{year}/{sign}" if year else f"{number}/{sign}"


def citation_keys(text):
    """The keys of the citations in ``text``, in order, without repeats."""
    if not text:
        return []
    keys = []
    for match in CITATION.finditer(str(text)):
        key = _key(*match.groups())
        if key not in keys:
            keys.append(key)
    return keys

"""Elasticsearch index settings, mapping, names and documents for archive items.

Only analysers built into Elasticsearch core are used (``standard``), so the
index works on the minimal distribution.  Each full-text field exists twice:
``title`` holds the text as written (NFC, exact diacritics) and
``title_folded`` holds ``folding.fold(title)``; queries search both and rank
exact-diacritic matches first.
"""

import re

from archive.search.citation import citation_keys
from archive.search.folding import fold
from archive.search.folding import normalize


# Bump when the mapping changes; a new versioned index is then built and swapped in.
MAPPING_VERSION = 2

# Full-text fields, each with a ``<name>_folded`` twin.
TEXT_FIELDS = ("title", "description", "text")

KEYWORD_FIELDS = (
    "uid",
    "path",
    "portal_type",
    "review_state",
    "agency",
    "procedure",
    "allowedRolesAndUsers",
    "dossier_code",
    "result_code",
    "legal_codes",
    "title_sort",
    "citations",
    "effect_status",
)

DATE_FIELDS = ("created", "modified", "effective", "expires", "issued")

INTEGER_FIELDS = ("year",)

TITLE_SORT_LENGTH = 256

_INDEX_RE = re.compile(r"^(?P<prefix>.+)-archive-v(?P<version>\d+)$")


def alias_name(prefix):
    """The stable name searches and writes use: ``{prefix}-archive``."""
    return f"{prefix}-archive"


def index_name(prefix, version):
    """The concrete index behind the alias: ``{prefix}-archive-v{version}``."""
    return f"{prefix}-archive-v{int(version)}"


def parse_index_name(name):
    """``("prefix", version)`` for a versioned index name, or None."""
    match = _INDEX_RE.match(name)
    if not match:
        return None
    return match.group("prefix"), int(match.group("version"))


def _text_field():
    # Offsets in the postings make highlighting long attachment text cheap.
    return {"type": "text", "analyzer": "standard", "index_options": "offsets"}


def mappings():
    """The ``mappings`` section for archive items."""
    properties = {}
    for name in KEYWORD_FIELDS:
        properties[name] = {"type": "keyword"}
    properties["title_sort"] = {"type": "keyword", "ignore_above": TITLE_SORT_LENGTH * 4}
    for name in DATE_FIELDS:
        properties[name] = {"type": "date"}
    for name in INTEGER_FIELDS:
        properties[name] = {"type": "integer"}
    for name in TEXT_FIELDS:
        properties[name] = _text_field()
        properties[f"{name}_folded"] = _text_field()
    return {
        # Unknown fields stay in _source but are not indexed (no mapping explosion).
        "dynamic": False,
        "properties": properties,
    }


def settings(shards=1, replicas="0-1", refresh_interval=None):
    """The ``settings`` section.

    ``replicas`` may be a number or an ``auto_expand_replicas`` range such as
    ``"0-1"`` (the default: green on a single node, one replica on a cluster).
    """
    index = {"number_of_shards": shards}
    if isinstance(replicas, str):
        index["auto_expand_replicas"] = replicas
    else:
        index["number_of_replicas"] = replicas
    if refresh_interval is not None:
        index["refresh_interval"] = refresh_interval
    return {"index": index}


def index_body(**settings_options):
    """Request body for ``PUT /{index}``: settings and mappings."""
    return {"settings": settings(**settings_options), "mappings": mappings()}


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in value if v not in (None, "")]
    return [value] if value != "" else []


def title_sort_key(title):
    """Sort key for titles: folded, whitespace collapsed, bounded length."""
    return " ".join(fold(title).split())[:TITLE_SORT_LENGTH]


def build_document(values):
    """Turn plain item values into the document to index.

    ``values`` is a mapping with any of the mapped field names (dates as ISO
    8601 strings or anything with ``isoformat()``; ``text`` may already include
    extracted attachment text).  Text is normalised to NFC, ``*_folded`` copies
    and ``title_sort`` are added, empty values are dropped.  Keys that are not
    mapped are kept as they are (stored, not searchable).
    """
    doc = {}
    for key, value in values.items():
        if value is None or key.endswith("_folded") or key in ("title_sort", "citations"):
            continue
        if key in TEXT_FIELDS:
            text = normalize(value if isinstance(value, str) else " ".join(_as_list(value)))
            doc[key] = text
            doc[f"{key}_folded"] = fold(text)
        elif key in DATE_FIELDS:
            doc[key] = value.isoformat() if hasattr(value, "isoformat") else value
        elif key in INTEGER_FIELDS:
            doc[key] = int(value)
        elif key in ("allowedRolesAndUsers", "legal_codes"):
            doc[key] = [str(v) for v in _as_list(value)]
        else:
            doc[key] = value
    doc["title_sort"] = title_sort_key(doc.get("title", ""))
    # Citation keys (see archive.search.citation) of the item's own numbers and its title's.
    citations = []
    for source in [*doc.get("legal_codes", []), doc.get("title", "")]:
        citations.extend(key for key in citation_keys(source) if key not in citations)
    if citations:
        doc["citations"] = citations
    return doc

"""Build Elasticsearch search bodies from plone.restapi-like parameters, and read the answers.

Every query is filtered on ``allowedRolesAndUsers`` (the caller passes the
user's principals and roles; no list, no query) and, unless the caller allows
inactive content, on the effective/expires window.
"""

from archive.i18n import _
from archive.search import syntax
from archive.search.citation import citation_keys
from archive.search.folding import fold
from archive.search.folding import normalize
from archive.search.syntax import BadParameter


# Parameters that filter on a keyword/integer field of the same name.
FILTER_FIELDS = (
    "portal_type",
    "review_state",
    "agency",
    "procedure",
    "year",
    "uid",
    "dossier_code",
    "result_code",
    "legal_codes",
)

# Facets returned with counts (terms aggregations).
FACET_FIELDS = ("portal_type", "review_state", "agency", "procedure", "year")

RANGE_FIELDS = ("year", "created", "modified", "effective", "expires")

SORT_FIELDS = {
    "relevance": "_score",
    "title": "title_sort",
    "sortable_title": "title_sort",
    "title_sort": "title_sort",
    "created": "created",
    "modified": "modified",
    "effective": "effective",
    "expires": "expires",
    "year": "year",
    "portal_type": "portal_type",
    "review_state": "review_state",
    "agency": "agency",
    "procedure": "procedure",
    "path": "path",
    "uid": "uid",
}

DEFAULT_B_SIZE = 25
MAX_B_SIZE = 1000
MAX_RESULT_WINDOW = 10000
FACET_SIZE = 100

# Field boosts; each word matched as typed (accents included) adds EXACT_BOOST times
# its folded score, and a document with every word as typed gets EXACT_TIER on top,
# which puts it above documents that match only once folded (no scripts needed:
# the minimal Elasticsearch has no scripting module).
# Words found together (in one field, in order, at most PHRASE_SLOP apart) get PHRASE_TIER,
# far above EXACT_TIER: a name, an address or a procedure name typed as it is written ranks
# above the same words scattered over the fields (a street named after one person, a file
# title with another's middle name), even when those are spelled with the accents typed.
TEXT_BOOSTS = {"title": 3.0, "description": 1.5, "text": 1.0}
EXACT_BOOST = 3.0
EXACT_TIER = 1000.0
PHRASE_TIER = 10 * EXACT_TIER
PHRASE_BOOST = 2.0
PHRASE_SLOP = 1
# Every word found (folded, across fields): above any item missing a word or matching a
# word only with a typo. Below EXACT_TIER, which comes on top for the accents typed.
STRICT_TIER = EXACT_TIER
# Relaxed matches: one word of the query may carry a typo (in the title or description: one
# edit, two from seven letters on, none below three letters), or a query of four words or
# more (a Vietnamese word is one syllable: three are often one name) may miss one word.
# Up to MAX_ONE_TYPO_WORDS words, only one word may carry a typo (one clause per word);
# longer queries may have a typo in any word (one clause in all: fast on long queries).
RELAXED_MIN_WORDS = 4
MIN_FUZZY_LENGTH = 3
MAX_ONE_TYPO_WORDS = 4
RELAXED_SCORE = 0.01
FUZZINESS = "AUTO:3,7"
FUZZY_FIELDS = ("title", "description")
MAX_EXPANSIONS = 10
FUZZY_PREFIX = 1
# An item whose own number is cited ranks above everything else.
CITATION_TIER = 10 * PHRASE_TIER
# Standing: a legal document in force gets IN_FORCE_BONUS (above one expired, replaced or
# not yet in force that matches as well), and every item up to DATE_BONUS for being recent
# (half of it at DATE_PIVOT of age): equally relevant items come newest first.
IN_FORCE_BONUS = 50.0
DATE_BONUS = 1.0
DATE_PIVOT = "730d"

HIGHLIGHT_TAGS = ("<mark>", "</mark>")

# Stored fields returned with each hit (the large ``text`` is left out).
DEFAULT_SOURCE = (
    "uid", "path", "portal_type", "review_state", "title", "description", "agency", "procedure",
    "year", "created", "modified", "effective", "expires", "dossier_code", "result_code", "legal_codes",
    "issued",
)


class MissingSecurityFilter(ValueError):
    """``build_query`` was called without the user's principals/roles."""


def _values(value):
    """The list of filter values for a parameter (restapi ``{"query": ...}`` accepted)."""
    if isinstance(value, dict):
        value = value.get("query")
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in value if v not in (None, "")]
    return [] if value == "" else [value]


def _range_filter(field, spec):
    """A range filter from restapi's ``{"query": x, "range": "min|max|min:max"}``."""
    bounds = spec.get("range")
    query = spec.get("query")
    values = query if isinstance(query, (list, tuple)) else [query]
    values = [v for v in values if v not in (None, "")]
    if not values:
        return None
    if bounds == "min":
        return {"range": {field: {"gte": values[0]}}}
    if bounds == "max":
        return {"range": {field: {"lte": values[0]}}}
    if bounds == "min:max":
        if len(values) != 2:
            raise BadParameter(field, _("search_error_range_values",
                                        default="${name}: the range min:max needs two values.",
                                        mapping={"name": field}))
        return {"range": {field: {"gte": values[0], "lte": values[1]}}}
    raise BadParameter(field, _("search_error_range", default="${name}: the range is min, max or min:max.",
                                mapping={"name": field}))


def _field_filter(field, value):
    if isinstance(value, dict) and value.get("range") and field in RANGE_FIELDS:
        return _range_filter(field, value)
    values = _values(value)
    if not values:
        return None
    if field == "year":
        try:
            values = [int(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise _not_a_number(field) from exc
    else:
        values = [str(v) for v in values]
    if isinstance(value, dict) and value.get("operator") == "and" and len(values) > 1:
        return {"bool": {"filter": [{"term": {field: v}} for v in values]}}
    if len(values) == 1:
        return {"term": {field: values[0]}}
    return {"terms": {field: values}}


def _path_filter(value):
    if isinstance(value, dict):
        value = value.get("query")
    paths = _values(value)
    if not paths:
        return None
    should = []
    for path in paths:
        path = "/" + str(path).strip("/")
        should.append({"term": {"path": path}})
        should.append({"prefix": {"path": path.rstrip("/") + "/"}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def security_filter(principals):
    """The ``allowedRolesAndUsers`` filter; refuses an empty list."""
    if isinstance(principals, str):
        principals = [principals]
    principals = sorted({str(p) for p in (principals or []) if p})
    if not principals:
        raise MissingSecurityFilter(
            "a search needs the user's principals and roles (allowedRolesAndUsers); got none"
        )
    return {"terms": {"allowedRolesAndUsers": principals}}


def active_filters(now="now/m"):
    """Filters keeping items whose effective date has come and expiry has not."""
    return [
        {
            "bool": {
                "should": [
                    {"range": {"effective": {"lte": now}}},
                    {"bool": {"must_not": {"exists": {"field": "effective"}}}},
                ],
                "minimum_should_match": 1,
            }
        },
        {
            "bool": {
                "should": [
                    {"range": {"expires": {"gt": now}}},
                    {"bool": {"must_not": {"exists": {"field": "expires"}}}},
                ],
                "minimum_should_match": 1,
            }
        },
    ]


def _word_clause(word, fuzzy=False):
    """One folded word in any text field; with ``fuzzy``, in the title or description with one
    typo allowed (two in long words): attachments' text is long, no fuzzy expansion there."""
    if not fuzzy:
        return {"multi_match": {"query": word, "fields": [f"{name}_folded" for name in TEXT_BOOSTS],
                                "operator": "and"}}
    fields = [f"{name}_folded" for name in FUZZY_FIELDS]
    return {"multi_match": {"query": word, "fields": fields, "operator": "and", "fuzziness": FUZZINESS,
                            "prefix_length": FUZZY_PREFIX, "max_expansions": MAX_EXPANSIONS}}


def relaxed_clause(words):
    """Items with every word but one typo (one word matched fuzzily, the others as they are;
    see MAX_ONE_TYPO_WORDS), or, for RELAXED_MIN_WORDS words or more, every word but one.
    None when neither applies."""
    exact = [_word_clause(word) for word in words]
    ways = []
    if len(words) <= MAX_ONE_TYPO_WORDS:
        for position, word in enumerate(words):
            if len(word) < MIN_FUZZY_LENGTH:
                continue
            others = exact[:position] + exact[position + 1:]
            ways.append({"bool": {"must": [_word_clause(word, fuzzy=True), *others]}})
    else:
        # Longer queries: every word, each as typed or with a typo (one clause per word,
        # not one per word and pair); so many words found together are rarely noise.
        ways.append({"bool": {"must": [_word_clause(word, fuzzy=len(word) >= MIN_FUZZY_LENGTH)
                                       for word in words]}})
    if len(words) >= RELAXED_MIN_WORDS:
        ways.append({"bool": {"should": exact, "minimum_should_match": len(words) - 1}})
    if not ways:
        return None
    return {"bool": {"should": ways, "minimum_should_match": 1}}


def citation_clause(keys):
    """Items whose own number is one of the citation ``keys`` (see archive.search.citation)."""
    return {"constant_score": {"filter": {"terms": {"citations": list(keys)}}, "boost": CITATION_TIER}}


def text_query(searchable_text, citations=()):
    """Match on the folded fields and boost exact-diacritic matches.

    ``quyet dinh`` and ``quyết định`` find the same documents; with accents
    typed, documents spelled exactly so rank above those matching only once
    folded (``quyệt``).  Words found together rank above all of these (PHRASE_TIER).
    Items with every word (STRICT_TIER) rank above those missing one word of four or
    more, or with a typo in a word (the "relaxed" matches, scored on their words alone);
    an item cited by number (``citations``, keys of archive.search.citation) ranks first.
    """
    exact = normalize(searchable_text).strip()
    folded = fold(exact)
    if not folded.strip():
        return None
    exact_fields = [f"{name}^{boost}" for name, boost in TEXT_BOOSTS.items()]
    together = []
    if len(folded.split()) > 1:
        together.append({"constant_score": {
            "filter": {"multi_match": {"query": folded, "fields": [f"{name}_folded" for name in TEXT_BOOSTS],
                                       "type": "phrase", "slop": PHRASE_SLOP}},
            "boost": PHRASE_TIER}})
    strict = {"multi_match": {"query": folded, "fields": _folded_fields(), "type": "cross_fields",
                              "operator": "and"}}
    matches = [strict]
    relaxed = relaxed_clause(folded.split())
    if relaxed:
        # Found, not scored (scoring its clauses for every match tripled the time of a query
        # most items match); the exact words of the ranking clauses score it in the window.
        matches.append({"constant_score": {"filter": relaxed, "boost": RELAXED_SCORE}})
    if citations:
        matches.append(citation_clause(citations))
    return {
        "bool": {
            "must": [{"bool": {"should": matches, "minimum_should_match": 1}}],
            "should": [
                {"constant_score": {"filter": strict, "boost": STRICT_TIER}},
                {
                    "constant_score": {
                        "filter": {
                            "multi_match": {
                                "query": exact,
                                "fields": [f"{name}" for name in TEXT_BOOSTS],
                                "type": "cross_fields",
                                "operator": "and",
                            }
                        },
                        "boost": EXACT_TIER,
                    }
                },
                {
                    "multi_match": {
                        "query": exact,
                        "fields": exact_fields,
                        "type": "cross_fields",
                        "operator": "or",
                        "boost": EXACT_BOOST,
                    }
                },
                {
                    "multi_match": {
                        "query": folded,
                        "fields": ["title_folded^2", "description_folded", "text_folded"],
                        "type": "phrase",
                        "slop": PHRASE_SLOP,
                        "boost": PHRASE_BOOST,
                    }
                },
                *together,
            ],
        }
    }


def _folded_fields():
    return [f"{name}_folded^{boost}" for name, boost in TEXT_BOOSTS.items()]


def _node_query(node):
    """The Elasticsearch clause for one node of a parsed query (see archive.search.syntax)."""
    kind = node.nodeType()
    if kind == "AND":
        children = node.getValue()
        clause = {"must": [_node_query(c) for c in children if c.nodeType() != "NOT"]}
        excluded = [_node_query(c.getValue()) for c in children if c.nodeType() == "NOT"]
        if excluded:
            clause["must_not"] = excluded
        return {"bool": clause}
    if kind == "OR":
        return {"bool": {"should": [_node_query(c) for c in node.getValue()], "minimum_should_match": 1}}
    if kind == "GLOB":
        pattern = fold(node.getValue())
        return {"bool": {"should": [{"wildcard": {f"{name}_folded": {"value": pattern, "boost": boost}}}
                                    for name, boost in TEXT_BOOSTS.items()],
                         "minimum_should_match": 1}}
    if kind == "PHRASE":
        words = " ".join(node.getValue())
    else:
        words = node.getValue()
        if not syntax.WORD_ONLY.match(words):
            kind = "PHRASE"  # words joined by punctuation (QĐ-UBND, 59/2020/QH14) stay together
    if kind == "PHRASE":
        return {"multi_match": {"query": fold(words), "fields": _folded_fields(), "type": "phrase"}}
    return {"multi_match": {"query": fold(words), "fields": _folded_fields(), "type": "cross_fields",
                            "operator": "and"}}


def search_query(tree, citations=()):
    """The text query for a parsed query: `text_query` for plain words; otherwise phrases,
    alternatives, exclusions and wildcards as asked, on the folded fields, with the words
    typed (accents included) ranking higher where they match exactly."""
    words = " ".join(syntax.positive_terms(tree))
    if syntax.is_plain(tree):
        return text_query(words, citations)
    exact_fields = [f"{name}^{boost}" for name, boost in TEXT_BOOSTS.items()]
    must = _node_query(tree)
    if citations:
        must = {"bool": {"should": [must, citation_clause(citations)], "minimum_should_match": 1}}
    return {
        "bool": {
            "must": [must],
            "should": [{"multi_match": {"query": normalize(words), "fields": exact_fields, "type": "cross_fields",
                                        "operator": "or", "boost": EXACT_BOOST}}],
        }
    }


def highlight_query(searchable_text):
    """Each word, folded and as typed, in each highlighted field (only the page's hits are highlighted)."""
    exact = normalize(searchable_text).strip()
    folded = fold(exact)
    should = []
    for name in TEXT_BOOSTS:
        should.append({"match": {f"{name}_folded": folded}})
        should.append({"match": {name: exact}})
    return {"bool": {"should": should}}


def standing_clauses():
    """Score for standing (in force, recent), added to relevance; see IN_FORCE_BONUS."""
    return [
        {"constant_score": {"filter": {"bool": {"filter": [{"term": {"portal_type": "LegalDocument"}},
                                                           {"term": {"effect_status": "in_force"}}]}},
                            "boost": IN_FORCE_BONUS}},
        {"distance_feature": {"field": "issued", "origin": "now/d", "pivot": DATE_PIVOT, "boost": DATE_BONUS}},
    ]


# Best first by relevance, ties by UID (a stable order for paging).
RELEVANCE_SORT = [{"_score": {"order": "desc"}}, {"uid": {"order": "asc"}}]
# The hits per shard that get the full ranking (see build_query); pages beyond it are
# ordered by the folded-word score alone. Kept fixed so pages do not shift.
RESCORE_WINDOW = 100


def _sort(params, has_text):
    sort_on = params.get("sort_on")
    order = str(params.get("sort_order") or "").lower()
    descending = order in ("descending", "desc", "reverse")
    if not sort_on:
        if has_text:
            return list(RELEVANCE_SORT)
        return [{"modified": {"order": "desc", "missing": "_last"}}, {"uid": {"order": "asc"}}]
    field = SORT_FIELDS.get(sort_on)
    if field is None:
        raise BadParameter("sort_on", _("search_error_sort", default="${name}: choose one of ${choices}.",
                                        mapping={"name": "sort_on", "choices": ", ".join(sorted(SORT_FIELDS))}))
    if field == "_score":
        # Relevance is best-first unless asked otherwise.
        if order in ("ascending", "asc"):
            return [{"_score": {"order": "asc"}}, {"uid": {"order": "asc"}}]
        return list(RELEVANCE_SORT)
    direction = "desc" if descending else "asc"
    return [{field: {"order": direction, "missing": "_last"}}, {"uid": {"order": "asc"}}]


def _not_a_number(name):
    return BadParameter(name, _("search_error_integer", default="${name}: a whole number, 0 or more.",
                                mapping={"name": name}))


def batch_number(params, name, default):
    """A batching parameter (``b_start``, ``b_size``) as a number of at least 0."""
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise _not_a_number(name) from exc
    if number < 0:
        raise _not_a_number(name)
    return number


def _batch(params):
    start = batch_number(params, "b_start", 0)
    size = min(batch_number(params, "b_size", DEFAULT_B_SIZE), MAX_B_SIZE)
    if start + size > MAX_RESULT_WINDOW:
        raise BadParameter("b_start", _("search_error_window", default="${name}: cannot page past ${max} results.",
                                        mapping={"name": "b_start", "max": MAX_RESULT_WINDOW}))
    return start, size


def _facet_aggs(facet_filters, facets):
    """Per-facet counts, each under every filter except its own (multi-select facets)."""
    aggs = {}
    for field in facets:
        others = [f for name, f in facet_filters.items() if name != field]
        terms = {"terms": {"field": field, "size": FACET_SIZE}}
        if field == "year":
            terms["terms"]["order"] = {"_key": "desc"}
        if others:
            aggs[field] = {"filter": {"bool": {"filter": others}}, "aggs": {"values": terms}}
        else:
            aggs[field] = terms
    return aggs


def build_query(
    params, principals, show_inactive=False, now="now/m", facets=True, highlight=True, source=DEFAULT_SOURCE,
    track_total_hits=True,
):
    """Return the ``_search`` body for plone.restapi-like ``params``.

    ``params``: ``SearchableText``, filters named in ``FILTER_FIELDS`` (a value,
    a list, or ``{"query": ..., "operator": "and"}``; ``year`` also takes
    ``{"query": [a, b], "range": "min:max"}``), ``path``, ``sort_on`` /
    ``sort_order``, ``b_start`` / ``b_size``.

    ``principals``: the user's ``allowedRolesAndUsers`` values (e.g. from
    ``catalog._listAllowedRolesAndUsers(user)``); required.

    ``show_inactive``: include items outside their effective/expires window;
    the caller grants it only to users allowed to see inactive content.

    ``facets``: True for ``FACET_FIELDS``, a list of field names, or False.
    Facet counts for a field ignore that field's own filter, so a UI can offer
    the other values next to the chosen one; all other filters apply.

    ``now``: the moment for the effective/expires window (ES date math or ISO date).
    ``source``: stored fields to return per hit (True for all).
    ``track_total_hits``: False when the caller needs no total (a further page whose
    total it already has), so Elasticsearch may skip documents that cannot make the page.
    """
    params = dict(params or {})
    base_filters = [security_filter(principals)]
    if not show_inactive:
        base_filters.extend(active_filters(now))
    path = _path_filter(params.get("path"))
    if path:
        base_filters.append(path)
    for field in RANGE_FIELDS:
        if field in FILTER_FIELDS:
            continue
        if isinstance(params.get(field), dict):
            clause = _range_filter(field, params[field])
            if clause:
                base_filters.append(clause)

    facet_fields = list(FACET_FIELDS) if facets is True else list(facets or [])
    facet_filters = {}
    for field in FILTER_FIELDS:
        if field not in params:
            continue
        clause = _field_filter(field, params[field])
        if clause is None:
            continue
        if field in facet_fields:
            facet_filters[field] = clause
        else:
            base_filters.append(clause)

    searchable = params.get("SearchableText")
    if isinstance(searchable, dict):
        searchable = searchable.get("query")
    if isinstance(searchable, (list, tuple)):
        searchable = " ".join(str(v) for v in searchable if v)
    tree = syntax.parse(searchable)
    text = search_query(tree, citation_keys(searchable)) if tree is not None else None

    query = {"bool": {"filter": base_filters}}
    sort = _sort(params, bool(text))
    rescore = None
    if text and sort == RELEVANCE_SORT:
        # Every match is scored on its folded words; only the best RESCORE_WINDOW per
        # shard also get the costly clauses (exact-diacritics tier, exact words, phrase),
        # which add the same score they add in one bool query. A word every item has
        # (`thành phố Vinh`) made Elasticsearch score all of them with all four clauses:
        # p95 101-108 ms on 102,000 documents, 48 ms this way. Elasticsearch takes no sort
        # besides the score with a rescore, so ties keep the index's order.
        query["bool"]["must"] = text["bool"]["must"]
        rescore = {"window_size": RESCORE_WINDOW,
                   "query": {"rescore_query": {"bool": {"should": text["bool"]["should"] + standing_clauses()}},
                             "query_weight": 1, "rescore_query_weight": 1}}
        sort = [{"_score": {"order": "desc"}}]
    elif text:
        query["bool"]["must"] = [text]

    start, size = _batch(params)
    body = {
        "query": query,
        "from": start,
        "size": size,
        "sort": sort,
        "track_total_hits": track_total_hits,
        "_source": list(source) if source not in (True, False) else source,
    }
    if rescore:
        body["rescore"] = rescore
    if facet_filters:
        # Facet filters narrow the hits but not their own facet's counts.
        body["post_filter"] = {"bool": {"filter": list(facet_filters.values())}}
    if facet_fields:
        body["aggs"] = _facet_aggs(facet_filters, facet_fields)
    if highlight and text:
        body["highlight"] = {
            # The words to mark, without the ranking query's cross-field, phrase and tier
            # clauses: several times cheaper to highlight, the same words marked.
            "highlight_query": highlight_query(" ".join(syntax.positive_terms(tree))),
            "pre_tags": [HIGHLIGHT_TAGS[0]],
            "post_tags": [HIGHLIGHT_TAGS[1]],
            "encoder": "html",
            "fields": {
                # Folded matches are marked on the accented text (same offsets).
                "title": {"type": "unified", "matched_fields": ["title", "title_folded"], "number_of_fragments": 0},
                "description": {
                    "type": "unified",
                    "matched_fields": ["description", "description_folded"],
                    "number_of_fragments": 0,
                },
                "text": {
                    "type": "unified",
                    "matched_fields": ["text", "text_folded"],
                    "fragment_size": 160,
                    "number_of_fragments": 3,
                },
            },
        }
    return body


def _snippets(highlight):
    """Elasticsearch's html encoder also writes '/' as '&#x2F;', which HTML does not need:
    every citation (04/2025/QĐ-UBND) reached JSON readers as entities. The rest stays escaped."""
    return {field: [snippet.replace("&#x2F;", "/") for snippet in snippets]
            for field, snippets in (highlight or {}).items()}


def parse_response(response):
    """Turn a ``_search`` answer into a plain dict.

    ``{"total": int, "items": [{"uid", "score", "highlights": {field: [snippets]},
    "source": {...}}], "facets": {field: [{"value", "count"}]}}``.  Snippets are
    HTML-escaped with matches wrapped in ``<mark>``.
    """
    hits = response.get("hits", {})
    total = hits.get("total", 0)
    if isinstance(total, dict):
        total = total.get("value", 0)
    items = []
    for hit in hits.get("hits", []):
        source = hit.get("_source") or {}
        items.append(
            {
                "uid": source.get("uid", hit.get("_id")),
                "score": hit.get("_score"),
                "highlights": _snippets(hit.get("highlight")),
                "source": source,
            }
        )
    facets = {}
    for field, agg in (response.get("aggregations") or {}).items():
        agg = agg.get("values", agg)
        facets[field] = [
            {"value": bucket.get("key_as_string", bucket["key"]) if field != "year" else bucket["key"],
             "count": bucket["doc_count"]}
            for bucket in agg.get("buckets", [])
        ]
    return {"total": total, "items": items, "facets": facets}

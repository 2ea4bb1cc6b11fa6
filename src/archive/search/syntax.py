"""The search box's query syntax, read once for both engines; a query it cannot read is a
`BadParameter` naming the parameter (answered 400), never an error deeper down.

The grammar is the catalog's own (Products.ZCTextIndex.QueryParser), so the catalog and
Elasticsearch read a query alike: words (all required), "quoted phrases", OR, AND, NOT
after AND, a leading minus to exclude a word or phrase, parentheses, and a trailing * or ?
inside a word for a wildcard. Words joined by punctuation (``QĐ-UBND``, ``59/2020/QH14``)
are one term, searched as a phrase by Elasticsearch.
"""
import re

from Products.ZCTextIndex.ParseTree import ParseError
from Products.ZCTextIndex.ParseTree import QueryError
from Products.ZCTextIndex.QueryParser import QueryParser

from archive.i18n import _
from archive.search.folding import normalize

# Letters a wildcard must follow: a shorter prefix matches too much of the index.
MIN_WILDCARD_PREFIX = 2
# Longest query read (characters); a longer one is refused, not truncated.
MAX_QUERY_LENGTH = 1000

WORD = re.compile(r"\w", re.UNICODE)
WORD_ONLY = re.compile(r"^\w+$", re.UNICODE)
GLOB_TERM = re.compile(r"^\w+[\w*?]*$", re.UNICODE)


class BadParameter(ValueError):
    """A search parameter that cannot be read: `name` is the parameter, `message` an i18n message."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def syntax_error(name="SearchableText"):
    return BadParameter(name, _(
        "search_error_syntax",
        default="${name}: the query cannot be read. Put phrases in double quotes, join alternatives with OR, "
                "exclude a word with a leading minus or AND NOT, and close every parenthesis and quote.",
        mapping={"name": name}))


class _Terms:
    """What QueryParser asks of a lexicon: the words of one term, and whether one is a wildcard.

    A term keeps its punctuation (the engines' analysers split it, each the way it indexes);
    a quoted term is a phrase of its space-separated parts; a term without a letter or digit
    (``-``, ``*``, ``…``) is no term at all."""

    def parseTerms(self, term):  # noqa: N802 - QueryParser's lexicon interface
        term = term[1:] if term.startswith("-") else term
        if term.startswith('"') and term.endswith('"') and len(term) >= 2:
            return [part for part in term[1:-1].split() if WORD.search(part)]
        return [term] if WORD.search(term) else []

    def isGlob(self, word):  # noqa: N802
        return "*" in word or "?" in word


def parse(text, name="SearchableText"):
    """The parse tree of a query (ZCTextIndex's nodes: AtomNode, PhraseNode, GlobNode, AndNode,
    OrNode, NotNode), or None for an empty query. Raises `BadParameter` naming `name`."""
    if isinstance(text, (list, tuple)):
        text = " ".join(str(part) for part in text if part)
    text = normalize(str(text or "")).strip()
    if not text:
        return None
    if len(text) > MAX_QUERY_LENGTH:
        raise BadParameter(name, _("search_error_too_long", default="${name}: at most ${max} characters.",
                                   mapping={"name": name, "max": MAX_QUERY_LENGTH}))
    if text.count('"') % 2:
        raise syntax_error(name)
    try:
        tree = QueryParser(_Terms()).parseQuery(text)
    except ParseError as exc:
        if "only common words" in str(exc):
            raise BadParameter(name, _("search_error_no_words", default="${name}: there is no word to search for.",
                                       mapping={"name": name})) from exc
        if "positive word" in str(exc):
            raise BadParameter(name, _(
                "search_error_only_excluded",
                default="${name}: the query only excludes words; say what to search for too.",
                mapping={"name": name})) from exc
        raise syntax_error(name) from exc
    for node in walk(tree):
        if node.nodeType() == "GLOB":
            pattern = node.getValue()
            prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]
            if not GLOB_TERM.match(pattern) or len(prefix) < MIN_WILDCARD_PREFIX:
                raise BadParameter(name, _(
                    "search_error_wildcard",
                    default="${name}: a wildcard (* or ?) ends a word of at least ${min} letters, e.g. xây*.",
                    mapping={"name": name, "min": MIN_WILDCARD_PREFIX}))
    return tree


def walk(node):
    """The node and every node below it."""
    yield node
    if node.nodeType() in ("AND", "OR", "NOT"):
        children = node.getValue()
        for child in children if isinstance(children, list) else [children]:
            yield from walk(child)


def is_plain(tree):
    """Whether the query is words only (no phrase, alternative, exclusion or wildcard)."""
    return all(node.nodeType() in ("AND", "ATOM") for node in walk(tree))


def positive_terms(tree):
    """The words and phrases the query looks for (not those it excludes), as typed."""
    kind = tree.nodeType()
    if kind == "NOT":
        return []
    if kind in ("AND", "OR"):
        return [term for child in tree.getValue() for term in positive_terms(child)]
    if kind == "PHRASE":
        return [" ".join(tree.getValue())]
    return [tree.getValue()]


CATALOG_ERRORS = (ParseError, QueryError)

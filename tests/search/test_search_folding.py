"""Unit tests of folding, document building and query building (no server needed)."""

import unicodedata

import pytest

from archive.search.folding import fold
from archive.search.folding import has_diacritics
from archive.search.folding import normalize
from archive.search.mapping import alias_name
from archive.search.mapping import build_document
from archive.search.mapping import index_body
from archive.search.mapping import index_name
from archive.search.mapping import parse_index_name
from archive.search.query import MissingSecurityFilter
from archive.search.query import RESCORE_WINDOW
from archive.search.query import build_query
from archive.search.query import parse_response
from archive.search.query import standing_clauses
from archive.search.query import text_query


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Quyết định cấp phép xây dựng", "quyet dinh cap phep xay dung"),
        ("ĐĂNG KÝ KINH DOANH", "dang ky kinh doanh"),
        ("Đất đai", "dat dai"),
        ("Nguyễn Thị Ánh Tuyết", "nguyen thi anh tuyet"),
        ("Ủy ban nhân dân tỉnh Thừa Thiên Huế", "uy ban nhan dan tinh thua thien hue"),
        ("ươ ƯỚ ỳ ỹ ỵ", "uo uo y y y"),
        ("Số 123/QĐ-UBND", "so 123/qd-ubnd"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_accepts_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "Quyết định")
    assert decomposed != "Quyết định"
    assert fold(decomposed) == "quyet dinh"
    assert normalize(decomposed) == "Quyết định"


def test_fold_keeps_length_so_offsets_match_the_original():
    for text in ["Quyết định cấp phép", "Ưu tiên ĐĂNG KÝ", "İstanbul 😀 한국어 ß", "x\u0303 lẻ"]:
        assert len(fold(text).encode("utf-16-le")) == len(normalize(text).encode("utf-16-le"))


def test_fold_keeps_other_scripts_and_punctuation():
    assert fold("Hồ sơ – 2024 (bản sao)") == "ho so – 2024 (ban sao)"
    assert fold("한국어") == "한국어"


def test_has_diacritics():
    assert has_diacritics("quyết")
    assert not has_diacritics("Quyet")
    assert not has_diacritics("")


def test_index_names():
    assert alias_name("plone") == "plone-archive"
    assert index_name("plone", 3) == "plone-archive-v3"
    assert parse_index_name("my-site-archive-v12") == ("my-site", 12)
    assert parse_index_name("plone-archive") is None


def test_index_body_has_exact_and_folded_fields():
    properties = index_body()["mappings"]["properties"]
    for name in ("title", "description", "text"):
        assert properties[name]["type"] == "text"
        assert properties[f"{name}_folded"]["type"] == "text"
    for name in ("uid", "agency", "procedure", "allowedRolesAndUsers", "title_sort", "dossier_code"):
        assert properties[name]["type"] == "keyword"
    assert properties["year"]["type"] == "integer"
    assert properties["expires"]["type"] == "date"


def test_build_document():
    doc = build_document(
        {
            "uid": "abc",
            "title": unicodedata.normalize("NFD", "Giấy chứng nhận"),
            "text": "Đơn đề nghị",
            "year": "2024",
            "allowedRolesAndUsers": ("Manager", "user:an"),
            "expires": None,
        }
    )
    assert doc["title"] == "Giấy chứng nhận"
    assert doc["title_folded"] == "giay chung nhan"
    assert doc["text_folded"] == "don de nghi"
    assert doc["title_sort"] == "giay chung nhan"
    assert doc["year"] == 2024
    assert doc["allowedRolesAndUsers"] == ["Manager", "user:an"]
    assert "expires" not in doc


@pytest.mark.parametrize("principals", [None, [], [""], ()])
def test_query_refuses_to_run_without_principals(principals):
    with pytest.raises(MissingSecurityFilter):
        build_query({"SearchableText": "quyết định"}, principals)


def test_query_always_filters_on_principals_and_dates():
    body = build_query({}, ["Anonymous"])
    filters = body["query"]["bool"]["filter"]
    assert {"terms": {"allowedRolesAndUsers": ["Anonymous"]}} in filters
    assert any("effective" in str(f) for f in filters)
    assert any("expires" in str(f) for f in filters)

    body = build_query({}, ["Anonymous"], show_inactive=True)
    filters = body["query"]["bool"]["filter"]
    assert filters == [{"terms": {"allowedRolesAndUsers": ["Anonymous"]}}]


def test_query_paging_and_sorting():
    body = build_query({"sort_on": "title", "sort_order": "descending", "b_start": 10, "b_size": 5}, ["Manager"])
    assert body["from"] == 10 and body["size"] == 5
    assert body["sort"][0] == {"title_sort": {"order": "desc", "missing": "_last"}}
    with pytest.raises(ValueError):
        build_query({"sort_on": "nonsense"}, ["Manager"])
    with pytest.raises(ValueError):
        build_query({"b_start": 9990, "b_size": 50}, ["Manager"])
    with pytest.raises(ValueError):
        build_query({"year": "two thousand"}, ["Manager"])


def test_relevance_ranking_scores_the_best_matches_with_the_costly_clauses():
    body = build_query({"SearchableText": "thành phố Vinh"}, ["Manager"])
    ranking = text_query("thành phố Vinh")["bool"]
    # Every match is found and scored by its folded words; the exact-diacritics tier,
    # exact words and phrase clauses score the best RESCORE_WINDOW again, with their standing.
    assert body["query"]["bool"]["must"] == ranking["must"]
    assert body["rescore"] == {"window_size": RESCORE_WINDOW, "query": {
        "rescore_query": {"bool": {"should": ranking["should"] + standing_clauses()}},
        "query_weight": 1, "rescore_query_weight": 1}}
    assert body["sort"] == [{"_score": {"order": "desc"}}]
    # Any other order keeps the whole ranking query (a rescore cannot be sorted otherwise).
    body = build_query({"SearchableText": "thành phố Vinh", "sort_on": "created"}, ["Manager"])
    assert body["query"]["bool"]["must"] == [text_query("thành phố Vinh")]
    assert "rescore" not in body


def test_query_filters_and_ranges():
    body = build_query(
        {"portal_type": ["Result", "Dossier"], "year": {"query": [2022, 2024], "range": "min:max"}, "path": "/plone/a"},
        ["Manager"],
        facets=False,
    )
    post = body["post_filter"]["bool"]["filter"] if "post_filter" in body else []
    clauses = body["query"]["bool"]["filter"] + post
    assert {"terms": {"portal_type": ["Result", "Dossier"]}} in clauses
    assert {"range": {"year": {"gte": 2022, "lte": 2024}}} in clauses
    assert "aggs" not in body


def test_parse_response_of_empty_answer():
    assert parse_response({"hits": {"total": {"value": 0}, "hits": []}}) == {"total": 0, "items": [], "facets": {}}

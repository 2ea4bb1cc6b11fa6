"""Search behaviour against a real Elasticsearch: folding, ranking, security, facets, paging, bulk."""

import collections
import re

import pytest

from archive.search.client import SearchError
from archive.search.folding import fold
from archive.search.mapping import build_document
from archive.search.query import build_query
from archive.search.query import parse_response


MANAGER = ["Manager", "Authenticated", "user:admin"]
XAY_DUNG_STAFF = ["Authenticated", "user:an", "user:agency-so-xay-dung"]


def search(archive_index, params, principals=MANAGER, **options):
    body = build_query(params, principals, **options)
    return parse_response(archive_index.client.search(archive_index.alias, body))


def titles(result):
    return [item["source"]["title"] for item in result["items"]]


def visible(values, principals=MANAGER, show_inactive=False):
    """The corpus entries a user may see, computed without Elasticsearch."""
    out = []
    for v in values:
        if not set(v["allowedRolesAndUsers"]) & set(principals):
            continue
        if not show_inactive and (v.get("expires") and v["expires"] < "2026" or v["effective"] > "2098"):
            continue
        out.append(v)
    return out


def test_all_documents_indexed(archive_index):
    assert archive_index.client.count(archive_index.alias) == len(archive_index.values) == 30
    assert archive_index.index.endswith("-archive-v1")


@pytest.mark.parametrize("words", ["quyet dinh cap phep xay dung", "quyết định cấp phép xây dựng", "QUYẾT ĐỊNH cấp phép"])
def test_folded_and_accented_queries_find_the_same_documents(archive_index, words):
    result = search(archive_index, {"SearchableText": words, "b_size": 50})
    found = set(titles(result))
    expected = {
        "Quyết định cấp phép xây dựng nhà ở riêng lẻ",
        "Quyết định cấp phép xây dựng nhà ở riêng lẻ cho hộ ông Nguyễn Văn An",
        "Quyết định cấp phép xây dựng nhà ở riêng lẻ tại phường Phú Hội",
        "Quyết định cấp phép xây dựng công trình tạm",
        "Quyệt định cấp phép xây dựng công trình tạm",
        "Hồ sơ số 15/2024",  # only its attachment text matches
    }
    assert expected <= found
    # All words are required: nothing about business registration or land.
    assert not any("kinh doanh" in title or "đất" in title for title in found)
    # Expired / not yet effective decisions stay hidden.
    assert not any("hiệu lực" in title for title in found)
    assert result["total"] == len(found)


def test_unaccented_query_finds_accented_titles(archive_index):
    result = search(archive_index, {"SearchableText": "giay chung nhan dang ky kinh doanh"})
    # Every word found: first; an item missing one word of seven only after them.
    assert set(titles(result)[:2]) == {
        "Giấy chứng nhận đăng ký kinh doanh",
        "Giấy chứng nhận đăng ký kinh doanh hộ cá thể Trần Thị Bình",
    }
    assert titles(result)[2:] == ["Giấy chứng nhận đăng ký doanh nghiệp Công ty TNHH Ánh Dương"]


def test_exact_diacritics_rank_above_folded_only_matches(archive_index):
    result = search(archive_index, {"SearchableText": "quyết định cấp phép xây dựng công trình tạm"})
    order = titles(result)
    exact = order.index("Quyết định cấp phép xây dựng công trình tạm")
    misspelt = order.index("Quyệt định cấp phép xây dựng công trình tạm")
    assert exact == 0
    assert exact < misspelt

    result = search(archive_index, {"SearchableText": "quyết định cấp phép xây dựng"})
    order = titles(result)
    misspelt = order.index("Quyệt định cấp phép xây dựng công trình tạm")
    for position, title in enumerate(order):
        if title.startswith("Quyết định"):
            assert position < misspelt, order

    # Typed with the misspelling's own accents, the misspelt one comes first.
    result = search(archive_index, {"SearchableText": "quyệt định"})
    assert titles(result)[0] == "Quyệt định cấp phép xây dựng công trình tạm"


def marked_words(snippet):
    return " ".join(re.findall(r"<mark>(.*?)</mark>", snippet)).split()


def test_highlights_mark_matches_on_the_accented_text(archive_index):
    result = search(archive_index, {"SearchableText": "quyet dinh cap phep"})
    by_title = {item["source"]["title"]: item for item in result["items"]}
    highlight = by_title["Quyết định cấp phép xây dựng công trình tạm"]["highlights"]["title"][0]
    # Folded matches are marked on the original accented words (phrases in one mark).
    assert marked_words(highlight) == ["Quyết", "định", "cấp", "phép"]
    assert highlight.endswith("</mark> xây dựng công trình tạm")

    attachment = by_title["Hồ sơ số 15/2024"]["highlights"]
    assert "text" in attachment
    assert marked_words(attachment["text"][0]) == ["Quyết", "định", "cấp", "phép"]
    assert "123/QĐ-UBND" in attachment["text"][0]  # accented context kept, a citation as written

    misspelt = by_title["Quyệt định cấp phép xây dựng công trình tạm"]["highlights"]["title"][0]
    assert marked_words(misspelt) == ["Quyệt", "định", "cấp", "phép"]

    result = search(archive_index, {"SearchableText": "xây dựng"})
    for item in result["items"]:
        snippets = " ".join(s for values in item["highlights"].values() for s in values)
        assert "xây" in [word.lower() for word in marked_words(snippets)], item


def test_security_filter_hides_other_agencies(archive_index):
    result = search(archive_index, {"b_size": 100}, principals=XAY_DUNG_STAFF)
    agencies = {item["source"]["agency"] for item in result["items"]}
    assert agencies == {"so-xay-dung"}
    assert result["total"] == len(visible(archive_index.values, XAY_DUNG_STAFF))

    result = search(archive_index, {"SearchableText": "giấy chứng nhận"}, principals=XAY_DUNG_STAFF)
    assert result["total"] == 0

    anonymous = search(archive_index, {"b_size": 100}, principals=["Anonymous"])
    assert {item["source"]["review_state"] for item in anonymous["items"]} == {"published"}
    assert anonymous["total"] == len(visible(archive_index.values, ["Anonymous"]))


def test_expired_and_future_items_hidden_unless_inactive_shown(archive_index):
    params = {"SearchableText": "hiệu lực"}
    assert search(archive_index, params)["total"] == 0
    shown = search(archive_index, params, show_inactive=True)
    assert set(titles(shown)) == {
        "Quyết định cấp phép xây dựng đã hết hiệu lực",
        "Quyết định cấp phép xây dựng chưa có hiệu lực",
    }
    everything = search(archive_index, {}, show_inactive=True)
    assert everything["total"] == 30
    assert search(archive_index, {})["total"] == 28


def expected_facets(values, field, filters):
    counts = collections.Counter()
    for v in values:
        if all(v[name] in allowed for name, allowed in filters.items() if name != field):
            counts[v[field]] += 1
    return counts


def facet_counts(result, field):
    return {bucket["value"]: bucket["count"] for bucket in result["facets"][field]}


def test_facet_counts(archive_index):
    values = visible(archive_index.values)
    result = search(archive_index, {})
    for field in ("portal_type", "review_state", "agency", "procedure", "year"):
        assert facet_counts(result, field) == expected_facets(values, field, {}), field
    assert facet_counts(result, "agency") == {"so-xay-dung": 10, "so-ke-hoach-dau-tu": 8, "so-tai-nguyen-moi-truong": 10}

    # With a filter, each facet counts under the other filters only (multi-select facets).
    filters = {"agency": ["so-xay-dung"], "portal_type": ["Result"]}
    result = search(archive_index, {"agency": "so-xay-dung", "portal_type": "Result", "b_size": 50})
    assert result["total"] == sum(
        1 for v in values if v["agency"] == "so-xay-dung" and v["portal_type"] == "Result"
    )
    for field in ("portal_type", "review_state", "agency", "procedure", "year"):
        assert facet_counts(result, field) == expected_facets(values, field, filters), field

    # Facets follow the text query and the security filter.
    result = search(archive_index, {"SearchableText": "dat"}, principals=["Anonymous"])
    assert facet_counts(result, "agency") == {"so-tai-nguyen-moi-truong": 2}


def test_filters(archive_index):
    result = search(archive_index, {"procedure": "thu-hoi-dat", "year": {"query": [2022, 2023], "range": "min:max"}})
    assert sorted(item["source"]["year"] for item in result["items"]) == [2022, 2023, 2023]
    result = search(archive_index, {"review_state": ["published", "private"], "portal_type": "LegalDocument"})
    assert result["total"] == 3
    result = search(archive_index, {"path": "/plone/so-ke-hoach-dau-tu"})
    assert result["total"] == 8
    result = search(archive_index, {"legal_codes": "31/2024/QH15"})
    assert titles(result) == ["Luật Đất đai số 31/2024/QH15"]


def test_sorting_and_paging(archive_index):
    params = {"sort_on": "sortable_title", "b_size": 10}
    pages = []
    for start in (0, 10, 20):
        page = search(archive_index, dict(params, b_start=start))
        assert page["total"] == 28
        pages.extend(item["uid"] for item in page["items"])
    assert len(pages) == len(set(pages)) == 28
    everything = search(archive_index, dict(params, b_size=100))
    assert [item["uid"] for item in everything["items"]] == pages
    keys = [item["source"]["title"] for item in everything["items"]]
    assert [fold(k) for k in keys] == sorted(fold(k) for k in keys)

    newest = search(archive_index, {"sort_on": "year", "sort_order": "reverse", "b_size": 3})
    assert [item["source"]["year"] for item in newest["items"]] == [2024, 2024, 2024]


def test_ids_and_modified_for_reconciling(archive_index):
    ids = archive_index.client.ids_modified(archive_index.alias)
    expected = {v["uid"]: v["modified"] for v in archive_index.values}
    assert set(ids) == set(expected)
    assert ids["uid-00"].startswith("2023-03-01")
    small_pages = dict(archive_index.client.iter_ids(archive_index.alias, page_size=7))
    assert small_pages == ids


def test_bulk_is_idempotent_and_reports_item_errors(search_client):
    index = "test-bulk-archive-v1"
    search_client.delete_index(index)
    search_client.create_index(index)
    try:
        doc = build_document({"uid": "a", "title": "Quyết định", "year": 2024})
        actions = [
            {"action": "index", "id": "a", "doc": doc},
            {"action": "index", "id": "b", "doc": {"uid": "b", "year": "not a year"}},
            {"action": "delete", "id": "never-there"},
        ]
        first = search_client.bulk(index, actions, refresh=True)
        assert [error["id"] for error in first.errors] == ["b"]
        assert first.errors[0]["type"] == "document_parsing_exception" or "pars" in first.errors[0]["type"]
        assert not first.errors[0]["retryable"]
        second = search_client.bulk(index, actions[:1] + actions[2:], refresh=True)
        assert second.ok
        assert search_client.count(index) == 1

        # With versions, a late older write cannot overwrite a newer one.
        newer = dict(doc, title="Quyết định mới")
        assert search_client.bulk(index, [{"action": "index", "id": "a", "doc": newer, "version": 20}]).ok
        late = search_client.bulk(index, [{"action": "index", "id": "a", "doc": doc, "version": 10}], refresh=True)
        assert late.ok and late.skipped == 1
        assert search_client.get(index, "a")["title"] == "Quyết định mới"
        replay = search_client.bulk(index, [{"action": "index", "id": "a", "doc": newer, "version": 20}])
        assert replay.ok and replay.skipped == 0

        assert search_client.bulk(index, []).ok
        with pytest.raises(ValueError):
            search_client.bulk(index, [{"action": "update", "id": "a"}])
    finally:
        search_client.delete_index(index)


def test_bulk_to_a_missing_alias_fails_instead_of_creating_an_index(search_client):
    result = search_client.bulk(
        "test-missing-archive",
        [{"action": "index", "id": "x", "doc": {"uid": "x"}}],
        require_alias=True,
    )
    assert [(error["id"], error["status"]) for error in result.errors] == [("x", 404)]
    assert "alias" in result.errors[0]["reason"]
    assert not search_client.index_exists("test-missing-archive")


def test_client_errors_are_not_unavailability(search_client):
    with pytest.raises(SearchError) as raised:
        search_client.search("no-such-index", {"query": {"match_all": {}}})
    assert raised.value.status == 404
    assert type(raised.value) is SearchError

"""Relevance over the real engine: words found together (a person's name, an address, a
procedure name) rank far above the same words scattered over fields, accents typed or not;
quoted phrases, OR and a minus narrow the answer as the catalog's syntax says."""
import uuid

import pytest

from archive.search.mapping import alias_name
from archive.search.mapping import build_document
from archive.search.query import build_query
from archive.search.query import parse_response
from archive.search.syntax import BadParameter

DOCS = {
    # The person asked for, as written.
    "exact": ("Hồ sơ cấp phép xây dựng – Nguyễn Văn An", "Người nộp: Nguyễn Văn An, thôn Đông, xã Nghi Phú."),
    # The same name typed without accents by the officer who received it.
    "unaccented": ("Ho so cap phep xay dung – Nguyen Van An", "Nguoi nop: Nguyen Van An."),
    # Other people: every word of the name is there, accents and all, but apart.
    "scattered": ("Hồ sơ cấp phép xây dựng – Trần Thị Hoa",
                  "Địa chỉ: số 5 đường Nguyễn Trãi. Đính kèm: công văn của Văn phòng. Thôn An Hòa."),
    "scattered2": ("Hồ sơ đăng ký kinh doanh – Lê Văn Bình",
                   "Địa chỉ: phố Nguyễn Du, thôn An Lạc."),
    # An address searched as typed, and the same streets apart.
    "address": ("Hồ sơ cấp đổi giấy chứng nhận – Phạm Thị Mai", "Địa chỉ: số 12 đường Lê Lợi, thành phố Vinh."),
    "address_apart": ("Hồ sơ thu hồi đất – Lê Thị Lợi", "Địa chỉ: số 3 đường Trần Phú, thành phố Vinh; xã Lê Lợi cũ."),
}


@pytest.fixture(scope="module")
def phrase_index(search_client):
    prefix = f"phr-{uuid.uuid4().hex[:8]}"
    alias = alias_name(prefix)
    search_client.ensure_index(prefix)
    actions = [{"action": "index", "id": key, "doc": build_document({
        "uid": key, "path": f"/plone/x/{key}", "portal_type": "Dossier", "review_state": "received",
        "title": title, "text": text, "allowedRolesAndUsers": ["Manager"]})}
        for key, (title, text) in DOCS.items()]
    assert search_client.bulk(alias, actions, refresh=True, require_alias=True).ok
    yield alias
    for name in search_client.alias_indices(alias):
        search_client.delete_index(name)


def ranked(client, alias, text):
    body = build_query({"SearchableText": text, "b_size": 20}, ["Manager"], facets=False)
    return [(item["uid"], item["score"]) for item in parse_response(client.search(alias, body))["items"]]


@pytest.mark.parametrize("text", ["Nguyễn Văn An", "nguyen van an"])
def test_a_name_found_together_ranks_far_above_its_words_apart(search_client, phrase_index, text):
    answer = ranked(search_client, phrase_index, text)
    order = [uid for uid, _score in answer]
    scores = dict(answer)
    assert set(order[:2]) == {"exact", "unaccented"}, answer
    assert set(order[2:]) == {"scattered", "scattered2"}, answer
    if text == "Nguyễn Văn An":
        assert order[0] == "exact", answer  # accents typed: the exact spelling first
    # Far above: even the unaccented phrase scores several times the accented words apart.
    assert scores["unaccented"] > 5 * max(scores["scattered"], scores["scattered2"]), answer


def test_an_address_found_together_ranks_first(search_client, phrase_index):
    order = [uid for uid, _score in ranked(search_client, phrase_index, "đường Lê Lợi")]
    assert order[0] == "address"
    assert "address_apart" in order[1:]


def test_quoted_phrase_or_and_minus(search_client, phrase_index):
    found = lambda text: {uid for uid, _score in ranked(search_client, phrase_index, text)}  # noqa: E731
    assert found('"Nguyễn Văn An"') == {"exact", "unaccented"}
    assert found('"nguyen van an" -"xã Nghi Phú"') == {"unaccented"}
    assert found('"Trần Thị Hoa" OR "Lê Văn Bình"') == {"scattered", "scattered2"}
    assert found("Nguyễn An -Văn") == set()
    assert found("thôn -Đông") == {"scattered", "scattered2"}
    assert found("Ngh* Phú") == {"exact"}
    with pytest.raises(BadParameter) as refused:
        ranked(search_client, phrase_index, '"Nguyễn Văn')
    assert refused.value.name == "SearchableText"

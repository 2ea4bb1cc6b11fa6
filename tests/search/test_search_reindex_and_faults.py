"""Reindexing behind the alias without downtime, and SearchUnavailable when Elasticsearch is down."""

import threading
import time
import uuid

import pytest

from archive.search.client import SearchClient
from archive.search.client import SearchUnavailable
from archive.search.mapping import alias_name
from archive.search.mapping import build_document
from archive.search.query import build_query
from archive.search.query import parse_response
from archive.services.base import free_port


def test_alias_swap_reindex_keeps_answering(search_client, archive_corpus):
    prefix = f"swap-{uuid.uuid4().hex[:8]}"
    alias = alias_name(prefix)
    values = archive_corpus
    old = search_client.ensure_index(prefix)
    assert old == f"{prefix}-archive-v1"
    actions = [{"action": "index", "id": v["uid"], "doc": build_document(v)} for v in values]
    assert search_client.bulk(alias, actions, refresh=True, require_alias=True).ok

    body = build_query({"SearchableText": "quyet dinh", "b_size": 50}, ["Manager"], show_inactive=True)
    expected_total = parse_response(search_client.search(alias, body))["total"]
    assert expected_total > 5

    answers, failures, seen_indices = [], [], set()
    stop = threading.Event()

    def keep_searching():
        reader = SearchClient(search_client.url, timeout=5)
        deadline = time.monotonic() + 30
        while not stop.is_set() and time.monotonic() < deadline and len(answers) < 5000:
            try:
                raw = reader.search(alias, body)
                answers.append(parse_response(raw)["total"])
                seen_indices.update(hit["_index"] for hit in raw["hits"]["hits"])
            except Exception as exc:  # noqa: BLE001 - every failure counts
                failures.append(repr(exc))

    thread = threading.Thread(target=keep_searching)
    thread.start()
    try:
        while len(answers) < 5 and thread.is_alive():
            time.sleep(0.01)
        new = search_client.create_versioned_index(prefix)
        assert new == f"{prefix}-archive-v2"
        assert search_client.index_versions(prefix) == [1, 2]
        search_client.bulk(new, actions, refresh=True)
        before_swap = len(answers)
        left = search_client.swap_alias(alias, new, delete_old=True)
        assert left == [old]
        assert search_client.alias_indices(alias) == [new]
        while len(answers) < before_swap + 20 and thread.is_alive():
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(40)
        for name in search_client.alias_indices(alias) + [old]:
            search_client.delete_index(name)

    assert failures == []
    assert len(answers) >= 25
    assert set(answers) == {expected_total}
    assert seen_indices == {old, new}


def test_unreachable_server_raises_search_unavailable():
    client = SearchClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    assert client.ping() is False
    assert client.is_healthy() is False
    with pytest.raises(SearchUnavailable):
        client.search("anything", {"query": {"match_all": {}}})
    with pytest.raises(SearchUnavailable):
        client.bulk("anything", [{"action": "delete", "id": "x"}])


def test_paused_server_times_out_as_unavailable(elasticsearch, archive_index):
    client = SearchClient(elasticsearch.url, timeout=1)
    elasticsearch.pause()
    try:
        with pytest.raises(SearchUnavailable):
            client.count(archive_index.alias)
    finally:
        elasticsearch.resume()
    # Through a client with the usual timeout: the resumed JVM may take a second to catch up.
    assert archive_index.client.count(archive_index.alias) == 30


def test_stopped_server_raises_search_unavailable_and_keeps_data(elasticsearch, archive_index):
    client = archive_index.client
    body = build_query({"SearchableText": "giấy chứng nhận"}, ["Manager"])
    before = parse_response(client.search(archive_index.alias, body))["total"]
    assert before > 0
    url = elasticsearch.url
    elasticsearch.stop()
    try:
        assert client.ping() is False
        with pytest.raises(SearchUnavailable):
            client.search(archive_index.alias, body)
        with pytest.raises(SearchUnavailable):
            client.bulk(archive_index.alias, [{"action": "delete", "id": "uid-00"}])
        with pytest.raises(SearchUnavailable):
            client.ids_modified(archive_index.alias)
    finally:
        elasticsearch.start()
    assert elasticsearch.url == url
    assert client.count(archive_index.alias) == 30
    assert parse_response(client.search(archive_index.alias, body))["total"] == before

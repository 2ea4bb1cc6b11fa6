"""Reindexing behind the alias without downtime, SearchUnavailable when Elasticsearch is down,
and the site's answer then: 503, or the catalog's, marked degraded, where the site allows it."""

import os
import re
import threading
import time
import unittest
import uuid
from datetime import date

import pytest
import requests
import transaction
from archive.content.intake import receive_dossier
from archive.search import sync
from archive.testing import ARCHIVE_FUNCTIONAL_TESTING
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

from archive.search.client import SearchClient
from archive.search.client import SearchUnavailable
from archive.search.mapping import alias_name
from archive.search.mapping import build_document
from archive.search.query import build_query
from archive.search.query import parse_response
from archive.services.base import free_port
from helpers import AGENCY
from helpers import PASSWORD
from helpers import build_province
from helpers import dossier_fields


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


class TestCatalogFallback(unittest.TestCase):
    """Elasticsearch stopped: without `archive.search.catalog_fallback` the search services answer
    503; with it, the catalog answers, restricted to what each user may see, and says `degraded`."""

    layer = ARCHIVE_FUNCTIONAL_TESTING

    @pytest.fixture(autouse=True)
    def services(self, elasticsearch):
        self.es = elasticsearch

    def setUp(self):
        self.portal = self.layer["portal"]
        self.url = f"http://{self.layer['host']}:{self.layer['port']}/plone"
        self.prefix = f"fb{int(time.time() * 1000) % 10**9}"
        self.addCleanup(lambda: [os.environ.pop(name, None) for name in ("ARCHIVE_ES_URL", "ARCHIVE_ES_PREFIX")])
        os.environ.update(ARCHIVE_ES_URL=self.es.url, ARCHIVE_ES_PREFIX=self.prefix)
        build_province(self.portal, commit=False)
        self.urls = {}
        with api.env.adopt_user(username="reception"):
            for key, name in (("bich", "Trần Thị Bích"), ("lan", "Nguyễn Văn Lan")):
                dossier = receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields(applicant_name=name))
                self.urls[key] = dossier.absolute_url().replace("http://nohost/plone", self.url)
        transaction.commit()
        config = sync.Config(site=self.url, auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD), es=self.es.url,
                             prefix=self.prefix)
        self.assertEqual(sync.reindex(config)[1], 2)
        client = SearchClient(self.es.url)
        self.addCleanup(lambda: [client.delete_index(name) for name in client.alias_indices(alias_name(self.prefix))])

    def call(self, path, user, **params):
        return requests.get(self.url + path, params=params, auth=(user, PASSWORD) if user else None,
                            headers={"Accept": "application/json"}, timeout=60)

    def archive_search(self, user, text):
        return self.call("/@archive-search", user, SearchableText=text)

    def plain_search(self, user, text):
        return self.call("/@search", user, SearchableText=text, portal_type="Dossier")

    def test_stopped_elasticsearch_is_503_or_a_degraded_catalog_answer(self):
        up = self.archive_search("leader", "Bích").json()
        self.assertEqual(([item["@id"] for item in up["items"]], up["degraded"]), ([self.urls["bich"]], False))
        self.assertTrue(up["items"][0]["highlights"])  # Elasticsearch marks the words it found
        self.assertEqual(up["engine"], "elasticsearch")
        plain = self.plain_search("leader", "Bích").json()
        self.assertNotIn("degraded", plain)
        self.assertEqual(plain["engine"], "elasticsearch")
        self.es.stop()
        try:
            # The fallback off (the default): the outage is reported, not hidden.
            self.assertEqual(self.archive_search("leader", "Bích").status_code, 503)
            self.assertEqual(self.plain_search("leader", "Bích").status_code, 503)
            api.portal.set_registry_record("archive.search.catalog_fallback", True)
            transaction.commit()
            down = self.archive_search("leader", "Bích")
            self.assertEqual(down.status_code, 200, down.text[:500])
            down = down.json()
            self.assertEqual((down["degraded"], down["engine"]), (True, "catalog"))
            self.assertEqual([item["@id"] for item in down["items"]], [self.urls["bich"]])
            self.assertEqual((down["items_total"], down["facets"], down["items"][0]["highlights"]), (1, {}, {}))
            both = self.archive_search("leader", "Bích OR Lan").json()
            self.assertEqual({item["@id"] for item in both["items"]}, set(self.urls.values()))
            plain = self.plain_search("leader", "Bích")
            self.assertEqual(plain.status_code, 200, plain.text[:500])
            self.assertEqual((plain.json()["degraded"], plain.json()["engine"]), (True, "catalog"))
            self.assertEqual([item["@id"] for item in plain.json()["items"]], [self.urls["bich"]])
            # Restricted as the catalog restricts: another agency's officer and anonymous see nothing.
            for user in ("other_reception", None):
                for answer in (self.archive_search(user, "Bích"), self.plain_search(user, "Bích")):
                    self.assertEqual(answer.status_code, 200, answer.text[:300])
                    self.assertEqual((answer.json()["items_total"], answer.json()["degraded"]), (0, True))
            page = requests.get(self.url + "/@@archive-search", params={"SearchableText": "Bích"},
                                auth=("leader", PASSWORD), timeout=60)
            self.assertEqual(page.status_code, 200)
            self.assertIn("alert-warning", page.text)
            self.assertIn(self.urls["bich"], page.text)
        finally:
            self.es.start()
        again = self.archive_search("leader", "Bích").json()
        self.assertEqual(([item["@id"] for item in again["items"]], again["degraded"]), ([self.urls["bich"]], False))

    def test_the_search_page_names_facets_and_hits_as_officers_do(self):
        page = requests.get(self.url + "/@@archive-search", params={"SearchableText": "Bích"},
                            auth=("leader", PASSWORD), timeout=60)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Sở Xây dựng (000.00.12.H41)", page.text)  # the agency facet, by name
        self.assertIn("Cấp giấy phép xây dựng (1.009972)", page.text)  # the procedure facet
        self.assertIn(">Received<", page.text)  # the state by its workflow title, not its id
        self.assertNotIn(">received<", page.text)

    def test_a_legal_documents_hit_shows_its_number_and_date(self):
        with api.env.adopt_roles(["Manager"]):
            doc = api.content.create(
                container=self.portal["legal-documents"], type="LegalDocument", id="qd-04-2025",
                title="Quyết định về bảng giá đất", number_notation="04/2025/QĐ-UBND",
                document_type="provincial_committee_decision", issuing_body="Ủy ban nhân dân tỉnh",
                signer="Lê Hồng Vinh", issue_date=date(2025, 3, 1), effective_from=date(2025, 3, 11))
        self.assertTrue(doc.UID())
        transaction.commit()
        config = sync.Config(site=self.url, auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD), es=self.es.url,
                             prefix=self.prefix)
        sync.reindex(config)
        admin = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)  # the draft is the drafters' and the administrators'
        answer = requests.get(self.url + "/@archive-search", params={"SearchableText": "bảng giá đất"}, auth=admin,
                              headers={"Accept": "application/json"}, timeout=60).json()
        self.assertEqual([(i["number_notation"], i["issued"][:10]) for i in answer["items"]],
                         [("04/2025/QĐ-UBND", "2025-03-01")])
        page = requests.get(self.url + "/@@archive-search", params={"SearchableText": "bảng giá đất"}, auth=admin,
                            timeout=60)
        self.assertIn("No. 04/2025/QĐ-UBND of 01/03/2025", page.text)

    def test_the_search_page_pages_through_the_hits(self):
        def page(**params):
            return requests.get(self.url + "/@@archive-search", params={"SearchableText": "Bích OR Lan", **params},
                                auth=("leader", PASSWORD), timeout=60).text

        first = page(b_size=1)
        self.assertIn("Page 1 of 2", " ".join(first.split()))
        self.assertNotIn('id="search-previous"', first)
        following = re.search(r'<a[^>]*id="search-next"[^>]*>', first).group(0)
        self.assertIn("b_start=1", following)
        second = page(b_size=1, b_start=1)
        self.assertIn("Page 2 of 2", " ".join(second.split()))
        self.assertNotIn('id="search-next"', second)
        hits = [url for url in self.urls.values() if f'href="{url}"' in first + second]
        self.assertEqual(sorted(hits), sorted(self.urls.values()))  # each hit on one of the pages
        self.assertNotIn('id="search-pager"', page())  # one page: no pager


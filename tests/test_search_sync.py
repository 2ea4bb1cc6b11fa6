"""Search kept in step: the outbox, a real Celery worker on a real Redis, a real Elasticsearch.

Each fault test ends with zero differences between the catalog and the index: the same
items, each with the modification time the catalog has (an edit that never reached the index
leaves a stale document, which is a difference).
"""
import base64
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import unittest.mock

import pytest
import requests
import transaction
from archive.pdf import simple_pdf
from archive.testing import ARCHIVE_FUNCTIONAL_TESTING
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

from helpers import AGENCY
from helpers import PASSWORD
from helpers import build_province
from helpers import dossier_fields

CELERY = os.path.join(os.path.dirname(sys.executable), "celery")


SYNC_ENV = ("ARCHIVE_ES_URL", "ARCHIVE_BROKER_URL", "ARCHIVE_ES_PREFIX")


class Worker:
    """A Celery worker process with the periodic drain built in."""

    def __init__(self, env):
        self.env = env
        self.process = None
        self.dir = tempfile.mkdtemp(prefix="archive-worker-")

    def start(self):
        log = open(os.path.join(self.dir, "worker.log"), "ab")
        self.process = subprocess.Popen(
            [CELERY, "-A", "archive.tasks.app", "worker", "-B", "--pool=solo", "--loglevel=INFO",
             "-s", os.path.join(self.dir, "beat-schedule"), "--without-gossip", "--without-mingle"],
            env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
            start_new_session=True)

    def kill(self):
        """SIGKILL to the whole group: the embedded beat (-B) is a child process that would
        otherwise outlive its worker."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def close(self):
        """Stop for good and remove the working directory (beat schedule, log)."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        with open(os.path.join(self.dir, "worker.log"), "rb") as log:
            return log.read().decode("utf-8", "replace")[-4000:]


class TestSearchSync(unittest.TestCase):
    layer = ARCHIVE_FUNCTIONAL_TESTING

    @pytest.fixture(autouse=True)
    def services(self, elasticsearch, redis_server):
        self.es, self.redis = elasticsearch, redis_server

    def setUp(self):
        self.portal = self.layer["portal"]
        self.url = f"http://{self.layer['host']}:{self.layer['port']}/plone"
        self.prefix = f"t{int(time.time() * 1000) % 10**9}"
        self.addCleanup(lambda: [os.environ.pop(name, None) for name in SYNC_ENV])  # also if setUp fails
        os.environ.update(ARCHIVE_ES_URL=self.es.url, ARCHIVE_BROKER_URL=self.redis.url, ARCHIVE_ES_PREFIX=self.prefix)
        build_province(self.portal)
        self.worker = Worker({
            "ARCHIVE_BROKER_URL": self.redis.url, "ARCHIVE_SITE_URL": self.url,
            "ARCHIVE_SERVICE_AUTH": f"{SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}",
            "ARCHIVE_ES_URL": self.es.url, "ARCHIVE_ES_PREFIX": self.prefix, "ARCHIVE_DRAIN_EVERY": "2",
        })
        self.addCleanup(self.worker.close)
        self.worker.start()

    # -- helpers -------------------------------------------------------------------

    def call(self, method, path, user=None, **kwargs):
        auth = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD) if user == "admin" else ((user, PASSWORD) if user else None)
        url = path if path.startswith("http") else self.url + path
        return requests.request(method, url, auth=auth, headers={"Accept": "application/json"},
                                timeout=60, **kwargs)

    def receive(self, count, **overrides):
        urls = []
        for number in range(count):
            answer = self.call("POST", f"/dossiers/{AGENCY}", "reception",
                               json={"@type": "Dossier", **dossier_fields(**overrides)})
            self.assertEqual(answer.status_code, 201, answer.text)
            urls.append(answer.json()["@id"])
        return urls

    def index_ids(self):
        """{uid: modified} as the index holds them."""
        index = f"{self.prefix}-archive"
        requests.post(f"{self.es.url}/{index}/_refresh", timeout=30)
        answer = requests.get(f"{self.es.url}/{index}/_search",
                              json={"size": 10000, "_source": ["modified"]}, timeout=30)
        if answer.status_code == 404:
            return {}
        return {hit["_id"]: hit["_source"].get("modified") for hit in answer.json()["hits"]["hits"]}

    def catalog_ids(self):
        """{uid: modified} as the catalog holds them, in the index's notation."""
        transaction.begin()
        catalog = api.portal.get_tool("portal_catalog")
        return {b.UID: b.modified.ISO8601()
                for b in catalog.unrestrictedSearchResults(portal_type=["Dossier", "Result", "LegalDocument"])}

    def pending(self):
        return self.call("GET", "/@search-outbox", "admin", params={"limit": 1}).json()["pending"]

    def wait_in_step(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.pending() == 0 and self.index_ids() == self.catalog_ids():
                return
            time.sleep(1)
        index, catalog = self.index_ids(), self.catalog_ids()
        stale = sorted(uid for uid in set(index) & set(catalog) if index[uid] != catalog[uid])
        self.fail(f"not in step after {timeout}s: pending={self.pending()} index={len(index)} "
                  f"catalog={len(catalog)} stale={stale[:5]}\n{self.worker.log()}")

    # -- behaviour ---------------------------------------------------------------

    def test_changes_reach_the_index_and_search_is_restricted(self):
        urls = self.receive(3, applicant_name="Nguyễn Văn Quyết")
        self.receive(1, applicant_name="Trần Thị Lan")
        self.wait_in_step()
        for text in ("nguyen van quyet", "Nguyễn Văn Quyết"):
            found = self.call("GET", "/@archive-search", "leader", params={"SearchableText": text})
            self.assertEqual(found.status_code, 200, found.text)
            self.assertEqual(found.json()["items_total"], 3, text)
        self.assertEqual(self.call("GET", "/@archive-search", "other_reception",
                                   params={"SearchableText": "quyet"}).json()["items_total"], 0)
        self.assertEqual(self.call("GET", "/@archive-search", params={"SearchableText": "quyet"}).json()["items_total"], 0)
        # The site's search page gives people the same answer, with facets and highlights.
        page = requests.get(self.url + "/@@archive-search", params={"SearchableText": "quyet"},
                            auth=("leader", PASSWORD), timeout=60)
        self.assertEqual(page.status_code, 200, page.text[-3000:])
        self.assertIn("<mark>Quyết</mark>", page.text)
        self.assertIn(">Dossier<", page.text)
        # plone.restapi's @search keeps its shape and is answered by Elasticsearch.
        plain = self.call("GET", "/@search", "leader", params={"SearchableText": "nguyen van quyet", "portal_type": "Dossier",
                                                               "b_size": 2, "metadata_fields": "dossier_code"}).json()
        self.assertEqual(plain["items_total"], 3)
        self.assertEqual(len(plain["items"]), 2)
        self.assertIn("next", plain["batching"])
        self.assertTrue(all(item["dossier_code"] for item in plain["items"]))
        hidden = self.call("GET", "/@search", "other_reception", params={"SearchableText": "quyet", "portal_type": "Dossier"})
        self.assertEqual(hidden.json()["items_total"], 0)
        # Text inside an attached PDF is found, through the dossier that holds it.
        pdf = base64.b64encode(simple_pdf("Ban ve mat bang Thanhphanbimat")).decode()
        added = self.call("POST", urls[2], "reception", json={
            "@type": "DossierComponent", "title": "Bản vẽ", "kind": "copy",
            "file": {"data": pdf, "encoding": "base64", "filename": "ban-ve.pdf", "content-type": "application/pdf"}})
        self.assertEqual(added.status_code, 201, added.text)
        self.wait_in_step()
        inside = self.call("GET", "/@archive-search", "leader", params={"SearchableText": "thanhphanbimat"}).json()
        self.assertEqual([item["@id"] for item in inside["items"]], [urls[2]])
        # A workflow change and a deletion follow.
        fired = self.call("POST", urls[0] + "/@workflow/start_processing", "reception")
        self.assertEqual(fired.status_code, 200, (urls, fired.text[:500]))
        self.assertEqual(self.call("DELETE", urls[1], "admin").status_code, 204)
        self.wait_in_step()
        facets = self.call("GET", "/@archive-search", "leader", params={"SearchableText": "quyet"}).json()["facets"]
        states = {f["value"]: f["count"] for f in facets["review_state"]}
        self.assertEqual(states, {"received": 1, "processing": 1})

    def test_documents_from_the_catalog_record_and_paging_after_a_uid(self):
        from archive.search.documents import catalog_documents
        from archive.search.documents import catalog_rids
        from archive.search import outbox
        from archive.search.documents import document_for
        from archive.search.documents import modified_version

        self.worker.stop()  # the entries stay in the outbox
        urls = self.receive(3)
        # A local role for an officer of another agency: the dossier's security is reindexed.
        transaction.begin()
        dossier = self.portal.unrestrictedTraverse(urls[0].replace(self.url + "/", ""))
        api.user.grant_roles(username="other_reception", obj=dossier, roles=["Leader"])
        dossier.reindexObjectSecurity()
        transaction.commit()
        first = self.call("GET", "/@search-outbox", "admin", params={"limit": 1}).json()["items"]
        rest = self.call("GET", "/@search-outbox", "admin", params={"limit": 10, "after": first[0]["uid"]}).json()["items"]
        self.assertEqual(len(first) + len(rest), 3)
        self.assertTrue(all(item["uid"] > first[0]["uid"] for item in rest))
        # The inventory pages after a UID give what paging by position gives, in UID order.
        inventory = lambda **params: self.call("GET", "/@search-inventory", "admin", params={"b_size": 2, **params}).json()
        total = inventory(b_start=0)["items_total"]
        by_position = [item for start in range(0, total, 2) for item in inventory(b_start=start)["items"]]
        by_uid, after = [], ""
        while True:
            page = inventory(after=after)
            self.assertEqual(page["items_total"], total)
            by_uid.extend(page["items"])
            if len(page["items"]) < 2:
                break
            after = page["items"][-1]["uid"]
        self.assertEqual(by_uid, by_position)
        self.assertEqual([item["uid"] for item in by_uid], sorted(item["uid"] for item in by_uid))
        self.assertGreaterEqual(total, 3)
        # Built from the catalog's indexes, a document says exactly what the object says,
        # security included (here after a local role change).
        transaction.begin()
        catalog = api.portal.get_tool("portal_catalog")
        uids = [item["uid"] for item in first + rest]
        built = {uid: doc for uid, doc, version in catalog_documents(catalog, catalog_rids(catalog, uids))}
        for brain in catalog.unrestrictedSearchResults(UID=uids):
            expected = document_for(brain._unrestrictedGetObject())
            self.assertEqual(sorted(built[brain.UID].pop("allowedRolesAndUsers")),
                             sorted(expected.pop("allowedRolesAndUsers")))
            self.assertEqual(built[brain.UID], expected)
        shared_uid = catalog.unrestrictedSearchResults(path={"query": urls[0].replace(self.url, "/plone"), "depth": 0})[0].UID
        self.assertIn("user:other_reception", catalog_documents(catalog, catalog_rids(catalog, [shared_uid]))[0][1]["allowedRolesAndUsers"])
        # A later change, and a PDF part (whose text the drain extracts: no values noted).
        self.assertEqual(self.call("PATCH", urls[1], "reception", json={"applicant_name": "Lê Thị Thuỷ"}).status_code, 204)
        pdf = base64.b64encode(simple_pdf("Ban ve")).decode()
        self.assertEqual(self.call("POST", urls[2], "reception", json={
            "@type": "DossierComponent", "title": "Bản vẽ", "kind": "copy",
            "file": {"data": pdf, "encoding": "base64", "filename": "ban-ve.pdf", "content-type": "application/pdf"},
        }).status_code, 201)
        transaction.begin()
        entries = dict(outbox.pending(None, self.portal))
        brains = {brain.getPath(): brain for brain in catalog.unrestrictedSearchResults(UID=uids)}
        uid_of = {url: brains[url.replace(self.url, "/plone")].UID for url in urls}
        self.assertIn("Lê Thị Thuỷ", entries[uid_of[urls[1]]]["values"]["text"])
        self.assertNotIn("values", entries[uid_of[urls[2]]])
        # What the outbox noted when the items were written gives the same documents (and
        # versions) as the objects do; security and state still come from the catalog.
        written = {uid: (entry["values"], entry["version"]) for uid, entry in entries.items() if "values" in entry}
        self.assertEqual(len(written), 2)
        from_entries = catalog_documents(catalog, catalog_rids(catalog, uids), written)
        for uid, doc, version in from_entries:
            obj = catalog.unrestrictedSearchResults(UID=uid)[0]._unrestrictedGetObject()
            expected = document_for(obj)
            self.assertEqual(sorted(doc.pop("allowedRolesAndUsers")), sorted(expected.pop("allowedRolesAndUsers")))
            self.assertEqual((doc, version), (expected, modified_version(obj)))
        self.assertIn("user:other_reception", dict((uid, doc) for uid, doc, _v in catalog_documents(
            catalog, catalog_rids(catalog, [shared_uid]), written))[shared_uid]["allowedRolesAndUsers"])
        # Values that cannot be built never fail the write: the drain builds the document.
        broken = unittest.mock.patch.object(outbox, "object_values", side_effect=AttributeError("broken"))
        transaction.begin()
        with broken:
            self.portal.unrestrictedTraverse(urls[1].replace(self.url + "/", "")).reindexObject()
            transaction.commit()
        self.assertNotIn("values", dict(outbox.pending(None, self.portal))[uid_of[urls[1]]])
        self.worker.start()
        self.wait_in_step()
        found = self.call("GET", "/@archive-search", "other_reception", params={"SearchableText": "Nguyễn"}).json()
        self.assertEqual([item["@id"] for item in found["items"]], [urls[0]])

    def test_elasticsearch_stopped_while_200_items_are_written(self):
        indexed = self.receive(10)
        self.wait_in_step()
        self.es.stop()
        try:
            urls = self.receive(200)
            # Edits of items the index already holds, and of items it has not seen yet: after the
            # outage each document has the catalog's modification time (no stale document).
            for url in indexed + urls[:40]:
                self.assertEqual(self.call("PATCH", url, "reception", json={"applicant_phone": "0912345678"}).status_code, 204)
            self.assertGreater(self.pending(), 0)
            down = self.call("GET", "/@archive-search", "leader", params={"SearchableText": "Nguyễn"})
            self.assertEqual(down.status_code, 503)
            self.assertIn("unavailable", down.json()["error"]["message"])
            plain = self.call("GET", "/@search", "leader", params={"SearchableText": "Nguyễn", "portal_type": "Dossier"})
            self.assertEqual(plain.status_code, 503)
        finally:
            self.es.start()
        self.wait_in_step(timeout=240)

    def test_broker_stopped_during_writes(self):
        self.redis.stop()
        try:
            self.receive(20)
            self.assertGreater(self.pending(), 0)
        finally:
            self.redis.start()
        self.wait_in_step(timeout=180)

    def test_worker_killed_in_the_middle_of_a_batch(self):
        self.receive(30)
        time.sleep(0.5)
        self.worker.kill()
        self.receive(10)
        self.assertGreater(self.pending(), 0)
        self.worker.start()
        self.wait_in_step(timeout=180)

    def archive_command(self, *args):
        env = {**os.environ, "ARCHIVE_SITE_URL": self.url, "ARCHIVE_SERVICE_AUTH": f"{SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}",
               "ARCHIVE_ES_URL": self.es.url, "ARCHIVE_ES_PREFIX": self.prefix}
        archive = os.path.join(os.path.dirname(sys.executable), "archive")
        return subprocess.run([archive, "search", *args], env=env, capture_output=True, text=True, timeout=300)

    def test_reconcile_finds_and_repairs_differences(self):
        self.receive(5)
        self.wait_in_step()
        self.worker.stop()  # the command repairs on its own
        index = f"{self.prefix}-archive"
        lost, stale = sorted(self.index_ids())[:2]
        requests.delete(f"{self.es.url}/{index}/_doc/{lost}", params={"refresh": "true"}, timeout=30)
        requests.put(f"{self.es.url}/{index}/_doc/not-in-the-site", params={"refresh": "true"},
                     json={"uid": "not-in-the-site", "title": "orphan", "allowedRolesAndUsers": ["Anonymous"]}, timeout=30)
        # An edit that never reached the index: an older document under the same id.
        old = requests.get(f"{self.es.url}/{index}/_doc/{stale}", timeout=30).json()["_source"]
        requests.put(f"{self.es.url}/{index}/_doc/{stale}", params={"refresh": "true"}, timeout=30,
                     json={**old, "title": "before the edit", "modified": "2020-01-01T00:00:00+07:00"})
        self.assertNotEqual(self.index_ids()[stale], self.catalog_ids()[stale])
        dry = self.archive_command("reconcile", "--dry-run")
        self.assertIn("missing: 1", dry.stdout)
        self.assertIn("stale: 1", dry.stdout)
        self.assertIn("orphaned: 1", dry.stdout)
        self.assertIn(lost, dry.stdout)
        self.assertIn(stale, dry.stdout)
        fixed = self.archive_command("reconcile")
        self.assertEqual(fixed.returncode, 0, fixed.stdout + fixed.stderr)
        self.assertIn("after repair: 0 differences", fixed.stdout)
        self.assertEqual(self.index_ids(), self.catalog_ids())

    def test_reindex_swaps_the_alias_without_downtime(self):
        self.receive(10)
        self.wait_in_step()
        import threading

        failures, answers, stop = [], [], threading.Event()

        def keep_searching():
            while not stop.is_set():
                answer = self.call("GET", "/@archive-search", "leader", params={"SearchableText": "Nguyễn"})
                (answers if answer.status_code == 200 and answer.json()["items_total"] == 10 else failures).append(answer.status_code)

        searcher = threading.Thread(target=keep_searching)
        searcher.start()
        try:
            done = self.archive_command("reindex")
        finally:
            stop.set()
            searcher.join(60)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("10 documents in", done.stdout)
        self.assertEqual(failures, [])
        self.assertGreater(len(answers), 0)
        aliases = requests.get(f"{self.es.url}/_alias/{self.prefix}-archive", timeout=30).json()
        self.assertEqual(list(aliases), [f"{self.prefix}-archive-v2"])

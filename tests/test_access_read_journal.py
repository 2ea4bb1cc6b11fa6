"""Reads of personal data are journaled (who, what, when; not the content): a dossier's JSON
and its page, a component's file, a search by citizen ID; @audit-journal shows them and
filters them by action. The added cost per request is measured and printed."""
import json
from concurrent.futures import ThreadPoolExecutor
import statistics
import time

import requests
from archive.audit import access
from zope.component import getGlobalSiteManager
from ZPublisher.interfaces import IPubBeforeCommit

from helpers import AGENCY
from helpers import PASSWORD
from helpers import RestTestCase
from helpers import dossier_fields

CITIZEN_ID = "040201001234"


class TestReadsAreJournaled(RestTestCase):
    def setUp(self):
        super().setUp()
        created = self.call("POST", f"/dossiers/{AGENCY}", "reception",
                            json={"@type": "Dossier", **dossier_fields(applicant_id=CITIZEN_ID)})
        self.assertEqual(created.status_code, 201, created.text)
        self.dossier = created.json()
        self.url = self.url  # the site
        component = self.call("POST", self.dossier["@id"], "reception", json={
            "@type": "DossierComponent", "title": "Đơn đề nghị", "kind": "original", "digitised": True,
            "file": {"data": "JVBERi0xLjQK", "encoding": "base64", "filename": "don.pdf",
                     "content-type": "application/pdf"}})
        self.assertEqual(component.status_code, 201, component.text)
        self.component = component.json()
        self.path = "/plone" + self.dossier["@id"].split("/plone", 1)[1]

    def journal(self, **params):
        answer = self.call("GET", "/@audit-journal", "admin", params=params)
        self.assertEqual(answer.status_code, 200, answer.text)
        return answer.json()["items"]

    def html(self, url, user):
        return requests.get(url, auth=(user, PASSWORD), headers={"Accept": "text/html"}, timeout=30)

    def test_reads_downloads_and_citizen_searches(self):
        self.assertEqual(self.journal(action="read"), [])  # writing is not reading
        self.assertEqual(self.call("GET", self.dossier["@id"], "specialist").status_code, 200)
        self.assertEqual(self.html(self.dossier["@id"], "leader").status_code, 200)
        download = self.call("GET", self.component["@id"] + "/@@download/file", "specialist")
        self.assertEqual(download.content, b"%PDF-1.4\n")
        self.assertEqual(self.call("GET", "/@search", "leader", params={"SearchableText": CITIZEN_ID}).status_code, 200)
        self.assertEqual(self.html(f"{self.url}/@@search?SearchableText={CITIZEN_ID}", "specialist").status_code, 200)
        # Not reads of personal data: a refused read, a search by a name, the agency register.
        self.assertEqual(self.call("GET", self.dossier["@id"], "other_reception").status_code, 401)
        self.call("GET", "/@search", "leader", params={"SearchableText": "Nguyễn"})
        self.call("GET", f"/agencies/{AGENCY}", "leader")

        reads = self.journal(action="read")
        self.assertEqual([(e["actor"], e["path"], e["details"]["via"]) for e in reads],
                         [("specialist", self.path, "json"), ("leader", self.path, "html")])
        [got] = self.journal(action="download")
        self.assertEqual((got["actor"], got["path"], got["portal_type"]),
                         ("specialist", self.path + "/" + self.component["@id"].rsplit("/", 1)[1], "DossierComponent"))
        searches = self.journal(action="search")
        self.assertEqual([(e["actor"], e["details"]["citizen_ids"]) for e in searches],
                         [("leader", [CITIZEN_ID]), ("specialist", [CITIZEN_ID])])
        # Who, what and when; not what was shown.
        for entry in reads + [got]:
            self.assertTrue(entry["time"])
            text = json.dumps(entry, ensure_ascii=False)
            for shown in ("Nguyễn", CITIZEN_ID, "Lê Lợi", "don.pdf"):
                self.assertNotIn(shown, text)
        # Filters combine: one reader's reads of this dossier.
        self.assertEqual(len(self.journal(action="read", actor="leader", path=self.path)), 1)
        self.assertEqual(len(self.journal(action=["read", "download"])), 3)
        # The auditor's own look at the journal verifies with the reads in it.
        verified = self.call("GET", "/@audit-verify", "auditor")
        self.assertEqual(verified.status_code, 200, verified.text)
        self.assertTrue(verified.json()["valid"], verified.text)

    def test_added_cost_per_read(self):
        """Dossier JSON GETs with and without the read journal, in alternating rounds."""
        manager = getGlobalSiteManager()
        session = requests.Session()
        session.auth = ("specialist", PASSWORD)
        session.headers["Accept"] = "application/json"

        def timed(n):
            times = []
            for _ in range(n):
                started = time.perf_counter()
                self.assertEqual(session.get(self.dossier["@id"], timeout=30).status_code, 200)
                times.append(time.perf_counter() - started)
            return times

        timed(10)  # warm caches
        on, off = [], []
        for _ in range(5):
            on += timed(20)
            self.assertTrue(manager.unregisterHandler(access.journal_read, (IPubBeforeCommit,)))
            try:
                off += timed(20)
            finally:
                manager.registerHandler(access.journal_read, (IPubBeforeCommit,))
        added = statistics.median(on) - statistics.median(off)
        print(f"\nread journal: median JSON GET {statistics.median(off) * 1000:.2f} ms without, "
              f"{statistics.median(on) * 1000:.2f} ms with, added {added * 1000:.2f} ms per read")
        answer = self.call("GET", "/@audit-journal", "admin", params={"action": "read", "actor": "specialist"})
        self.assertEqual(answer.json()["items_total"], 110)
        self.assertLess(added, 0.025)  # a busy desk must not notice

    def test_concurrent_readers_are_all_journaled(self):
        """Eight desks reading at once: every read is on record, none answered with an error."""
        def reader(user):
            session = requests.Session()
            session.auth = (user, PASSWORD)
            session.headers["Accept"] = "application/json"
            return [session.get(self.dossier["@id"], timeout=60).status_code for _ in range(25)]

        with ThreadPoolExecutor(8) as pool:
            statuses = [s for batch in pool.map(reader, ["specialist", "leader"] * 4) for s in batch]
        self.assertEqual(statuses, [200] * 200)
        answer = self.call("GET", "/@audit-journal", "admin", params={"action": "read", "path": self.path})
        self.assertEqual(answer.json()["items_total"], 200)

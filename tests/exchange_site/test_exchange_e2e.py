"""End to end: two Plone sites (two Zope processes, two ZODBs), the reference axis, one Celery
worker per site on a real Redis (one database each). A legal document with two PDFs goes from
A to B; B's officers answer 03 and 06; A revokes it and B marks it revoked; the axis going down
mid-send delays but loses nothing."""
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import pytest
import requests
from archive.exchange.axis_server import BackgroundServer
from archive.exchange.axis_server import register_agency
from archive.pdf import simple_pdf

from exchange_site_helpers import make_party

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from site_process import SiteProcess  # noqa: E402
from site_process import stop_process  # noqa: E402

BIN = os.path.dirname(sys.executable)
A, B = "000.00.12.H41", "000.00.17.H41"
NAMES = {A: "Sở Xây dựng", B: "Sở Tư pháp"}
ADMIN_PASSWORD = "admin-e2e-password"
OFFICER = "lienthong"
OFFICER_PASSWORD = "officer-e2e-password"


def wait_for(check, timeout, message):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = check()
            if last:
                return last
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"{message} (after {timeout}s; last: {last!r})")


class Site(SiteProcess):
    """One agency: a Zope instance with its own FileStorage, and its Celery worker."""

    def __init__(self, organ_id, workdir, party, broker_url, axis_url, secret):
        env = {**os.environ, "ARCHIVE_EXCHANGE_ORGAN_ID": organ_id, "ARCHIVE_EXCHANGE_KEY": party.key_path,
               "ARCHIVE_EXCHANGE_CERT": party.cert_path, "ARCHIVE_BROKER_URL": broker_url}
        env.pop("ARCHIVE_ES_URL", None)
        super().__init__(os.path.join(workdir, organ_id), env, ADMIN_PASSWORD)
        self.organ_id, self.party = organ_id, party
        self.worker_env = {**self.env, "ARCHIVE_SITE_URL": self.url, "ARCHIVE_SERVICE_AUTH": f"admin:{ADMIN_PASSWORD}",
                           "ARCHIVE_AXIS_URL": axis_url, "ARCHIVE_AXIS_SYSTEM_ID": f"system-{organ_id}",
                           "ARCHIVE_AXIS_SECRET": secret, "ARCHIVE_EXCHANGE_EVERY": "2", "ARCHIVE_DRAIN_EVERY": "3600"}
        self.worker = None

    def start_worker(self):
        log = open(os.path.join(self.home, "log", "worker.log"), "ab")
        self.worker = subprocess.Popen(
            [os.path.join(BIN, "celery"), "-A", "archive.tasks.app", "worker", "-B", "--pool=solo", "--loglevel=INFO",
             "-s", os.path.join(self.home, "beat-schedule"), "--without-gossip", "--without-mingle"],
            env=self.worker_env, cwd=self.home, stdout=log, stderr=subprocess.STDOUT)

    def stop(self):
        stop_process(self.worker)
        super().stop()

    def call(self, method, path, user="admin", **kwargs):
        auth = ("admin", ADMIN_PASSWORD) if user == "admin" else (OFFICER, OFFICER_PASSWORD)
        url = path if path.startswith("http") else self.url + path
        answer = requests.request(method, url, auth=auth, headers={"Accept": "application/json"}, timeout=60, **kwargs)
        return answer

    def ok(self, method, path, user="admin", expected=(200, 201, 202, 204), **kwargs):
        answer = self.call(method, path, user, **kwargs)
        assert answer.status_code in expected, (method, path, answer.status_code, answer.text[:500])
        return answer.json() if answer.content and answer.headers.get("Content-Type", "").startswith("application/json") else None

    def populate(self, parties):
        for organ_id, party in parties.items():
            self.ok("POST", "/agencies", json={"@type": "Agency", "agency_code": organ_id, "title": NAMES[organ_id],
                                               "level": "department", "certificates": party.cert_pem.decode()})
        self.ok("POST", "/@users", json={"username": OFFICER, "email": f"{OFFICER}@example.org",
                                         "password": OFFICER_PASSWORD})
        self.ok("PATCH", f"/@groups/archive-{self.organ_id}-exchange", json={"users": {OFFICER: True}})
        self.ok("POST", "/@exchange-setup")

    def history(self, url):
        return self.ok("GET", url + "/@exchange-history", OFFICER)["items"]

    def received_codes(self, url):
        return [i["status_code"] for i in self.history(url) if i["direction"] == "received" and i["event"] == "status"]


class TestExchangeEndToEnd(unittest.TestCase):

    @pytest.fixture(autouse=True)
    def services(self, redis_server):
        self.redis = redis_server

    def setUp(self):
        started = time.time()
        self.dir = tempfile.mkdtemp(prefix="archive-e2e-")
        parties = {A: make_party(A, self.dir, NAMES[A]), B: make_party(B, self.dir, NAMES[B])}
        self.axis_db = os.path.join(self.dir, "axis.sqlite")
        for organ_id in (A, B):
            register_agency(self.axis_db, organ_id, f"system-{organ_id}", f"secret-{organ_id}", name=NAMES[organ_id])
        self.axis = BackgroundServer(self.axis_db)
        base = self.redis.url.rsplit("/", 1)[0]
        self.a = Site(A, self.dir, parties[A], f"{base}/1", self.axis.url, f"secret-{A}")
        self.b = Site(B, self.dir, parties[B], f"{base}/2", self.axis.url, f"secret-{B}")
        self.addCleanup(self.cleanup)
        creations = [self.a.create(), self.b.create()]
        for site, process in zip((self.a, self.b), creations):
            output = process.communicate(timeout=600)[0].decode("utf-8", "replace")
            self.assertEqual(process.returncode, 0, output[-3000:])
        for site in (self.a, self.b):
            site.start()
            site.populate(parties)
            site.start_worker()
        print(f"two sites, axis and workers up in {time.time() - started:.0f}s")

    def cleanup(self):
        for site in (self.a, self.b):
            site.stop()
        if self.axis is not None:
            self.axis.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def legal_document(self, number, pdf_texts):
        doc = self.a.ok("POST", "/legal-documents", json={
            "@type": "LegalDocument", "document_type": "provincial_committee_decision", "number_notation": number,
            "title": f"Quyết định {number} về cấp giấy phép xây dựng", "issuing_body": "UBND tỉnh Nghệ An",
            "signer": "Lê Hồng Vinh", "issue_date": "2025-03-01"})
        files = {}
        for name, text in pdf_texts.items():
            data = simple_pdf(text)
            files[name] = hashlib.sha256(data).hexdigest()
            self.a.ok("POST", doc["@id"], json={"@type": "ArchiveAttachment", "title": name, "file": {
                "data": base64.b64encode(data).decode(), "encoding": "base64", "filename": name,
                "content-type": "application/pdf"}})
        for transition in ("submit", "approve", "publish"):
            self.a.ok("POST", f"{doc['@id']}/@workflow/{transition}")
        return doc["@id"], files

    def incoming(self):
        return self.b.ok("GET", "/incoming", params={"b_size": 100})["items"]

    def test_send_answer_and_survive_an_axis_outage(self):
        started = time.time()
        first, first_files = self.legal_document("15/2025/QĐ-UBND", {"quyet-dinh.pdf": "Quyet dinh 15",
                                                                     "phu-luc.pdf": "Phu luc quyet dinh 15"})
        second, second_files = self.legal_document("16/2025/QĐ-UBND", {"quyet-dinh-16.pdf": "Quyet dinh 16"})
        sent = self.a.ok("POST", first + "/@exchange-send", OFFICER, json={"to": [B]})
        try:
            wait_for(lambda: len(self.incoming()) == 1, 180, "B never registered the document")  # workers starting
        except AssertionError:
            raise AssertionError(self.a.log("worker.log") + "\n----\n" + self.b.log("worker.log"))
        [item] = self.incoming()
        received = self.b.ok("GET", item["@id"], OFFICER)
        self.assertEqual(received["number_notation"], "15/2025/QĐ-UBND")
        self.assertEqual(received["title"], "Quyết định 15/2025/QĐ-UBND về cấp giấy phép xây dựng")
        self.assertEqual((received["issue_date"], received["signer"], received["issuing_body"]),
                         ("2025-03-01", "Lê Hồng Vinh", "UBND tỉnh Nghệ An"))
        self.assertEqual(received["document_type"]["token"], "provincial_committee_decision")
        got = {}
        for child in received["items"]:
            attachment = self.b.ok("GET", child["@id"], OFFICER)
            data = requests.get(attachment["file"]["download"], auth=(OFFICER, OFFICER_PASSWORD), timeout=30).content
            got[attachment["file"]["filename"]] = hashlib.sha256(data).hexdigest()
        self.assertEqual(got, first_files)
        b_history = self.b.ok("GET", item["@id"] + "/@exchange-history", OFFICER)
        self.assertEqual(b_history["exchange_document_id"], sent["document_id"])
        # A sees 01 (automatic), then 03 and 06 as B's officer acts.
        wait_for(lambda: "01" in self.a.received_codes(first), 120, "A never saw 01")
        self.b.ok("POST", item["@id"] + "/@exchange-status", OFFICER, json={"code": "03", "description": "Đã vào sổ"})
        wait_for(lambda: "03" in self.a.received_codes(first), 120, "A never saw 03")
        self.b.ok("POST", item["@id"] + "/@exchange-status", OFFICER, json={"code": "06", "description": "Hoàn thành"})
        wait_for(lambda: self.a.received_codes(first) == ["01", "03", "06"], 120, "A never saw 06")

        # A revokes it with a reason: B keeps the item, marked revoked, and agrees (15).
        revoked = self.a.ok("POST", first + "/@exchange-send", OFFICER,
                            json={"business": "revocation", "reason": "Ban hành nhầm đối tượng"})
        self.assertEqual((revoked["document_id"], revoked["to"]), (sent["document_id"], [B]))
        wait_for(lambda: self.b.ok("GET", item["@id"] + "/@exchange-history", OFFICER).get("exchange_state")
                 == "revoked", 120, "B never applied the revocation")
        b_history = self.b.ok("GET", item["@id"] + "/@exchange-history", OFFICER)
        self.assertEqual(b_history["exchange_state_reason"], "Ban hành nhầm đối tượng")
        self.assertEqual([e["business"] for e in b_history["evidence_log"]], ["new", "revocation"])
        wait_for(lambda: self.a.received_codes(first) == ["01", "03", "06", "15"], 120, "A never saw 15")

        # The axis goes down mid-send: the message waits in A's outbox, then arrives once.
        port = self.axis.port
        self.axis.close()
        self.axis = None
        self.a.ok("POST", second + "/@exchange-send", OFFICER, json={"to": [B]})
        time.sleep(6)  # several send attempts and polls fail meanwhile
        self.assertEqual(self.a.ok("GET", "/@exchange-outbox")["pending"], 1)
        self.assertEqual(len(self.incoming()), 1)
        self.axis = BackgroundServer(self.axis_db, port=port)
        wait_for(lambda: len(self.incoming()) == 2, 180, "the delayed document never arrived")
        wait_for(lambda: "01" in self.a.received_codes(second), 120, "A never saw 01 for the delayed document")
        self.assertEqual(self.a.ok("GET", "/@exchange-outbox")["pending"], 0)
        late = [i for i in self.incoming() if i["@id"] != item["@id"]][0]
        late = self.b.ok("GET", late["@id"], OFFICER)
        self.assertEqual(late["number_notation"], "16/2025/QĐ-UBND")
        self.assertEqual(len(late["items"]), 1)
        events = [i["event"] for i in self.a.history(second)]
        self.assertEqual(events[:2], ["queued", "delivered"])
        print(f"exchange scenario in {time.time() - started:.0f}s")

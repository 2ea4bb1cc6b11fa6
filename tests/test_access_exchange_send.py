"""Sending through the exchange needs View on the item as well as the send permission: an
item the officer may not read is refused exactly as a missing one (nothing queued, no
state named, configured or not), and every send and refusal is in the audit journal."""
import os
import shutil
import sys
import tempfile

import transaction
from archive.exchange.site.inbox import ensure_exchange_site
from archive.security import agency_group_id
from plone import api

from helpers import AGENCY
from helpers import OTHER_AGENCY
from helpers import PASSWORD
from helpers import RestTestCase
from helpers import dossier_fields

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "exchange_site"))
from exchange_site_helpers import make_party  # noqa: E402

ENV = ("ARCHIVE_EXCHANGE_ORGAN_ID", "ARCHIVE_EXCHANGE_KEY", "ARCHIVE_EXCHANGE_CERT", "ARCHIVE_BROKER_URL")
# An exchange officer who is also one of the agency's specialists: may read its dossiers.
READER = "exchange_reader"


class TestSendNeedsView(RestTestCase):
    @classmethod
    def setUpClass(cls):
        cls.keys = tempfile.mkdtemp(prefix="archive-access-keys-")
        cls.a = make_party(AGENCY, cls.keys, "Sở Xây dựng")
        cls.b = make_party(OTHER_AGENCY, cls.keys, "Sở Tư pháp")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.keys, ignore_errors=True)

    def configure(self):
        os.environ.update(ARCHIVE_EXCHANGE_ORGAN_ID=AGENCY, ARCHIVE_EXCHANGE_KEY=self.a.key_path,
                          ARCHIVE_EXCHANGE_CERT=self.a.cert_path)

    def setUp(self):
        super().setUp()
        self.addCleanup(lambda: [os.environ.pop(name, None) for name in ENV])
        self.configure()
        os.environ.pop("ARCHIVE_BROKER_URL", None)  # no worker: the outbox is read directly
        with api.env.adopt_roles(["Manager"]):
            self.portal.agencies[AGENCY].certificates = self.a.cert_pem.decode()
            self.portal.agencies[OTHER_AGENCY].certificates = self.b.cert_pem.decode()
            ensure_exchange_site(self.portal, AGENCY)
            if api.user.get(username=READER) is None:
                api.user.create(email=f"{READER}@example.org", username=READER, password=PASSWORD)
            for function in ("exchange", "specialists"):
                api.group.add_user(groupname=agency_group_id(AGENCY, function), username=READER)
        transaction.commit()
        created = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields()})
        self.assertEqual(created.status_code, 201, created.text)
        self.dossier = created.json()
        self.path = f"/plone/dossiers/{AGENCY}/{self.dossier['dossier_code']}"
        self.missing_url = f"{self.url}/dossiers/{AGENCY}/{AGENCY}-991231-9999"

    def outbox(self):
        answer = self.call("GET", "/@exchange-outbox", "admin", params={"limit": 100})
        self.assertEqual(answer.status_code, 200, answer.text)
        return answer.json()["items"]

    def journal(self, action):
        answer = self.call("GET", "/@audit-journal", "admin", params={"action": action})
        self.assertEqual(answer.status_code, 200, answer.text)
        return answer.json()["items"]

    def send(self, url, user, body=None):
        return self.call("POST", url + "/@exchange-send", user, json=body or {"to": [OTHER_AGENCY]})

    def assertSameAnswer(self, unseen, missing):
        """The same status and the same words, but for the URL the caller asked for."""
        self.assertEqual(unseen.status_code, missing.status_code, (unseen.text[:300], missing.text[:300]))
        self.assertIn(unseen.status_code, (401, 404))
        self.assertEqual(unseen.text.replace(self.dossier["@id"], "<url>"), missing.text.replace(self.missing_url, "<url>"),
                         (unseen.text, missing.text))
        for told in ("received", "review_state", "state", "Nguyễn"):
            self.assertNotIn(told, unseen.text)

    def test_a_dossier_the_officer_may_not_read_is_refused_as_a_missing_one(self):
        # The exchange officer holds the send permission on the agency's shard, not View on its dossiers.
        self.assertEqual(self.call("GET", self.dossier["@id"], "exchange").status_code, 401)
        for configured in (True, False):
            if not configured:
                for name in ENV:
                    os.environ.pop(name, None)
            for body in ({"to": [OTHER_AGENCY]}, {"to": []}, {"business": "nonsense"}):
                unseen = self.send(self.dossier["@id"], "exchange", body)
                missing = self.send(self.missing_url, "exchange", body)
                self.assertSameAnswer(unseen, missing)
            anonymous = self.send(self.dossier["@id"], None), self.send(self.missing_url, None)
            self.assertSameAnswer(*anonymous)
            status = (self.call("POST", self.dossier["@id"] + "/@exchange-status", "exchange", json={"code": "03"}),
                      self.call("POST", self.missing_url + "/@exchange-status", "exchange", json={"code": "03"}))
            self.assertSameAnswer(*status)
        self.assertEqual(self.outbox(), [])
        # The attempts are on record for the auditor (not for the officer).
        refused = [e for e in self.journal("exchange.send_refused") if e["path"] == self.path]
        self.assertEqual(len(refused), 8)  # per round: three sends, one status (anonymous never gets that far)
        self.assertEqual({e["actor"] for e in refused}, {"exchange"})

    def test_sends_and_refusals_of_a_readable_dossier_are_journaled(self):
        url = self.dossier["@id"]
        bad = self.send(url, READER, {"to": ["000.00.99.H41"]})
        self.assertEqual(bad.status_code, 400, bad.text)
        sent = self.send(url, READER)
        self.assertEqual(sent.status_code, 202, sent.text)
        [queued] = self.outbox()
        self.assertEqual(queued["document_id"], sent.json()["document_id"])
        [entry] = [e for e in self.journal("exchange.sent") if e["path"] == self.path]
        self.assertEqual(entry["actor"], READER)
        self.assertEqual(entry["details"]["to"], [OTHER_AGENCY])
        self.assertEqual(entry["details"]["document_id"], queued["document_id"])
        self.assertEqual(entry["details"]["sha256"], queued["sha256"])
        [refusal] = [e for e in self.journal("exchange.send_refused") if e["path"] == self.path]
        self.assertEqual((refusal["actor"], refusal["details"]["status"], refusal["details"]["field"]),
                         (READER, 400, "to"))

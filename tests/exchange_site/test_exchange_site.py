"""The exchange endpoints of one site over real HTTP: sending queues a signed edoc, the inbox
registers a verified one once, and every refused message leaves nothing behind."""
import base64
import hashlib
import os
import shutil
import tempfile
import unittest
from datetime import datetime

import requests
import transaction
from archive.exchange import edxml
from archive.exchange import signing
from archive.exchange.site.inbox import ensure_exchange_site
from archive.exchange.trust import TrustStore
from archive.pdf import simple_pdf
from archive.testing import ARCHIVE_FUNCTIONAL_TESTING
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.namedfile.file import NamedBlobFile

from exchange_site_helpers import LEGAL_FIELDS
from exchange_site_helpers import make_party
from helpers import AGENCY
from helpers import OTHER_AGENCY
from helpers import PASSWORD
from helpers import build_province

STRANGER = "000.00.00.G09"
ENV = ("ARCHIVE_EXCHANGE_ORGAN_ID", "ARCHIVE_EXCHANGE_KEY", "ARCHIVE_EXCHANGE_CERT", "ARCHIVE_BROKER_URL")


def _unset(names):
    for name in names:
        os.environ.pop(name, None)


def edoc(sender, receiver, subject="Về việc phối hợp cấp phép xây dựng", number="45", attachments=None):
    return edxml.EdocMessage(
        from_=edxml.Organization(sender, "Sở Tư pháp"), to=[edxml.Organization(receiver)],
        code=edxml.Code(number, "2025/QĐ-UBND"),
        promulgation_info=edxml.PromulgationInfo("UBND tỉnh Nghệ An", edxml.parse_date("2025/04/02")),
        subject=subject, document_type=edxml.DocumentType("provincial_committee_decision", "", "Quyết định"),
        signer_info=edxml.SignerInfo(full_name="Nguyễn Văn A"),
        attachments=attachments if attachments is not None else [
            edxml.Attachment("quyet-dinh.pdf", simple_pdf("Quyet dinh 45"), "application/pdf", description="Quyết định"),
            edxml.Attachment("phu-luc.pdf", simple_pdf("Phu luc kem theo"), "application/pdf", description="Phụ lục")])


def sign(party, msg):
    return signing.sign(edxml.to_bytes(edxml.build(msg)), party.key_pem, party.cert_pem)


def status(party, document_id, document_sender, code, receiver=AGENCY):
    organ, day, number, notation = edxml.parse_document_id(document_id)
    return sign(party, edxml.StatusMessage(
        response_for=edxml.ResponseFor(receiver if document_sender is None else document_sender, f"{number}/{notation}",
                                       day, document_id),
        from_=edxml.Organization(party.organ_id), status_code=code,
        timestamp=datetime.now(edxml.VIETNAM_TZ).replace(tzinfo=None, microsecond=0), description=f"status {code}"))


class ExchangeSiteBase(unittest.TestCase):
    """A site that is agency A, knowing B's certificate, with a published legal document."""

    layer = ARCHIVE_FUNCTIONAL_TESTING

    @classmethod
    def setUpClass(cls):
        cls.keys = tempfile.mkdtemp(prefix="archive-exchange-keys-")
        cls.a = make_party(AGENCY, cls.keys, "Sở Xây dựng")
        cls.b = make_party(OTHER_AGENCY, cls.keys, "Sở Tư pháp")
        cls.stranger = make_party(STRANGER, cls.keys, "Unregistered")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.keys, ignore_errors=True)

    def setUp(self):
        self.portal = self.layer["portal"]
        self.url = f"http://{self.layer['host']}:{self.layer['port']}/plone"
        self.addCleanup(_unset, ENV)  # also when setUp fails half way (tearDown would not run)
        os.environ.update(ARCHIVE_EXCHANGE_ORGAN_ID=AGENCY, ARCHIVE_EXCHANGE_KEY=self.a.key_path,
                          ARCHIVE_EXCHANGE_CERT=self.a.cert_path)
        os.environ.pop("ARCHIVE_BROKER_URL", None)  # no worker here: the outbox is read directly
        build_province(self.portal, commit=False)
        with api.env.adopt_roles(["Manager"]):
            self.portal.agencies[AGENCY].certificates = self.a.cert_pem.decode()
            self.portal.agencies[OTHER_AGENCY].certificates = self.b.cert_pem.decode()
            ensure_exchange_site(self.portal, AGENCY)
            doc = api.content.create(container=self.portal["legal-documents"], type="LegalDocument", **LEGAL_FIELDS)
            for name in ("quy-dinh.pdf", "phu-luc.pdf"):
                api.content.create(container=doc, type="ArchiveAttachment", title=name,
                                   file=NamedBlobFile(simple_pdf(f"Noi dung {name}"), contentType="application/pdf",
                                                      filename=name))
            self.draft = api.content.create(container=self.portal["legal-documents"], type="LegalDocument",
                                            **{**LEGAL_FIELDS, "number_notation": "16/2025/QĐ-UBND"})
        self.doc_url = doc.absolute_url().replace("http://nohost/plone", self.url)
        self.draft_url = self.draft.absolute_url().replace("http://nohost/plone", self.url)
        transaction.commit()
        for transition, user in (("submit", "drafter"), ("approve", "reviewer"), ("publish", "approver")):
            fired = self.call("POST", f"{self.doc_url}/@workflow/{transition}", user)
            self.assertEqual(fired.status_code, 200, fired.text[:300])
        # The test thread's connection still sees the site as of its last commit; without a new
        # transaction a write here conflicts with the server's (both may add the same catalog minute).
        transaction.begin()

    def call(self, method, path, user=None, **kwargs):
        auth = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD) if user == "admin" else ((user, PASSWORD) if user else None)
        url = path if path.startswith("http") else self.url + path
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        return requests.request(method, url, auth=auth, headers=headers, timeout=60, **kwargs)

    def outbox(self):
        answer = self.call("GET", "/@exchange-outbox", "admin", params={"limit": 100})
        self.assertEqual(answer.status_code, 200, answer.text)
        return answer.json()["items"]

    def incoming(self):
        transaction.begin()
        return [o for o in self.portal["incoming"].objectValues() if o.portal_type == "LegalDocument"]

    def inbox(self, data):
        return self.call("POST", "/@exchange-inbox", "admin", data=data, headers={"Content-Type": "application/xml"})

class TestExchangeSite(ExchangeSiteBase):

    # -- sending ---------------------------------------------------------------------

    def test_send_queues_a_signed_edoc_with_identical_attachments(self):
        sent = self.call("POST", self.doc_url + "/@exchange-send", "exchange", json={"to": [OTHER_AGENCY]})
        self.assertEqual(sent.status_code, 202, sent.text)
        document_id = sent.json()["document_id"]
        self.assertEqual(document_id, f"{AGENCY},2025/03/01,15/2025/QĐ-UBND")
        [queued] = self.outbox()
        self.assertEqual((queued["kind"], queued["to"], queued["document_id"]), ("edoc", [OTHER_AGENCY], document_id))
        store = TrustStore()
        store.add(AGENCY, self.a.cert_pem)
        accepted = store.verify(base64.b64decode(queued["data"]))
        msg = accepted.message
        self.assertEqual((msg.code.code_number, msg.code.code_notation), ("15", "2025/QĐ-UBND"))
        self.assertEqual(msg.subject, LEGAL_FIELDS["title"])
        self.assertEqual(msg.signer_info.full_name, "Lê Hồng Vinh")
        transaction.begin()
        doc = api.content.get(path="/legal-documents/" + self.doc_url.rsplit("/", 1)[1])
        expected = sorted(hashlib.sha256(a.file.data).hexdigest() for a in doc.objectValues())
        self.assertEqual(sorted(hashlib.sha256(a.data).hexdigest() for a in msg.attachments), expected)
        history = self.call("GET", self.doc_url + "/@exchange-history", "exchange").json()
        self.assertEqual([(i["event"], i["to"]) for i in history["items"]], [("queued", [OTHER_AGENCY])])
        # The worker settles it: delivered shows in the history and the outbox is empty.
        done = self.call("POST", "/@exchange-outbox", "admin", json={"done": [{"id": queued["id"], "axis_ids": [7]}]})
        self.assertEqual(done.json(), {"settled": 1, "pending": 0})
        history = self.call("GET", self.doc_url + "/@exchange-history", "exchange").json()
        self.assertEqual([i["event"] for i in history["items"]], ["queued", "delivered"])

    def test_send_refuses_bad_requests_and_queues_nothing(self):
        cases = [
            (self.doc_url, "exchange", {"to": []}, 400),
            (self.doc_url, "exchange", {"to": ["not an organ id"]}, 400),
            (self.doc_url, "exchange", {"to": ["000.00.99.H41"]}, 400),  # no such agency here
            (self.doc_url, "exchange", {"to": [AGENCY]}, 400),  # ourselves
            (self.draft_url, "exchange", {"to": [OTHER_AGENCY]}, 404),  # a draft: the officer may not see it
            (self.doc_url, "reception", {"to": [OTHER_AGENCY]}, 401),  # not an exchange officer (restapi says 401)
            (self.doc_url, None, {"to": [OTHER_AGENCY]}, 401),
        ]
        for url, user, body, expected in cases:
            answer = self.call("POST", url + "/@exchange-send", user, json=body)
            self.assertEqual(answer.status_code, expected, (user, body, answer.text[:300]))
        self.assertEqual(self.outbox(), [])
        self.assertEqual(self.call("GET", "/@exchange-outbox", "exchange").status_code, 401)

    def test_refused_by_the_axis_shows_in_the_history(self):
        self.call("POST", self.doc_url + "/@exchange-send", "exchange", json={"to": [OTHER_AGENCY]})
        [queued] = self.outbox()
        self.call("POST", "/@exchange-outbox", "admin",
                  json={"refused": [{"id": queued["id"], "code": 18, "message": "unknown receiver"}]})
        items = self.call("GET", self.doc_url + "/@exchange-history", "exchange").json()["items"]
        self.assertEqual((items[-1]["event"], items[-1]["status_code"]), ("refused", "02"))
        self.assertIn("unknown receiver", items[-1]["description"])
        self.assertEqual(self.outbox(), [])

    # -- receiving -------------------------------------------------------------------

    def test_inbox_registers_an_edoc_once_and_answers_arrived(self):
        msg = edoc(OTHER_AGENCY, AGENCY)
        data = sign(self.b, msg)
        first = self.inbox(data)
        self.assertEqual(first.status_code, 201, first.text)
        body = first.json()
        self.assertEqual(body["document_id"], f"{OTHER_AGENCY},2025/04/02,45/2025/QĐ-UBND")
        self.assertRegex(body["arrival_code"], r"^\d{4}/000001$")
        again = self.inbox(data)
        self.assertEqual(again.status_code, 200, again.text)
        self.assertTrue(again.json()["duplicate"])
        resigned = self.inbox(sign(self.b, msg))  # same DocumentId, new signature: still once
        self.assertTrue(resigned.json()["duplicate"], resigned.text)
        [item] = self.incoming()
        self.assertEqual(item.number_notation, "45/2025/QĐ-UBND")
        self.assertEqual(item.document_type, "provincial_committee_decision")
        self.assertEqual(str(item.issue_date), "2025-04-02")
        self.assertEqual(sorted(a.file.data for a in item.objectValues()), sorted(a.data for a in msg.attachments))
        self.assertTrue(all(a.sha256 for a in item.objectValues()))
        evidence = self.call("GET", body["@id"].replace("http://nohost/plone", self.url) + "/@exchange-evidence", "exchange")
        self.assertEqual(evidence.content, data)
        [reply] = self.outbox()
        self.assertEqual((reply["kind"], reply["status_code"], reply["to"]), ("status", "01", [OTHER_AGENCY]))
        store = TrustStore()
        store.add(AGENCY, self.a.cert_pem)
        self.assertEqual(store.verify(base64.b64decode(reply["data"])).message.response_for.document_id, body["document_id"])
        # B's officer (here: this site's exchange officer) answers 03 and 06; bad codes are refused.
        url = body["@id"].replace("http://nohost/plone", self.url)
        self.assertEqual(self.call("POST", url + "/@exchange-status", "exchange", json={"code": "03"}).status_code, 202)
        self.assertEqual(self.call("POST", url + "/@exchange-status", "exchange", json={"code": "99"}).status_code, 400)
        self.assertEqual(self.call("POST", url + "/@exchange-status", "exchange", json={"code": "02"}).status_code, 400)
        self.assertEqual(self.call("POST", url + "/@exchange-status", "reception", json={"code": "06"}).status_code, 401)
        self.assertEqual([m["status_code"] for m in self.outbox()], ["01", "03"])
        history = self.call("GET", url + "/@exchange-history", "exchange").json()
        self.assertEqual([(i["event"], i["status_code"]) for i in history["items"]],
                         [("registered", ""), ("status", "01"), ("status", "03")])
        self.assertEqual(history["evidence"]["sha256"], hashlib.sha256(data).hexdigest())

    def test_refused_messages_register_nothing(self):
        good = sign(self.b, edoc(OTHER_AGENCY, AGENCY))
        tampered = good.replace("phối hợp".encode(), "phoi hop".encode())
        self.assertNotEqual(tampered, good)
        cases = {
            "tampered": tampered,
            "unknown_certificate": sign(self.stranger, edoc(STRANGER, AGENCY)),
            "sender_mismatch": sign(self.b, edoc(AGENCY, AGENCY)),  # B's key claiming to be A
            "not_addressed": sign(self.b, edoc(OTHER_AGENCY, "000.00.99.H41")),
            "unknown_document": status(self.b, f"{AGENCY},2025/03/01,99/2025/QĐ-UBND", AGENCY, "03"),
            "malformed": b"<edXML>not really</edXML>",
            "dtd_forbidden": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        }
        for reason, data in cases.items():
            answer = self.inbox(data)
            self.assertEqual(answer.status_code, 400, (reason, answer.text[:300]))
            self.assertEqual(answer.json()["error"]["reason"], reason, answer.text[:300])
        self.assertEqual(self.incoming(), [])
        self.assertEqual(self.outbox(), [])
        self.assertEqual(self.call("POST", "/@exchange-inbox", "exchange", data=good,
                                   headers={"Content-Type": "application/xml"}).status_code, 401)
        self.assertEqual(self.incoming(), [])

    def test_statuses_from_the_receiver_reach_the_sent_document(self):
        document_id = self.call("POST", self.doc_url + "/@exchange-send", "exchange",
                                json={"to": [OTHER_AGENCY]}).json()["document_id"]
        for code in ("01", "03", "06"):
            answer = self.inbox(status(self.b, document_id, AGENCY, code))
            self.assertEqual(answer.status_code, 200, answer.text)
        duplicate = self.inbox(status(self.b, document_id, AGENCY, "06"))
        self.assertEqual(duplicate.status_code, 200, duplicate.text)
        items = self.call("GET", self.doc_url + "/@exchange-history", "exchange").json()["items"]
        received = [(i["status_code"], i["from"]) for i in items if i["direction"] == "received"]
        self.assertEqual(received[:3], [("01", OTHER_AGENCY), ("03", OTHER_AGENCY), ("06", OTHER_AGENCY)])
        # A status from an agency the document was never sent to is refused.
        answer = self.inbox(status(self.stranger, document_id, AGENCY, "03"))
        self.assertEqual(answer.status_code, 400)


class TestExchangeWorkerSteps(ExchangeSiteBase):
    """The worker's steps (tasks/exchange.py) run in-process against this site and a real
    reference axis: permanent axis errors and refused deliveries end where people look."""

    def setUp(self):
        super().setUp()
        from archive.exchange.axis_server import BackgroundServer
        from archive.exchange.axis_server import register_agency

        self.axis_dir = tempfile.mkdtemp(prefix="archive-axis-")
        self.axis_db = os.path.join(self.axis_dir, "axis.sqlite")
        register_agency(self.axis_db, AGENCY, "system-a", "secret-a")
        register_agency(self.axis_db, OTHER_AGENCY, "system-b", "secret-b", locked=True)
        self.axis = BackgroundServer(self.axis_db)
        self.cfg = {"site": self.url, "auth": (SITE_OWNER_NAME, SITE_OWNER_PASSWORD), "axis": self.axis.url,
                    "system_id": "system-a", "secret": "secret-a"}

    def tearDown(self):
        self.axis.close()
        shutil.rmtree(self.axis_dir, ignore_errors=True)
        super().tearDown()

    def test_a_locked_receiver_is_a_refusal_in_the_history(self):
        from archive.tasks.exchange import send_once

        self.call("POST", self.doc_url + "/@exchange-send", "exchange", json={"to": [OTHER_AGENCY]})
        settled, transient = send_once(self.cfg)
        self.assertEqual((settled, transient), (1, None))
        self.assertEqual(self.outbox(), [])
        last = self.call("GET", self.doc_url + "/@exchange-history", "exchange").json()["items"][-1]
        self.assertEqual((last["event"], last["status_code"]), ("refused", "02"))
        self.assertIn("code 23", last["description"])

    def test_an_unreachable_axis_keeps_the_message(self):
        from archive.tasks.exchange import send_once

        self.call("POST", self.doc_url + "/@exchange-send", "exchange", json={"to": [OTHER_AGENCY]})
        self.axis.close()
        settled, transient = send_once({**self.cfg, "axis": "http://127.0.0.1:9"})
        self.assertEqual(settled, 0)
        self.assertIsNotNone(transient)
        [kept] = self.outbox()
        self.assertEqual(kept["attempts"], 1)

    def test_polling_registers_good_deliveries_and_fails_refused_ones(self):
        from archive.exchange.axis_client import AxisClient
        from archive.exchange.axis_server import register_agency
        from archive.tasks.exchange import poll_once

        register_agency(self.axis_db, OTHER_AGENCY, "system-b", "secret-b")  # unlocked
        sender = AxisClient(self.axis.url, "system-b", "secret-b")
        good = sign(self.b, edoc(OTHER_AGENCY, AGENCY))
        sender.send(good)
        sender.send(good.replace("phối hợp".encode(), "phoi hop".encode()))  # the axis does not check signatures
        sender.send(good)  # fetched twice, registered once
        self.assertEqual(poll_once(self.cfg), 3)
        self.assertEqual(len(self.incoming()), 1)
        receiver = AxisClient(self.axis.url, "system-a", "secret-a")
        states = [d.status for d in receiver.list_received()]
        self.assertEqual(states, ["done", "fail", "done"])
        self.assertEqual(poll_once(self.cfg), 0)

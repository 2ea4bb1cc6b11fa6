"""Revocation, update and replacement messages (BussinessDocType 1, 2, 3) in one real site over
HTTP: the sender issues them for a document it sent, the receiver applies them to the item it
registered from the original DocumentId, and one about a DocumentId it never registered is
refused with nothing written."""
import base64
import hashlib

import transaction
from archive.exchange import edxml
from archive.exchange.trust import TrustStore
from archive.pdf import simple_pdf
from plone import api

import test_exchange_site as base
from exchange_site_helpers import xmlsec1_sign
from helpers import AGENCY
from helpers import OTHER_AGENCY

B_DOC = f"{OTHER_AGENCY},2025/04/02,45/2025/QĐ-UBND"
NEVER = f"{OTHER_AGENCY},2025/04/02,99/2025/QĐ-UBND"


def business_edoc(kind, reason, target=None, number="45", replaces=(), subject="Về việc phối hợp cấp phép xây dựng",
                  attachments=None):
    msg = base.edoc(OTHER_AGENCY, AGENCY, subject=subject, number=number, attachments=attachments)
    msg.bussiness = edxml.Bussiness(kind, reason, document_id=target or "",
                                    replacement_info_list=[edxml.ReplacementInfo(r, [AGENCY]) for r in replaces])
    if kind == edxml.REVOCATION:
        msg.attachments = []
    return msg


class TestReceivingBusinessMessages(base.ExchangeSiteBase):
    """This site (A) receives from B."""

    def register_original(self):
        answer = self.inbox(base.sign(self.b, base.edoc(OTHER_AGENCY, AGENCY)))
        self.assertEqual(answer.status_code, 201, answer.text)
        return answer.json()

    def site_url(self, url):
        return url.replace("http://nohost/plone", self.url)

    def state(self, item_url):
        return self.call("GET", self.site_url(item_url) + "/@exchange-history", "exchange").json()

    def test_revocation_marks_the_item_revoked_and_keeps_it_with_its_evidence(self):
        original = self.register_original()
        first_bytes = self.call("GET", self.site_url(original["@id"]) + "/@exchange-evidence", "exchange").content
        data = base.sign(self.b, business_edoc(edxml.REVOCATION, "Ban hành nhầm đối tượng", B_DOC))
        answer = self.inbox(data)
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertEqual((answer.json()["kind"], answer.json()["document_id"]), ("revocation", B_DOC))
        [item] = self.incoming()  # still there, not deleted
        self.assertEqual(len(item.objectValues()), 2)
        state = self.state(original["@id"])
        self.assertEqual((state["exchange_state"], state["exchange_state_reason"]), ("revoked", "Ban hành nhầm đối tượng"))
        revoked = [i for i in state["items"] if i["event"] == "revoked"]
        self.assertEqual([(i["from"], i["description"]) for i in revoked], [(OTHER_AGENCY, "Ban hành nhầm đối tượng")])
        # The original message is still the evidence of the content; the revocation is logged after it.
        self.assertEqual(self.call("GET", self.site_url(original["@id"]) + "/@exchange-evidence", "exchange").content,
                         first_bytes)
        self.assertEqual([e["business"] for e in state["evidence_log"]], ["new", "revocation"])
        logged = self.call("GET", self.site_url(original["@id"]) + "/@exchange-evidence", "exchange",
                           params={"n": 1})
        self.assertEqual(logged.content, data)
        # Officers see it on the item's page too.
        page = self.call("GET", self.site_url(original["@id"]), "exchange", headers={"Accept": "text/html"})
        self.assertEqual(page.status_code, 200)
        self.assertIn("archive-exchange-state", page.text)
        self.assertIn("Ban hành nhầm đối tượng", page.text)
        # B hears "take-back agreed" (15) after the arrival (01).
        self.assertEqual([(m["status_code"], m["document_id"]) for m in self.outbox()], [("01", B_DOC), ("15", B_DOC)])
        # Revoked twice (a new signature): nothing more happens.
        again = self.inbox(base.sign(self.b, business_edoc(edxml.REVOCATION, "Ban hành nhầm đối tượng", B_DOC)))
        self.assertTrue(again.json()["duplicate"], again.text)
        self.assertEqual(len(self.outbox()), 2)
        # An update of a revoked document is refused and changes nothing.
        refused = self.inbox(base.sign(self.b, business_edoc(edxml.UPDATE, "Sửa trích yếu", B_DOC, subject="Mới")))
        self.assertEqual((refused.status_code, refused.json()["error"]["reason"]), (400, "document_revoked"))
        transaction.begin()
        self.assertEqual(self.incoming()[0].title, "Về việc phối hợp cấp phép xây dựng")

    def test_update_replaces_fields_and_files_and_keeps_the_previous_message(self):
        original = self.register_original()
        previous = self.call("GET", self.site_url(original["@id"]) + "/@exchange-evidence", "exchange").content
        new_pdf = simple_pdf("Quyet dinh 45 ban sua doi")
        data = base.sign(self.b, business_edoc(
            edxml.UPDATE, "Sửa phụ lục", B_DOC, subject="Về việc phối hợp cấp phép xây dựng (sửa đổi)",
            attachments=[edxml.Attachment("quyet-dinh-v2.pdf", new_pdf, "application/pdf", description="Bản sửa")]))
        answer = self.inbox(data)
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertEqual((answer.json()["kind"], answer.json()["version"]), ("update", 2))
        [item] = self.incoming()
        self.assertEqual(item.title, "Về việc phối hợp cấp phép xây dựng (sửa đổi)")
        self.assertEqual([(a.file.filename, a.file.data) for a in item.objectValues()], [("quyet-dinh-v2.pdf", new_pdf)])
        self.assertEqual(item.objectValues()[0].sha256, hashlib.sha256(new_pdf).hexdigest())
        state = self.state(original["@id"])
        self.assertEqual(state["evidence"]["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual([e["business"] for e in state["evidence_log"]], ["new", "update"])
        kept = self.call("GET", self.site_url(original["@id"]) + "/@exchange-evidence", "exchange", params={"n": 0})
        self.assertEqual(kept.content, previous)
        self.assertIn("Sửa phụ lục", [i for i in state["items"] if i["event"] == "updated"][0]["description"])
        self.assertEqual(self.outbox()[-1]["status_code"], "15")

    def test_replacement_registers_the_new_document_and_links_both(self):
        original = self.register_original()
        data = base.sign(self.b, business_edoc(edxml.REPLACEMENT, "Thay thế do thay đổi quy định", number="46",
                                               replaces=[B_DOC], subject="Quyết định 46 thay thế quyết định 45"))
        answer = self.inbox(data)
        self.assertEqual(answer.status_code, 201, answer.text)
        new = answer.json()
        self.assertEqual(new["document_id"], f"{OTHER_AGENCY},2025/04/02,46/2025/QĐ-UBND")
        self.assertRegex(new["arrival_code"], r"/000002$")
        self.assertEqual(len(self.incoming()), 2)
        old_state, new_state = self.state(original["@id"]), self.state(new["@id"])
        self.assertEqual(old_state["exchange_state"], "replaced")
        self.assertEqual(old_state["replaced_by"], new["@id"])
        self.assertEqual(new_state["replaces"], [original["@id"]])
        self.assertIn("replaces", [i["event"] for i in new_state["items"]])
        self.assertEqual(new_state["evidence_log"][0]["business"], "replacement")
        # The legal relation, as on a document registered by hand: field and index.
        by_uid = {item.UID(): item for item in self.incoming()}
        old_doc, new_doc = by_uid[original["uid"]], by_uid[new["uid"]]
        self.assertEqual(new_doc.replaces, [old_doc.number_notation])
        self.assertEqual(old_doc.number_notation, "45/2025/QĐ-UBND")
        catalog = api.portal.get_tool("portal_catalog")
        found = catalog.unrestrictedSearchResults(legal_relations="replaces:45/2025/QĐ-UBND")
        self.assertEqual([b.UID for b in found], [new["uid"]])
        # The replaced document has expired, here as at its issuer: the replacement acts on it
        # though it is received, not published, at this site; searches find it so.
        self.assertEqual(old_doc.effect_status, "wholly_expired")
        expired = catalog.unrestrictedSearchResults(portal_type="LegalDocument", effect_status="wholly_expired")
        self.assertEqual([b.UID for b in expired], [original["uid"]])
        # The issuer takes the replacement back: the old document is in force again.
        revoked = self.inbox(base.sign(self.b, business_edoc(edxml.REVOCATION, "Ban hành nhầm", new["document_id"])))
        self.assertEqual(revoked.status_code, 200, revoked.text)
        transaction.begin()
        self.assertEqual(old_doc.effect_status, "in_force")
        self.assertEqual([b.effect_status for b in catalog.unrestrictedSearchResults(UID=original["uid"])], ["in_force"])

    def test_business_messages_for_a_document_never_registered_change_nothing(self):
        original = self.register_original()
        before = self.state(original["@id"])
        cases = {
            "revocation": business_edoc(edxml.REVOCATION, "Thu hồi", NEVER, number="99"),
            "update": business_edoc(edxml.UPDATE, "Cập nhật", NEVER, number="99"),
            "replacement": business_edoc(edxml.REPLACEMENT, "Thay thế", number="47", replaces=[NEVER]),
            "replacement of a known and an unknown one": business_edoc(edxml.REPLACEMENT, "Thay thế", number="48",
                                                                        replaces=[B_DOC, NEVER]),
        }
        for what, msg in cases.items():
            answer = self.inbox(base.sign(self.b, msg))
            self.assertEqual(answer.status_code, 400, (what, answer.text))
            error = answer.json()["error"]
            self.assertEqual(error["reason"], "unknown_document", (what, error))
            self.assertIn(NEVER, error["message"])
            self.assertIn("changes nothing", error["message"])
        # Malformed: a replacement that names nothing, and a DocumentId that is not one.
        # Signed by xmlsec1: our own signer refuses to sign them.
        no_list = edxml.build(business_edoc(edxml.REPLACEMENT, "Thay thế", number="49", replaces=[B_DOC]))
        for el in no_list.iter(edxml.q("ReplacementInfoList")):
            el.getparent().remove(el)
        no_list = xmlsec1_sign(self.b, no_list, self.keys)
        bad_id = xmlsec1_sign(self.b, edxml.build(business_edoc(edxml.REVOCATION, "Thu hồi", "45/2025/QĐ-UBND")),
                              self.keys)
        for data, element in ((no_list, "Bussiness/ReplacementInfoList"), (bad_id, "Bussiness/DocumentId")):
            answer = self.inbox(data)
            self.assertEqual((answer.status_code, answer.json()["error"]["reason"]), (400, "malformed"), answer.text)
            self.assertIn(element, answer.json()["error"]["element"])
        self.assertEqual(len(self.incoming()), 1)
        self.assertEqual([m["status_code"] for m in self.outbox()], ["01"])
        after = self.state(original["@id"])
        self.assertEqual(after["items"], before["items"])
        self.assertNotIn("exchange_state", after)


class TestSendingBusinessMessages(base.ExchangeSiteBase):
    """This site (A) issues revocations, updates and replacements for what it sent to B."""

    def send(self, url, **body):
        return self.call("POST", url + "/@exchange-send", "exchange", json=body)

    def read(self, queued):
        store = TrustStore()
        store.add(AGENCY, self.a.cert_pem)
        return store.verify(base64.b64decode(queued["data"])).message

    def publish(self, url):
        for transition, user in (("submit", "drafter"), ("approve", "reviewer"), ("publish", "approver")):
            self.assertEqual(self.call("POST", f"{url}/@workflow/{transition}", user).status_code, 200)

    def test_revocation_and_update_of_a_sent_document(self):
        sent = self.send(self.doc_url, to=[OTHER_AGENCY]).json()
        revoked = self.send(self.doc_url, business="revocation", reason="Ban hành nhầm")
        self.assertEqual(revoked.status_code, 202, revoked.text)
        self.assertEqual((revoked.json()["document_id"], revoked.json()["to"]), (sent["document_id"], [OTHER_AGENCY]))
        updated = self.send(self.doc_url, business="update", reason="Sửa phụ lục")
        self.assertEqual(updated.status_code, 202, updated.text)
        first, revocation, update = self.outbox()
        msg = self.read(revocation)
        self.assertEqual((msg.bussiness.bussiness_doc_type, msg.bussiness.bussiness_doc_reason), (1, "Ban hành nhầm"))
        self.assertEqual((msg.document_id, msg.bussiness.document_id), (sent["document_id"], sent["document_id"]))
        self.assertEqual(msg.attachments, [])
        self.assertEqual(msg.bussiness.staff_info.staff, "exchange")
        msg = self.read(update)
        self.assertEqual((msg.bussiness.bussiness_doc_type, msg.document_id), (2, sent["document_id"]))
        self.assertEqual(len(msg.attachments), 2)
        history = self.call("GET", self.doc_url + "/@exchange-history", "exchange").json()["items"]
        self.assertEqual([i.get("business") for i in history], ["new", "revocation", "update"])
        self.assertIn("Ban hành nhầm", history[1]["description"])

    def test_replacement_names_the_replaced_document(self):
        sent = self.send(self.doc_url, to=[OTHER_AGENCY]).json()
        self.publish(self.draft_url)
        answer = self.send(self.draft_url, business="replacement", reason="Thay thế", replaces=sent["document_id"])
        self.assertEqual(answer.status_code, 202, answer.text)
        self.assertEqual(answer.json()["to"], [OTHER_AGENCY])
        msg = self.read(self.outbox()[-1])
        self.assertEqual(msg.document_id, f"{AGENCY},2025/03/01,16/2025/QĐ-UBND")
        self.assertEqual(msg.bussiness.bussiness_doc_type, 3)
        self.assertEqual([(r.document_id, r.organ_ids) for r in msg.bussiness.replacement_info_list],
                         [(sent["document_id"], [OTHER_AGENCY])])

    def test_bad_business_requests_queue_nothing(self):
        never_sent = self.send(self.doc_url, business="revocation", reason="Thu hồi")
        self.assertEqual((never_sent.status_code, never_sent.json()["error"]["field"]), (400, "document_id"))
        sent = self.send(self.doc_url, to=[OTHER_AGENCY]).json()
        self.publish(self.draft_url)
        cases = [
            (self.doc_url, {"business": "revocation"}, "reason"),
            (self.doc_url, {"business": "revocation", "reason": "   "}, "reason"),
            (self.doc_url, {"business": "revocation", "reason": "x" * 501}, "reason"),
            (self.doc_url, {"business": "withdraw", "reason": "Thu hồi"}, "business"),
            (self.doc_url, {"business": "revocation", "reason": "Thu hồi", "document_id": "000.00.12.H41,2025/03/01,1/X"},
             "document_id"),
            (self.doc_url, {"business": "revocation", "reason": "Thu hồi", "to": ["000.00.00.H41"]}, "to"),
            (self.draft_url, {"business": "update", "reason": "Cập nhật"}, "document_id"),  # this one was never sent
            (self.draft_url, {"business": "replacement", "reason": "Thay thế"}, "replaces"),
            (self.draft_url, {"business": "replacement", "reason": "Thay thế", "replaces": [NEVER]}, "replaces"),
            (self.doc_url, {"business": "replacement", "reason": "Thay thế", "replaces": [sent["document_id"]]},
             "replaces"),  # itself
        ]
        for url, body, field in cases:
            answer = self.send(url, **body)
            self.assertEqual(answer.status_code, 400, (body, answer.text))
            self.assertEqual(answer.json()["error"]["field"], field, (body, answer.text))
        self.assertEqual(len(self.outbox()), 1)

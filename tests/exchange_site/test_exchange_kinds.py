"""Results (with their signed PDF) and dossiers (metadata and component files) travel like legal
documents and are registered as the same type; a SHA-1 signature, when the site allows it, is
accepted and shown as a weakness wherever the message is audited."""
import base64
import hashlib
import json
import os
from datetime import date

import transaction
from archive.content.intake import receive_dossier
from archive.content.results import create_result
from archive.exchange import edxml
from archive.exchange.site import messages
from archive.exchange.trust import TrustStore
from archive.pdf import simple_pdf
from archive.security import agency_group_id
from plone import api
from plone.api.exc import InvalidParameterError
from plone.app.testing import SITE_OWNER_NAME
from plone.namedfile.file import NamedBlobFile

import test_exchange_site as base
from exchange_site_helpers import RSA_SHA1
from exchange_site_helpers import SHA1
from exchange_site_helpers import xmlsec1_sign
from helpers import AGENCY
from helpers import OTHER_AGENCY
from helpers import dossier_fields

RESULT_PDF = simple_pdf("Giay phep xay dung so 125")


class TestResultsAndDossiers(base.ExchangeSiteBase):

    def setUp(self):
        super().setUp()
        with api.env.adopt_roles(["Manager"]):
            result = create_result(self.portal.results[AGENCY], number_notation="125/GP-UBND",
                                   result_type="Giấy phép xây dựng", signer="Lê Hồng Vinh",
                                   issue_date=date(2025, 5, 6), valid_until=date(2026, 5, 6),
                                   file=NamedBlobFile(RESULT_PDF, contentType="application/pdf", filename="gp-125.pdf"))
            self.components = [
                {"title": "Đơn đề nghị", "filename": "don.pdf", "data": simple_pdf("Don de nghi"), "kind": "original",
                 "digitised": False},
                {"title": "Bản vẽ thiết kế", "filename": "ban-ve.pdf", "data": simple_pdf("Ban ve"),
                 "kind": "electronic_copy", "digitised": True}]
            dossier = receive_dossier(self.portal.dossiers[AGENCY], components=self.components, **dossier_fields())
        transaction.commit()
        self.result_url = result.absolute_url().replace("http://nohost/plone", self.url)
        self.dossier_url = dossier.absolute_url().replace("http://nohost/plone", self.url)
        self.result_code, self.dossier_code = result.result_code, dossier.dossier_code
        for transition in ("sign", "issue"):  # by the agency's leader, as in the office
            fired = self.call("POST", f"{self.result_url}/@workflow/{transition}", "leader")
            self.assertEqual(fired.status_code, 200, fired.text[:300])

    def sent_message(self, url):
        answer = self.call("POST", url + "/@exchange-send", "exchange", json={"to": [OTHER_AGENCY]})
        self.assertEqual(answer.status_code, 202, answer.text)
        queued = [m for m in self.outbox() if m["document_id"] == answer.json()["document_id"]][-1]
        store = TrustStore()
        store.add(AGENCY, self.a.cert_pem)
        return store.verify(base64.b64decode(queued["data"])).message

    def as_if_from_b(self, msg):
        """The message A built, as B would send it to A: same content, B's identity and key."""
        msg.from_, msg.to, msg.document_id, msg.trace_headers = edxml.Organization(OTHER_AGENCY), [
            edxml.Organization(AGENCY)], "", []
        msg.bussiness = None
        return base.sign(self.b, msg)

    def test_a_result_goes_with_its_signed_pdf_and_arrives_as_a_result(self):
        msg = self.sent_message(self.result_url)
        self.assertEqual((msg.document_type.type, msg.document_type.type_name), ("result", "Giấy phép xây dựng"))
        self.assertEqual((msg.code.code_number, msg.code.code_notation), ("125", "GP-UBND"))
        meta = json.loads(msg.attachments[0].data)
        self.assertEqual((meta["kind"], meta["result_code"]), ("Result", self.result_code))
        self.assertEqual([a.data for a in msg.attachments[1:]], [RESULT_PDF])
        answer = self.inbox(self.as_if_from_b(msg))
        self.assertEqual(answer.status_code, 201, answer.text)
        self.assertEqual(answer.json()["type"], "Result")
        got = self.call("GET", answer.json()["@id"].replace("http://nohost/plone", self.url), "exchange").json()
        self.assertEqual((got["@type"], got["result_code"], got["number_notation"]),
                         ("Result", self.result_code, "125/GP-UBND"))
        self.assertEqual((got["issue_date"], got["valid_until"], got["signer"]), ("2025-05-06", "2026-05-06",
                                                                                    "Lê Hồng Vinh"))
        self.assertEqual(got["file_sha256"], hashlib.sha256(RESULT_PDF).hexdigest())
        self.assertEqual(got["file"]["filename"], "gp-125.pdf")

    def test_a_received_result_is_read_not_edited_by_the_officers(self):
        # Another agency's result: this agency's officers read it (and hand it over), but
        # neither change it nor sign or issue it as their own.
        answer = self.inbox(self.as_if_from_b(self.sent_message(self.result_url)))
        url = answer.json()["@id"].replace("http://nohost/plone", self.url)
        for officer in ("reception", "specialist", "leader", "archivist", "exchange"):
            self.assertEqual(self.call("GET", url, officer).status_code, 200, officer)
        for officer in ("specialist", "leader"):
            edited = self.call("PATCH", url, officer, json={"signer": "Người khác"})
            self.assertIn(edited.status_code, (401, 403), (officer, edited.text[:200]))
            signed = self.call("POST", f"{url}/@workflow/sign", officer)
            self.assertNotEqual(signed.status_code, 200, (officer, signed.text[:200]))
        self.assertEqual(self.call("GET", url, "exchange").json()["signer"], "Lê Hồng Vinh")
        # Issued, as its agency issued it (not a draft among this agency's own), and only its
        # issuer takes it back (by a revocation message).
        got = self.call("GET", url, "exchange").json()
        self.assertEqual(got["review_state"], "issued")
        revoked = self.call("POST", f"{url}/@workflow/revoke", "leader", json={"comment": "Không phải của mình"})
        self.assertNotEqual(revoked.status_code, 200, revoked.text[:200])
        # The transition that registers it is for received results only.
        transaction.begin()
        with api.env.adopt_user(username=SITE_OWNER_NAME):  # a Manager
            own = create_result(self.portal.results[AGENCY], number_notation="126/GP-UBND", result_type="Giấy phép",
                                signer="Lê Hồng Vinh", issue_date=date(2025, 5, 7))
            with self.assertRaises(InvalidParameterError):
                api.content.transition(obj=own, transition="register_received")
            api.content.transition(obj=own, transition="sign")  # what its own drafts go through
        self.assertEqual(api.content.get_state(own), "signed")
        transaction.abort()

    def test_a_dossier_goes_with_its_components_and_arrives_as_a_dossier(self):
        # Sending needs View on the item too: this exchange officer also works the agency's dossiers.
        transaction.begin()
        with api.env.adopt_roles(["Manager"]):
            api.group.add_user(groupname=agency_group_id(AGENCY, "specialists"), username="exchange")
        transaction.commit()
        msg = self.sent_message(self.dossier_url)
        self.assertEqual(msg.document_type.type, "dossier")
        self.assertEqual(msg.code.code_number, self.dossier_code)
        self.assertEqual(sorted(a.data for a in msg.attachments[1:]), sorted(c["data"] for c in self.components))
        answer = self.inbox(self.as_if_from_b(msg))
        self.assertEqual(answer.status_code, 201, answer.text)
        self.assertEqual(answer.json()["type"], "Dossier")
        transaction.begin()
        [dossier] = [o for o in self.portal["incoming"].objectValues() if o.portal_type == "Dossier"]
        self.assertEqual((dossier.dossier_code, dossier.procedure_code, dossier.applicant_id),
                         (self.dossier_code, dossier_fields()["procedure_code"], dossier_fields()["applicant_id"]))
        self.assertEqual(api.content.get_state(dossier), "received")
        got = sorted((c["title"], c["kind"], c["digitised"], c["data"]) for c in messages.dossier_files(dossier))
        self.assertEqual(got, sorted((c["title"], c["kind"], c["digitised"], c["data"]) for c in self.components))

    def test_bad_metadata_is_refused_naming_the_key(self):
        msg = self.sent_message(self.result_url)
        cases = {
            "archive-metadata.json": [],  # no metadata at all
            "result_code": [edxml.Attachment("archive-metadata.json", b'{"kind": "Result", "result_code": 5}',
                                             "application/json", content_id=messages.METADATA_CID)],
            "kind": [edxml.Attachment("archive-metadata.json", b'{"kind": "Dossier", "result_code": "KQ"}',
                                      "application/json", content_id=messages.METADATA_CID)],
            "valid_until": [edxml.Attachment("archive-metadata.json",
                                             b'{"kind": "Result", "result_code": "KQ", "valid_until": "mai"}',
                                             "application/json", content_id=messages.METADATA_CID)],
        }
        for needle, metadata in cases.items():
            msg.attachments = metadata + [edxml.Attachment("gp.pdf", RESULT_PDF, "application/pdf")]
            answer = self.inbox(self.as_if_from_b(msg))
            self.assertEqual(answer.status_code, 400, (needle, answer.text))
            self.assertEqual(answer.json()["error"]["reason"], "malformed")
            self.assertIn(needle, answer.json()["error"]["message"])
        transaction.begin()  # see what the server committed
        self.assertEqual(list(self.portal["incoming"].objectIds()), [])
        self.assertEqual(len(self.outbox()), 1)  # A's own result, nothing from the refusals

    def test_a_revoked_result_is_marked_at_the_receiver(self):
        msg = self.sent_message(self.result_url)
        registered = self.inbox(self.as_if_from_b(msg)).json()
        msg.bussiness = None
        revocation = edxml.EdocMessage(
            from_=edxml.Organization(OTHER_AGENCY), to=[edxml.Organization(AGENCY)], code=msg.code,
            promulgation_info=msg.promulgation_info, subject=msg.subject, document_type=msg.document_type,
            bussiness=edxml.Bussiness(edxml.REVOCATION, "Cấp sai đối tượng", document_id=registered["document_id"]))
        answer = self.inbox(base.sign(self.b, revocation))
        self.assertEqual(answer.status_code, 200, answer.text)
        transaction.begin()
        [result] = self.portal["incoming"].objectValues()
        self.assertEqual((result.exchange_state, result.revocation_reason), ("revoked", "Cấp sai đối tượng"))
        self.assertEqual(api.content.get_state(result), "revoked")


class TestWeakSignatures(base.ExchangeSiteBase):

    def tearDown(self):
        os.environ.pop("ARCHIVE_EXCHANGE_ALLOW_SHA1", None)
        super().tearDown()

    def test_sha1_is_refused_unless_allowed_and_then_shown_as_a_weakness(self):
        data = xmlsec1_sign(self.b, edxml.build(base.edoc(OTHER_AGENCY, AGENCY)), self.keys, sig=RSA_SHA1, digest=SHA1)
        refused = self.inbox(data)
        self.assertEqual((refused.status_code, refused.json()["error"]["reason"]), (400, "weak_algorithm"))
        transaction.begin()  # see what the server committed
        self.assertEqual(list(self.portal["incoming"].objectIds()), [])
        os.environ["ARCHIVE_EXCHANGE_ALLOW_SHA1"] = "1"
        answer = self.inbox(data)
        self.assertEqual(answer.status_code, 201, answer.text)
        url = answer.json()["@id"].replace("http://nohost/plone", self.url)
        history = self.call("GET", url + "/@exchange-history", "exchange").json()
        self.assertTrue(history["evidence"]["weak"])
        self.assertEqual(history["evidence"]["algorithm"], "rsa-sha1")
        self.assertEqual(set(history["evidence"]["weaknesses"]), {"signature method rsa-sha1", "digest sha1"})
        self.assertEqual(history["weak_signatures"], 1)
        [registered] = [i for i in history["items"] if i["event"] == "registered"]
        self.assertIn("weak algorithm accepted", registered["description"])
        self.assertEqual(set(registered["weaknesses"]), {"signature method rsa-sha1", "digest sha1"})
        # A SHA-256 update afterwards is not weak; the log still shows the weak original.
        update = base.edoc(OTHER_AGENCY, AGENCY, subject="Bản sửa đổi")
        update.bussiness = edxml.Bussiness(edxml.UPDATE, "Sửa", document_id=answer.json()["document_id"])
        self.assertEqual(self.inbox(base.sign(self.b, update)).status_code, 200)
        history = self.call("GET", url + "/@exchange-history", "exchange").json()
        self.assertFalse(history["evidence"]["weak"])
        self.assertEqual([e["weak"] for e in history["evidence_log"]], [True, False])

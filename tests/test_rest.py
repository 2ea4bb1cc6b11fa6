"""Every archive type through plone.restapi over real HTTP; bad input gets 400 and stores nothing."""
import os
from datetime import timedelta

import transaction
from archive.content import clock
from archive.tasks.legal import refresh_effect
from helpers import AGENCY
from helpers import RestTestCase
from helpers import dossier_fields
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD


class TestDossierOverRest(RestTestCase):
    def test_intake_read_update_transition_search_delete(self):
        response = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields()})
        self.assertEqual(response.status_code, 201, response.text)
        dossier = response.json()
        self.assertTrue(dossier["dossier_code"].startswith(AGENCY + "-"))
        self.assertTrue(dossier["@id"].endswith(dossier["dossier_code"]))
        self.assertEqual(dossier["status_code"], 2)
        self.assertEqual(dossier["agency_code"], AGENCY)
        self.assertIsNotNone(dossier["due"])
        self.assertIn("Cấp giấy phép xây dựng", dossier["title"])

        url = dossier["@id"]
        component = self.call("POST", url, "reception", json={
            "@type": "DossierComponent", "title": "Đơn đề nghị", "kind": "original", "digitised": True,
            "file": {"data": "JVBERi0xLjQK", "encoding": "base64", "filename": "don.pdf", "content-type": "application/pdf"}})
        self.assertEqual(component.status_code, 201, component.text)
        self.assertEqual(len(component.json()["sha256"]), 64)
        listed = self.call("GET", url, "reception").json()
        self.assertEqual(listed["items_total"], 1)
        self.assertEqual(listed["items"][0]["kind"], "original")
        self.assertEqual(listed["items"][0]["sha256"], component.json()["sha256"])
        self.assertEqual(listed["items"][0]["filename"], "don.pdf")
        download = self.call("GET", listed["items"][0]["download"], "reception")
        self.assertEqual(download.content, b"%PDF-1.4\n")
        # A component has no catalog record of its own; its name is found with its dossier.
        self.assertEqual(self.count("DossierComponent"), 0)
        found = self.call("GET", "/@search", "reception", params={"SearchableText": "Đơn đề nghị"}).json()
        self.assertEqual([item["@id"] for item in found["items"]], [url])

        self.assertEqual(self.call("PATCH", url, "reception", json={"applicant_phone": "0912345678"}).status_code, 204)
        self.assertEqual(self.call("GET", url, "reception").json()["applicant_phone"], "0912345678")

        fired = self.call("POST", url + "/@workflow/start_processing", "reception")
        self.assertEqual(fired.status_code, 200, fired.text)
        self.assertEqual(self.call("GET", url, "specialist").json()["status_code"], 4)

        found = self.call("GET", "/@search", "leader", params={"portal_type": "Dossier", "SearchableText": "Nguyễn"})
        self.assertEqual(found.json()["items_total"], 1)
        self.assertEqual(found.json()["items"][0]["@id"], url)

        # A records officer cannot delete; a manager can.
        self.assertEqual(self.call("DELETE", url, "reception").status_code, 401)
        self.assertEqual(self.call("DELETE", url, "admin").status_code, 204)
        self.assertEqual(self.count("Dossier"), 0)

    def test_bad_input_is_refused_with_the_field_named_and_nothing_stored(self):
        cases = {
            "applicant_id": dossier_fields(applicant_id="12345"),
            "procedure_code": dossier_fields(procedure_code="9.999999"),
            "applicant_name": {k: v for k, v in dossier_fields().items() if k != "applicant_name"},
            "applicant_email": dossier_fields(applicant_email="not-an-email"),
        }
        for field, data in cases.items():
            response = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **data})
            self.assertEqual(response.status_code, 400, (field, response.text))
            self.assertIn(field, response.text)
        self.assertEqual(self.count("Dossier"), 0)

    def test_procedure_of_another_agency_is_refused(self):
        response = self.call("POST", f"/dossiers/{AGENCY}", "reception",
                             json={"@type": "Dossier", **dossier_fields(procedure_code="2.000488")})
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn("procedure_code", response.text)
        self.assertEqual(self.count("Dossier"), 0)

    def test_other_agency_cannot_see_or_add(self):
        created = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields()})
        url = created.json()["@id"]
        self.assertEqual(self.call("GET", url, "other_reception").status_code, 401)
        self.assertEqual(self.call("GET", url).status_code, 401)
        refused = self.call("POST", f"/dossiers/{AGENCY}", "other_reception", json={"@type": "Dossier", **dossier_fields()})
        self.assertEqual(refused.status_code, 401)
        found = self.call("GET", "/@search", "other_reception", params={"portal_type": "Dossier"})
        self.assertEqual(found.json()["items_total"], 0)


class TestRegistersOverRest(RestTestCase):
    def test_agency_crud_and_bad_code(self):
        bad = self.call("POST", "/agencies", "admin", json={"@type": "Agency", "title": "Sai mã", "agency_code": "h41.xx", "level": "district"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("agency_code", bad.text)
        too_long = self.call("POST", "/agencies", "admin", json={"@type": "Agency", "title": "Dài", "agency_code": "A" * 36, "level": "district"})
        self.assertEqual(too_long.status_code, 400)
        self.assertEqual(self.count("Agency"), 2)

        created = self.call("POST", "/agencies", "admin", json={"@type": "Agency", "title": "UBND huyện Nghi Lộc", "agency_code": "000.20.41.H41", "level": "district"})
        self.assertEqual(created.status_code, 201, created.text)
        url = created.json()["@id"]
        self.assertTrue(url.endswith("/agencies/000.20.41.H41"))
        self.assertEqual(self.call("GET", url).status_code, 200)  # public register
        self.assertEqual(self.call("PATCH", url, "admin", json={"phone": "0238 3861 234"}).status_code, 204)
        self.assertEqual(self.call("PATCH", url, "reception", json={"phone": "0238 3861 999"}).status_code, 401)
        self.assertEqual(self.call("DELETE", url, "admin").status_code, 204)

    def test_procedure_needs_a_registered_agency(self):
        bad = self.call("POST", "/procedures", "admin", json={
            "@type": "Procedure", "procedure_code": "1.000001", "title": "Thử", "sector": "Thử",
            "agency_code": "000.99.99.H99", "processing_days": 5, "result_type": "Giấy", "online_level": "none"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("agency_code", bad.text)


class TestResultAndLegalDocumentOverRest(RestTestCase):
    def test_result_lifecycle_and_revocation_reason(self):
        dossier = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields()}).json()
        bad = self.call("POST", f"/results/{AGENCY}", "specialist", json={
            "@type": "Result", "dossier_code": dossier["dossier_code"], "number_notation": "12/GP-SXD",
            "result_type": "Giấy phép xây dựng", "signer": "Lê Văn Lãnh", "issue_date": "2026-05-10", "valid_until": "2026-05-01"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("valid_until", bad.text)
        unknown = self.call("POST", f"/results/{AGENCY}", "specialist", json={
            "@type": "Result", "dossier_code": "NO-SUCH", "number_notation": "12/GP-SXD",
            "result_type": "Giấy phép xây dựng", "signer": "Lê Văn Lãnh", "issue_date": "2026-05-10"})
        self.assertEqual(unknown.status_code, 400)
        self.assertIn("dossier_code", unknown.text)
        self.assertEqual(self.count("Result"), 0)

        created = self.call("POST", f"/results/{AGENCY}", "specialist", json={
            "@type": "Result", "dossier_code": dossier["dossier_code"], "number_notation": "12/GP-SXD",
            "result_type": "Giấy phép xây dựng", "signer": "Lê Văn Lãnh", "issue_date": "2026-05-10",
            "file": {"data": "JVBERi0xLjQK", "encoding": "base64", "filename": "gp.pdf", "content-type": "application/pdf"}})
        self.assertEqual(created.status_code, 201, created.text)
        result = created.json()
        self.assertTrue(result["result_code"].startswith(f"KQ.{AGENCY}.2026."))
        self.assertEqual(len(result["file_sha256"]), 64)
        self.assertEqual(self.call("GET", dossier["@id"], "reception").json()["result_code"], result["result_code"])

        url = result["@id"]
        self.assertEqual(self.call("POST", url + "/@workflow/sign", "specialist").status_code, 400)
        self.assertEqual(self.call("GET", url, "specialist").json()["review_state"], "draft")
        self.assertEqual(self.call("POST", url + "/@workflow/sign", "leader").status_code, 200)
        self.assertEqual(self.call("POST", url + "/@workflow/issue", "reception").status_code, 200)
        no_reason = self.call("POST", url + "/@workflow/revoke", "leader")
        self.assertEqual(no_reason.status_code, 400, no_reason.text)
        self.assertIn("reason", no_reason.text)
        self.assertEqual(self.call("GET", url, "leader").json()["review_state"], "issued")
        revoked = self.call("POST", url + "/@workflow/revoke", "leader", json={"comment": "Cấp sai đối tượng"})
        self.assertEqual(revoked.status_code, 200, revoked.text)
        after = self.call("GET", url, "leader").json()
        self.assertEqual(after["review_state"], "revoked")
        self.assertEqual(after["revocation_reason"], "Cấp sai đối tượng")

    def test_legal_document_dates_relations_and_publication(self):
        base = {"@type": "LegalDocument", "document_type": "provincial_committee_decision", "title": "Quy định cấp phép xây dựng",
                "issuing_body": "UBND tỉnh Nghệ An", "signer": "Lê Hồng Vinh"}
        bad = self.call("POST", "/legal-documents", "drafter", json={**base, "number_notation": "01/2024/QĐ-UBND",
                                                                      "issue_date": "2024-03-01", "effective_from": "2024-02-01"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("effective_from", bad.text)
        missing = self.call("POST", "/legal-documents", "drafter", json={**base, "number_notation": "01/2024/QĐ-UBND"})
        self.assertEqual(missing.status_code, 400)
        self.assertIn("issue_date", missing.text)
        dangling = self.call("POST", "/legal-documents", "drafter", json={**base, "number_notation": "02/2024/QĐ-UBND",
                                                                           "issue_date": "2024-03-01", "replaces": ["99/1999/QĐ-UBND"]})
        self.assertEqual(dangling.status_code, 400)
        self.assertIn("replaces", dangling.text)
        self.assertEqual(self.count("LegalDocument"), 0)

        old = self.call("POST", "/legal-documents", "drafter", json={**base, "number_notation": "01/2024/QĐ-UBND",
                                                                      "issue_date": "2024-03-01", "effective_from": "2024-03-15"}).json()
        new = self.call("POST", "/legal-documents", "drafter", json={**base, "number_notation": "05/2025/QĐ-UBND",
                                                                      "issue_date": "2025-03-01", "replaces": ["01/2024/QĐ-UBND"]}).json()
        self.assertEqual(self.call("GET", old["@id"]).status_code, 401)  # draft: not for the public
        for path, user in (("submit", "drafter"), ("approve", "reviewer"), ("publish", "approver")):
            self.assertEqual(self.call("POST", old["@id"] + "/@workflow/" + path, user).status_code, 200, path)
        self.assertEqual(self.call("GET", old["@id"]).json()["effect_status"]["token"], "in_force")
        # Changes requested go back to draft; then the replacing document is published.
        self.assertEqual(self.call("POST", new["@id"] + "/@workflow/submit", "drafter").status_code, 200)
        self.assertEqual(self.call("POST", new["@id"] + "/@workflow/approve", "drafter").status_code, 400)
        self.assertEqual(self.call("GET", new["@id"], "drafter").json()["review_state"], "under_review")
        back = self.call("POST", new["@id"] + "/@workflow/request_changes", "reviewer", json={"comment": "Sửa căn cứ"})
        self.assertEqual(back.json()["review_state"], "draft")
        for path, user in (("submit", "drafter"), ("approve", "reviewer"), ("publish", "approver")):
            self.assertEqual(self.call("POST", new["@id"] + "/@workflow/" + path, user).status_code, 200, path)
        self.assertEqual(self.call("GET", old["@id"]).json()["effect_status"]["token"], "wholly_expired")
        search = self.call("GET", "/@search", params={"portal_type": "LegalDocument", "effect_status": "wholly_expired"})
        self.assertEqual([i["@id"] for i in search.json()["items"]], [old["@id"]])

    def test_effect_status_follows_the_calendar(self):
        """A document published to enter into force tomorrow is found as not yet in force; once
        its day has come, the hourly refresh puts it among those in force, though nobody edited it."""
        today = clock.now().date()
        created = self.call("POST", "/legal-documents", "drafter", json={
            "@type": "LegalDocument", "document_type": "provincial_committee_decision", "number_notation": "07/2026/QĐ-UBND",
            "title": "Quy định về phí thẩm định", "issuing_body": "UBND tỉnh Nghệ An", "signer": "Lê Hồng Vinh",
            "issue_date": (today - timedelta(days=5)).isoformat(), "effective_from": (today + timedelta(days=1)).isoformat()})
        self.assertEqual(created.status_code, 201, created.text)
        url = created.json()["@id"]
        for path, user in (("submit", "drafter"), ("approve", "reviewer"), ("publish", "approver")):
            self.assertEqual(self.call("POST", url + "/@workflow/" + path, user).status_code, 200, path)

        def found(status):
            answer = self.call("GET", "/@search", "admin", params={"portal_type": "LegalDocument", "effect_status": status})
            return [item["@id"] for item in answer.json()["items"]]

        self.assertEqual(found("not_yet_in_force"), [url])
        # The day comes: what changes is only how its date stands to today.
        transaction.begin()
        doc = api.content.get(path="/legal-documents/" + url.rsplit("/", 1)[1])
        doc.effective_from = today
        transaction.commit()
        self.assertEqual((found("not_yet_in_force"), found("in_force")), ([url], []))  # the catalog has not seen it

        self.assertEqual(self.call("POST", "/@legal-effect-refresh", "drafter").status_code, 401)
        os.environ.update(ARCHIVE_SITE_URL=self.url, ARCHIVE_SERVICE_AUTH=f"{SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
        try:
            first, again = refresh_effect(), refresh_effect()  # what the worker runs every hour
        finally:
            os.environ.pop("ARCHIVE_SITE_URL"), os.environ.pop("ARCHIVE_SERVICE_AUTH")
        self.assertEqual(first["changed"], [{"uid": doc.UID(), "was": "not_yet_in_force", "now": "in_force"}])
        self.assertEqual(again["changed"], [])
        self.assertEqual((found("not_yet_in_force"), found("in_force")), ([], [url]))

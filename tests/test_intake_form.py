"""The intake form (@@intake) over HTTP: a dossier with two uploaded components stored whole,
another agency's procedure, a missing field or a too-big file refused with nothing stored,
and the form's JSON helpers answering for the officer's own agency only."""
import transaction
from archive.content.intake import receive_dossier
from archive.pdf import simple_pdf
from plone import api

import translations  # noqa: F401 (compiles the .mo files first)
from helpers import AGENCY
from helpers import authenticator
from helpers import browser_session
from helpers import dossier_fields
from helpers import OTHER_AGENCY
from helpers import PROCEDURE
from helpers import RestTestCase
from helpers import speak_vietnamese

REQUIRED = ["Đơn đề nghị cấp phép", "Bản vẽ thiết kế"]


class TestIntakeForm(RestTestCase):
    def setUp(self):
        super().setUp()
        speak_vietnamese()
        with api.env.adopt_roles(["Manager"]):
            procedure = self.portal.procedures[PROCEDURE]
            procedure.required_components = REQUIRED
            procedure.fee = 150000
        transaction.commit()
        self.shard = f"{self.url}/dossiers/{AGENCY}"

    def session(self, user="reception"):
        return browser_session(user)

    def token(self, session):
        page = session.get(f"{self.shard}/@@intake", timeout=30)
        self.assertEqual(page.status_code, 200, page.text[:300])
        return page, authenticator(page.text)

    def post(self, session, token, files=None, **overrides):
        data = {"form.submitted": "1", "_authenticator": token, "procedure_code": PROCEDURE,
                "applicant_name": "Nguyễn Văn An", "applicant_id": "040201001234",
                "applicant_address": "Số 5, đường Lê Lợi, thành phố Vinh", "channel": "desk",
                "assignee": "specialist",
                "component_title_0": REQUIRED[0], "component_kind_0": "original", "component_digitised_0": "1",
                "component_title_1": REQUIRED[1], "component_kind_1": "copy"}
        data.update(overrides)
        if files is None:
            files = [("component_files_0", ("don.pdf", simple_pdf("Don"), "application/pdf")),
                     ("component_files_1", ("ban-ve.pdf", simple_pdf("Ban ve"), "application/pdf"))]
        return session.post(f"{self.shard}/@@intake", data=data, files=files, allow_redirects=False, timeout=60)

    def test_form_shows_agency_procedures_and_specialists(self):
        page, _token = self.token(self.session())
        self.assertIn("Cấp giấy phép xây dựng", page.text)
        self.assertNotIn("2.000488", page.text)  # Sở Tư pháp's procedure
        self.assertIn('value="specialist"', page.text)
        self.assertIn("++resource++archive/intake.js", page.text)
        self.assertNotIn("onclick=", page.text)
        listing = self.session().get(f"{self.shard}/@@dossier-list", timeout=30)
        self.assertEqual(listing.status_code, 200)
        self.assertIn(f'href="{self.shard}/@@intake"', listing.text)
        self.assertIn(f'href="{self.shard}/@@intake"', self.session().get(self.url, timeout=30).text)
        self.assertNotIn("@@intake", self.session("specialist").get(f"{self.shard}/@@dossier-list", timeout=30).text)
        other = self.session("other_reception").get(f"{self.shard}/@@intake", timeout=30)
        self.assertNotIn('id="intake-form"', other.text)
        self.assertIn("insufficient-privileges", other.url)

    def test_two_files_stored_whole(self):
        session = self.session()
        _page, token = self.token(session)
        answer = self.post(session, token)
        self.assertEqual(answer.status_code, 302, answer.text[:500])
        self.assertEqual(self.count("Dossier"), 1)
        code = answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        dossier = self.portal.dossiers[AGENCY][code]
        self.assertEqual(dossier.assignee, "specialist")
        self.assertIsNotNone(dossier.due)
        parts = [(c.title, c.kind, c.digitised, c.file.filename) for c in dossier.objectValues()]
        self.assertEqual(parts, [(REQUIRED[0], "original", True, "don.pdf"), (REQUIRED[1], "copy", False, "ban-ve.pdf")])
        self.assertEqual({c.file.contentType for c in dossier.objectValues()}, {"application/pdf"})
        landing = session.get(answer.headers["Location"], timeout=30)
        self.assertIn("@@slip-receipt", landing.text)

    def test_other_agency_procedure_refused(self):
        session = self.session()
        _page, token = self.token(session)
        answer = self.post(session, token, procedure_code="2.000488")
        self.assertEqual(answer.status_code, 400)
        self.assertIn('id="error-procedure_code"', answer.text)
        self.assertIn("Cơ quan này không có thủ tục mang mã này.", answer.text)
        self.assertEqual(answer.text.count("Cơ quan này không có thủ tục mang mã này."), 1)
        self.assertEqual(self.count("Dossier"), 0)

    def test_missing_field_and_too_big_file_refused(self):
        session = self.session()
        _page, token = self.token(session)
        answer = self.post(session, token, applicant_name="  ")
        self.assertEqual(answer.status_code, 400)
        self.assertIn('id="error-applicant_name"', answer.text)
        self.assertIn("Bắt buộc", answer.text)
        no_files = self.post(session, token, files=[])
        self.assertEqual(no_files.status_code, 400)
        self.assertIn('id="error-components"', no_files.text)
        untitled = self.post(session, token, component_title_1="")
        self.assertEqual(untitled.status_code, 400)
        self.assertIn('id="error-component_1"', untitled.text)
        api.portal.set_registry_record("archive.max_file_bytes", 2000)
        transaction.commit()
        big = self.post(session, token, files=[("component_files_0", ("to.pdf", b"%PDF" + b"0" * 5000, "application/pdf"))])
        self.assertEqual(big.status_code, 413)
        self.assertEqual(self.count("Dossier"), 0)
        self.assertEqual(self.count("DossierComponent"), 0)

    def test_lookups_for_own_agency_only(self):
        with api.env.adopt_user(username="reception"):
            receive_dossier(self.portal.dossiers[AGENCY], components=[
                {"title": "Đơn", "filename": "don.pdf", "data": simple_pdf("Don")}],
                **dossier_fields(applicant_phone="0912345678"))
        transaction.commit()
        reception, other = self.session(), self.session("other_reception")
        found = reception.get(f"{self.shard}/@@intake-applicant", params={"applicant_id": "040201001234"}, timeout=30)
        self.assertEqual(found.status_code, 200)
        self.assertEqual(found.json()["applicant_name"], "Nguyễn Văn An")
        self.assertEqual(found.json()["applicant_phone"], "0912345678")
        self.assertEqual(reception.get(f"{self.shard}/@@intake-applicant", params={"applicant_id": "001099000001"},
                                       timeout=30).status_code, 404)
        for view in ("intake-applicant?applicant_id=040201001234", "intake-procedures?q=", "intake-due?procedure_code=" + PROCEDURE):
            answer = other.get(f"{self.shard}/@@{view}", timeout=30)
            self.assertIn("insufficient-privileges", answer.url, view)
            self.assertNotIn("Nguyễn Văn An", answer.text)
            self.assertNotIn("giấy phép", answer.text)
        procedures = reception.get(f"{self.shard}/@@intake-procedures", params={"q": "giấy phép"}, timeout=30).json()
        self.assertEqual([item["code"] for item in procedures["items"]], [PROCEDURE])
        self.assertEqual(procedures["items"][0]["required_components"], REQUIRED)
        self.assertEqual(procedures["items"][0]["fee"], 150000)
        self.assertEqual(reception.get(f"{self.shard}/@@intake-procedures", params={"q": "2.000488"},
                                       timeout=30).json()["items"], [])
        due = reception.get(f"{self.shard}/@@intake-due", params={"procedure_code": PROCEDURE}, timeout=30)
        self.assertEqual(due.status_code, 200)
        self.assertRegex(due.json()["due"], r"^\d{4}-\d\d-\d\dT")
        refused = reception.get(f"{self.shard}/@@intake-due", params={"procedure_code": "2.000488"}, timeout=30)
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(refused.json()["error"]["field"], "procedure_code")

"""Actions with reasons in the web UI: every transition opens a form with a comment (a reason
where the law wants one), a supplement request ticks the missing components, and the
history on the dossier page shows for specialists, auditors and archivists too."""
import re

import transaction
from archive.content.intake import receive_dossier
from archive.pdf import simple_pdf
from plone import api

import translations  # noqa: F401 (compiles the .mo files first)
from helpers import AGENCY
from helpers import authenticator
from helpers import browser_session
from helpers import dossier_fields
from helpers import RestTestCase
from helpers import speak_vietnamese

REQUIRED = ["Đơn đề nghị cấp phép", "Bản vẽ thiết kế", "Giấy tờ về quyền sử dụng đất"]


class TestTransitionForms(RestTestCase):
    def setUp(self):
        super().setUp()
        speak_vietnamese()
        with api.env.adopt_roles(["Manager"]):
            self.portal.procedures["1.009972"].required_components = REQUIRED
        with api.env.adopt_user(username="reception"):
            self.dossier = receive_dossier(
                self.portal.dossiers[AGENCY],
                components=[{"title": REQUIRED[0], "filename": "don.pdf", "data": simple_pdf("Don")}],
                **dossier_fields())
            api.content.transition(self.dossier, transition="start_processing")
        transaction.commit()
        self.page = f"{self.url}/dossiers/{AGENCY}/{self.dossier.getId()}"

    def session(self, user):
        return browser_session(user)

    def open_form(self, session, transition):
        form = session.get(f"{self.page}/@@dossier-transition", params={"transition": transition}, timeout=30)
        return form, authenticator(form.text)

    def fresh(self):
        transaction.begin()
        return self.portal.dossiers[AGENCY][self.dossier.getId()]

    def test_supplement_request_with_checklist_and_reason(self):
        specialist = self.session("specialist")
        page = specialist.get(self.page, timeout=30)
        self.assertIn('id="action-request_supplement"', page.text)
        self.assertIn("@@dossier-transition?transition=request_supplement", page.text)

        form, token = self.open_form(specialist, "request_supplement")
        self.assertEqual(form.status_code, 200)
        for item in REQUIRED:
            self.assertIn(item, form.text)
        self.assertIn("Lý do (bắt buộc)", form.text)

        empty = specialist.post(f"{self.page}/@@dossier-transition", timeout=30, data={
            "transition": "request_supplement", "form.submitted": "1", "_authenticator": token, "comment": " "})
        self.assertEqual(empty.status_code, 400)
        self.assertIn("Yêu cầu bổ sung cần nêu lý do", empty.text)
        self.assertEqual(api.content.get_state(self.fresh()), "processing")

        done = specialist.post(f"{self.page}/@@dossier-transition", timeout=30, allow_redirects=False, data={
            "transition": "request_supplement", "form.submitted": "1", "_authenticator": token,
            "missing:list": REQUIRED[1:], "comment": "Bản vẽ phải có chữ ký của chủ đầu tư"})
        self.assertEqual(done.status_code, 302, done.text[:300])
        dossier = self.fresh()
        self.assertEqual(api.content.get_state(dossier), "supplement_requested")
        self.assertEqual(dossier.supplement_requests[-1]["missing"], REQUIRED[1:])
        self.assertIn("Bản vẽ phải có chữ ký", dossier.supplement_requests[-1]["reason"])
        self.assertIn("Còn thiếu: Bản vẽ thiết kế; Giấy tờ về quyền sử dụng đất.", dossier.supplement_requests[-1]["reason"])

        # Without the token the form changes nothing.
        forged = specialist.post(f"{self.page}/@@dossier-transition", timeout=30, data={
            "transition": "resume", "form.submitted": "1", "comment": "x"})
        self.assertEqual(forged.status_code, 403)
        self.assertEqual(api.content.get_state(self.fresh()), "supplement_requested")

        # The history, with the reason, for every officer who may see the dossier.
        for user in ("specialist", "auditor", "archivist", "reception"):
            html = self.session(user).get(self.page, timeout=30).text
            history = html[html.index('id="dossier-history"'):]
            rows = re.findall(r"<tr>", history[:history.index("</table>")])
            self.assertEqual(len(rows), 4, user)  # heading + received, processing, supplement
            self.assertIn("Bản vẽ phải có chữ ký của chủ đầu tư", history, user)

    def test_forms_say_what_is_missing_and_only_offer_allowed_transitions(self):
        leader = self.session("leader")
        form, token = self.open_form(leader, "finish")
        self.assertEqual(form.status_code, 200)
        self.assertIn('id="transition-precondition"', form.text)
        self.assertIn("Phê duyệt cần có kết quả", form.text)
        refused = leader.post(f"{self.page}/@@dossier-transition", timeout=30, data={
            "transition": "finish", "form.submitted": "1", "_authenticator": token})
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(api.content.get_state(self.fresh()), "processing")

        # Reception may not stop processing: no form for it.
        self.assertEqual(self.open_form(self.session("reception"), "stop")[0].status_code, 404)
        stop, token = self.open_form(leader, "stop")
        stopped = leader.post(f"{self.page}/@@dossier-transition", timeout=30, allow_redirects=False, data={
            "transition": "stop", "form.submitted": "1", "_authenticator": token, "comment": "Quá hạn bổ sung"})
        self.assertEqual(stopped.status_code, 302)
        self.assertEqual(api.content.get_state(self.fresh()), "stopped")

    def test_apology_and_new_appointment(self):
        from test_desk_slips import pdf_text

        reception = self.session("reception")
        self.assertEqual(reception.get(f"{self.page}/@@dossier-extend", timeout=30).status_code, 404)
        specialist = self.session("specialist")
        self.assertIn('id="action-extend"', specialist.get(self.page, timeout=30).text)
        form = specialist.get(f"{self.page}/@@dossier-extend", timeout=30)
        token = authenticator(form.text)
        before = self.fresh().due
        no_reason = specialist.post(f"{self.page}/@@dossier-extend", timeout=30, data={
            "form.submitted": "1", "_authenticator": token, "new_due": "2099-01-05", "reason": ""})
        self.assertEqual(no_reason.status_code, 400)
        self.assertIn("cần nêu lý do", no_reason.text)
        earlier = specialist.post(f"{self.page}/@@dossier-extend", timeout=30, data={
            "form.submitted": "1", "_authenticator": token, "new_due": "2000-01-05", "reason": "Chờ ý kiến"})
        self.assertEqual(earlier.status_code, 400)
        self.assertEqual(self.fresh().due, before)

        done = specialist.post(f"{self.page}/@@dossier-extend", timeout=30, allow_redirects=False, data={
            "form.submitted": "1", "_authenticator": token, "new_due": "2099-01-05",
            "reason": "Chờ ý kiến thẩm định của Sở Tài nguyên và Môi trường"})
        self.assertEqual(done.status_code, 302, done.text[:300])
        dossier = self.fresh()
        self.assertEqual(dossier.due.date().isoformat(), "2099-01-05")
        self.assertEqual(dossier.extensions[-1]["by"], "specialist")
        slip = specialist.get(f"{self.page}/@@slip-extension", timeout=30)
        self.assertEqual(slip.status_code, 200)
        text = " ".join(pdf_text(slip.content).split())
        self.assertIn("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", text)
        self.assertIn("Chờ ý kiến thẩm định của Sở Tài nguyên và Môi trường", text)
        self.assertIn("05/01/2099", text)
        self.assertIn(f"{before:%d/%m/%Y}", text)

"""Printed slips: the receipt's PDF holds the code, the applicant and the due date with their
diacritics (read by poppler's pdftotext), embeds its font, and its QR code (read by zbarimg)
opens the public status page, which tells the state and nothing personal."""
import subprocess
import tempfile
from pathlib import Path

import requests
import transaction
from archive.content import clock
from archive.content.intake import receive_dossier
from archive.pdf import simple_pdf
from plone import api

import translations  # noqa: F401 (compiles the .mo files first)
from helpers import AGENCY
from helpers import dossier_fields
from helpers import PASSWORD
from helpers import RestTestCase

APPLICANT = "Trần Thị Ngọc Ánh"


def pdf_text(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(data)
        pdf.flush()
        return subprocess.run(["pdftotext", "-layout", pdf.name, "-"], capture_output=True, check=True,
                              text=True).stdout


def pdf_fonts(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(data)
        pdf.flush()
        return subprocess.run(["pdffonts", pdf.name], capture_output=True, check=True, text=True).stdout


def qr_codes(data):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "slip.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "slip.pdf", "page"], cwd=folder, check=True)
        pages = sorted(str(p) for p in Path(folder).glob("page*.png"))
        found = subprocess.run(["zbarimg", "--raw", "-q", *pages], capture_output=True, text=True)
        return [line for line in found.stdout.splitlines() if line]


class TestSlips(RestTestCase):
    def setUp(self):
        super().setUp()
        portal = self.portal
        with api.env.adopt_roles(["Manager"]):
            procedure = portal.procedures["1.009972"]
            procedure.required_components = ["Đơn đề nghị cấp phép", "Bản vẽ thiết kế", "Giấy tờ về quyền sử dụng đất"]
            procedure.fee = 150000
        pdf = simple_pdf("Don")
        with api.env.adopt_user(username="reception"):
            self.dossier = receive_dossier(
                portal.dossiers[AGENCY],
                components=[{"title": "Đơn đề nghị cấp phép", "filename": "don.pdf", "data": pdf},
                            {"title": "Bản vẽ thiết kế", "filename": "ban-ve.pdf", "data": pdf, "kind": "copy"}],
                **dossier_fields(applicant_name=APPLICANT, applicant_id="040201005678"))
        transaction.commit()
        self.dossier_url = f"{self.url}/dossiers/{AGENCY}/{self.dossier.getId()}"

    def get(self, url, user="reception", **kwargs):
        auth = (user, PASSWORD) if user else None
        return requests.get(url, auth=auth, timeout=30, **kwargs)

    def test_receipt_pdf_text_font_and_qr(self):
        response = self.get(self.dossier_url + "/@@slip-receipt")
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        text = pdf_text(response.content)
        self.assertIn("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", text)
        self.assertIn(self.dossier.dossier_code, text)
        self.assertIn(APPLICANT, text)
        due = clock.to_local_naive(self.dossier.due)
        self.assertIn(f"{due:%H} giờ {due:%M} phút, ngày {due:%d/%m/%Y}", text)
        self.assertIn("Cấp giấy phép xây dựng", text)
        self.assertIn("Bản vẽ thiết kế", text)
        self.assertIn("150.000 đồng", text)
        fonts = pdf_fonts(response.content)
        self.assertIn("DejaVuSans", fonts)
        self.assertNotIn(" no ", fonts.split("\n", 2)[2])  # every font embedded

        codes = qr_codes(response.content)
        self.assertEqual(len(codes), 1, codes)
        self.assertTrue(codes[0].startswith(f"{self.url}/@@dossier-status?code={self.dossier.dossier_code}&t="))
        page = self.get(codes[0], user=None)  # the citizen, without an account
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="status-answer"', page.text)
        self.assertNotIn(APPLICANT, page.text)
        self.assertNotIn("040201005678", page.text)
        self.assertIn(f"{due:%d/%m/%Y}", page.text)

    def test_receipt_is_for_officers_only(self):
        for user in (None, "other_reception"):
            refused = self.get(self.dossier_url + "/@@slip-receipt", user=user, allow_redirects=False)
            self.assertNotEqual(refused.headers.get("Content-Type"), "application/pdf")
            self.assertIn(refused.status_code, (302, 401, 403), user)
            if refused.status_code == 302:
                self.assertIn("require_login", refused.headers["Location"])

    def test_supplement_refusal_control_and_register(self):
        form = self.dossier_url + "/@@slip-supplement"
        self.assertEqual(self.get(form).status_code, 404)  # no supplement requested yet
        with api.env.adopt_user(username="reception"):
            api.content.transition(self.dossier, transition="start_processing")
        with api.env.adopt_user(username="specialist"):
            api.content.transition(self.dossier, transition="request_supplement", comment="Bản vẽ chưa đóng dấu",
                                   missing_components=["Giấy tờ về quyền sử dụng đất"])
        transaction.commit()
        text = pdf_text(self.get(form).content)
        self.assertIn("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", text)
        self.assertIn("1. Giấy tờ về quyền sử dụng đất", text)
        self.assertIn("Bản vẽ chưa đóng dấu", text)

        control = pdf_text(self.get(self.dossier_url + "/@@slip-control").content)
        self.assertIn("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", control)
        self.assertIn("specialist", control)
        self.assertIn("Yêu cầu bổ sung", control)

        self.assertEqual(self.get(self.dossier_url + "/@@slip-refusal").status_code, 404)
        received = clock.to_local_naive(self.dossier.received).date()
        register = self.get(f"{self.url}/dossiers/{AGENCY}/@@slip-register",
                            params={"start": received.isoformat(), "end": received.isoformat()})
        self.assertEqual(register.status_code, 200)
        text = pdf_text(register.content)
        self.assertIn("SỔ THEO DÕI HỒ SƠ", text)
        self.assertIn(self.dossier.dossier_code, text)
        self.assertIn("Tổng số hồ sơ: 1", text)
        bad = self.get(f"{self.url}/dossiers/{AGENCY}/@@slip-register", params={"start": "hôm qua"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("start", bad.text)

    def test_refusal_slip_has_the_reason(self):
        with api.env.adopt_user(username="reception"):
            api.content.transition(self.dossier, transition="refuse", comment="Hồ sơ không thuộc thẩm quyền")
        transaction.commit()
        self.assertEqual(self.get(self.dossier_url + "/@@slip-receipt").status_code, 404)
        text = pdf_text(self.get(self.dossier_url + "/@@slip-refusal").content)
        self.assertIn("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", text)
        self.assertIn("Hồ sơ không thuộc thẩm quyền", text)

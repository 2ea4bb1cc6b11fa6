"""Fees at the desk: reception records payments with receipt numbers, the fee notice prints what
remains with a VietQR transfer code (read back by zbarimg, its CRC checked by the standard
library's CRC-CCITT), and bad input is refused naming the field."""
import binascii

import transaction
from archive.content.intake import receive_dossier
from archive.fees import vietqr
from plone import api

import translations  # noqa: F401 (compiles the .mo files first)
from helpers import AGENCY
from helpers import authenticator
from helpers import browser_session
from helpers import dossier_fields
from helpers import RestTestCase
from test_desk_slips import pdf_text
from test_desk_slips import qr_codes

BIN, ACCOUNT = "970415", "113366668888"


def crc_ok(text):
    return f"{binascii.crc_hqx(text[:-4].encode(), 0xFFFF):04X}" == text[-4:]


def test_vietqr_payload_fields_and_crc():
    text = vietqr.payload(BIN, ACCOUNT, 150000, "000.00.12.H41-260101-0001")
    assert crc_ok(text)
    fields = vietqr.parse(text)
    assert fields["00"] == "01" and fields["53"] == "704" and fields["54"] == "150000" and fields["58"] == "VN"
    merchant = vietqr.parse(fields["38"])
    assert merchant["00"] == "A000000727" and merchant["02"] == "QRIBFTTA"
    assert vietqr.parse(merchant["01"]) == {"00": BIN, "01": ACCOUNT}
    assert vietqr.parse(fields["62"])["08"] == "000.00.12.H41-260101-0001"
    for bad in (("97041", ACCOUNT, 1), (BIN, "12 34", 1), (BIN, ACCOUNT, 0)):
        try:
            vietqr.payload(*bad, "x")
        except ValueError:
            continue
        raise AssertionError(bad)


class TestFees(RestTestCase):
    def setUp(self):
        super().setUp()
        api.portal.set_registry_record("plone.available_languages", ["vi", "en"])
        api.portal.set_registry_record("plone.default_language", "vi")
        api.portal.set_registry_record("archive.fee_bank_bin", BIN)
        api.portal.set_registry_record("archive.fee_bank_account", ACCOUNT)
        api.portal.set_registry_record("archive.fee_bank_account_name", "TRUNG TAM PHUC VU HANH CHINH CONG")
        with api.env.adopt_roles(["Manager"]):
            self.portal.procedures["1.009972"].fee = 150000
        with api.env.adopt_user(username="reception"):
            self.dossier = receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields())
        transaction.commit()
        self.page = f"{self.url}/dossiers/{AGENCY}/{self.dossier.getId()}"

    def session(self, user):
        return browser_session(user)

    def test_payment_receipt_and_vietqr_notice(self):
        self.assertEqual(self.session("specialist").get(f"{self.page}/@@dossier-payment", timeout=30).status_code, 404)
        reception = self.session("reception")
        self.assertIn('id="action-payment"', reception.get(self.page, timeout=30).text)
        form = reception.get(f"{self.page}/@@dossier-payment", timeout=30)
        self.assertIn("150.000 đồng", form.text)
        token = authenticator(form.text)

        bad = reception.post(f"{self.page}/@@dossier-payment", timeout=30, data={
            "form.submitted": "1", "_authenticator": token, "method": "cash", "amount": "-5"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("amount", bad.text)
        paid = reception.post(f"{self.page}/@@dossier-payment", timeout=30, allow_redirects=False, data={
            "form.submitted": "1", "_authenticator": token, "method": "cash", "amount": "50000"})
        self.assertEqual(paid.status_code, 302, paid.text[:300])
        transaction.begin()
        entry = self.portal.dossiers[AGENCY][self.dossier.getId()].payments[-1]
        self.assertEqual(entry["receipt_number"], f"BL-{AGENCY}-{entry['time'][:4]}-000001")

        notice = reception.get(f"{self.page}/@@slip-payment", timeout=30)
        self.assertEqual(notice.headers["Content-Type"], "application/pdf")
        text = pdf_text(notice.content)
        self.assertIn(entry["receipt_number"], text)
        self.assertIn("Còn phải nộp: 100.000 đồng", text)
        codes = qr_codes(notice.content)
        self.assertEqual(len(codes), 1)
        self.assertTrue(crc_ok(codes[0]))
        fields = vietqr.parse(codes[0])
        self.assertEqual(fields["54"], "100000")
        self.assertEqual(vietqr.parse(fields["62"])["08"], self.dossier.dossier_code)

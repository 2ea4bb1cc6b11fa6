"""Implausible intake data refused over HTTP with 400 naming the field, and names stored
in NFC (issue 13 item 13): receipt dates outside 2000..now, control, zero-width and
bidi-override characters and lone surrogates in names, the all-zero citizen ID, a
result code that points at nothing."""
import unicodedata
from datetime import timedelta

from archive.content import clock

from helpers import AGENCY
from helpers import RestTestCase
from helpers import dossier_fields


class TestIntakeValidation(RestTestCase):
    def intake(self, **overrides):
        return self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields(**overrides)})

    def assertRefused(self, answer, field):
        self.assertEqual(answer.status_code, 400, answer.text)
        self.assertIn(field, answer.text)

    def test_received_outside_the_plausible_window(self):
        future = clock.now() + timedelta(hours=2)
        for received in ("0001-01-01T08:00:00", "1900-05-01T08:00:00", "1999-12-31T23:59:00+07:00",
                         future.isoformat() + "+07:00", "2200-01-01T00:00:00Z"):
            with self.subTest(received=received):
                self.assertRefused(self.intake(received=received), "received")
        self.assertEqual(self.count("Dossier"), 0)
        accepted = self.intake(received="2000-01-03T08:00:00+07:00")
        self.assertEqual(accepted.status_code, 201, accepted.text)
        self.assertEqual(accepted.json()["received"][:10], "2000-01-03")

    def test_invisible_and_control_characters_in_names(self):
        for name in ("Nguyễn\x00Văn An", "Nguyễn\u200bVăn An", "Nguyễn \u202eVăn An", "Nguyễn\tVăn", "Nguyễn \ud800"):
            with self.subTest(name=repr(name)):
                self.assertRefused(self.intake(applicant_name=name), "applicant_name")
        self.assertRefused(self.intake(applicant_address="Số 5\u2066 Lê Lợi"), "applicant_address")
        self.assertEqual(self.count("Dossier"), 0)

    def test_names_are_stored_in_nfc_and_found_by_their_spelling(self):
        decomposed = unicodedata.normalize("NFD", "Trần Thị Bích")
        self.assertNotEqual(decomposed, "Trần Thị Bích")
        dossier = self.intake(applicant_name=decomposed).json()
        self.assertEqual(dossier["applicant_name"], "Trần Thị Bích")
        self.assertTrue(dossier["title"].endswith("Trần Thị Bích"))
        found = self.call("GET", "/@search", "leader", params={"portal_type": "Dossier", "SearchableText": "Bích"})
        self.assertEqual(found.json()["items_total"], 1)

    def test_all_zero_citizen_id_refused(self):
        for applicant_id in ("000000000000", "0000000000", "0000000000-001"):
            with self.subTest(applicant_id=applicant_id):
                self.assertRefused(self.intake(applicant_id=applicant_id), "applicant_id")

    def test_result_code_pointing_at_nothing(self):
        dossier = self.intake().json()
        refused = self.call("PATCH", dossier["@id"], "reception", json={"result_code": "KQ.NO-SUCH.2026.000001"})
        self.assertRefused(refused, "result_code")
        self.assertIsNone(self.call("GET", dossier["@id"], "reception").json()["result_code"])
        self.assertRefused(self.intake(result_code="KQ.NO-SUCH.2026.000001"), "result_code")

"""Intake data after intake, over HTTP (issue 13 item 13, issue 15 hole 4): an edit never
changes `received` or `procedure_code` (the code, title and due date derive from them);
after hand-over no intake field changes for anyone by an edit; a leader corrects them with
a reason through @intake-correction, which recomputes the title and due date and is
journaled."""
import transaction
from archive.audit import journal

from helpers import AGENCY
from helpers import RestTestCase
from helpers import dossier_fields


class TestIntakeLock(RestTestCase):
    def setUp(self):
        super().setUp()
        answer = self.call("POST", f"/dossiers/{AGENCY}", "reception",
                           json={"@type": "Dossier", **dossier_fields(received="2026-01-05T08:00:00+07:00")})
        self.assertEqual(answer.status_code, 201, answer.text)
        self.dossier = answer.json()
        self.path = self.dossier["@id"]

    def get(self):
        return self.call("GET", self.path, "leader").json()

    def hand_over(self):
        answer = self.call("POST", self.path + "/@workflow/start_processing", "reception")
        self.assertEqual(answer.status_code, 200, answer.text)

    def test_received_and_procedure_never_change_by_an_edit(self):
        for field, value in (("received", "2026-01-02T08:00:00+07:00"), ("procedure_code", "1.009972")):
            with self.subTest(field=field):
                answer = self.call("PATCH", self.path, "reception", json={field: value})
                if field == "procedure_code":  # the same value is no change
                    self.assertEqual(answer.status_code, 204, answer.text)
                    continue
                self.assertEqual(answer.status_code, 400, answer.text)
                self.assertIn(field, answer.text)
        after = self.get()
        self.assertEqual((after["received"], after["due"], after["title"]),
                         (self.dossier["received"], self.dossier["due"], self.dossier["title"]))
        # Before hand-over the reception may still fix the applicant's data.
        fixed = self.call("PATCH", self.path, "reception", json={"applicant_phone": "0912345678"})
        self.assertEqual(fixed.status_code, 204, fixed.text)

    def test_locked_after_hand_over(self):
        self.hand_over()
        for user, field, value in (("specialist", "applicant_id", "040201009999"),
                                   ("reception", "applicant_name", "Lê Văn Bình"),
                                   ("admin", "applicant_address", "Số 7, đường Trần Phú")):
            with self.subTest(user=user, field=field):
                answer = self.call("PATCH", self.path, user, json={field: value})
                self.assertIn(answer.status_code, (401, 403), answer.text)
        after = self.get()
        for field in ("applicant_id", "applicant_name", "applicant_address", "received", "due"):
            self.assertEqual(after[field], self.dossier[field])

    def test_leader_corrects_with_a_reason(self):
        self.hand_over()
        no_reason = self.call("POST", self.path + "/@intake-correction", "leader", json={"received": "2026-01-02T08:00:00+07:00"})
        self.assertEqual(no_reason.status_code, 400, no_reason.text)
        self.assertEqual(no_reason.json()["error"]["field"], "reason")
        specialist = self.call("POST", self.path + "/@intake-correction", "specialist",
                               json={"reason": "x", "received": "2026-01-02T08:00:00+07:00"})
        self.assertIn(specialist.status_code, (401, 403))
        bad = self.call("POST", self.path + "/@intake-correction", "leader",
                        json={"reason": "Nhập sai ngày", "received": "1926-01-02T08:00:00+07:00"})
        self.assertEqual(bad.json()["error"]["field"], "received")
        other = self.call("POST", self.path + "/@intake-correction", "leader",
                          json={"reason": "Nhập sai thủ tục", "procedure_code": "2.000488"})
        self.assertEqual(other.json()["error"]["field"], "procedure_code")
        self.assertEqual(self.get()["received"], self.dossier["received"])

        corrected = self.call("POST", self.path + "/@intake-correction", "leader",
                              json={"reason": "Nhập sai ngày nhận", "received": "2026-01-02T08:00:00+07:00",
                                    "applicant_name": "Nguyễn Văn Ân"})
        self.assertEqual(corrected.status_code, 200, corrected.text)
        after = self.get()
        self.assertEqual(after["received"][:10], "2026-01-02")
        self.assertLess(after["due"], self.dossier["due"])  # recomputed from the new receipt
        self.assertTrue(after["title"].endswith("Nguyễn Văn Ân"))
        self.assertEqual(after["dossier_code"], self.dossier["dossier_code"])  # the receipt's code stays
        transaction.begin()
        entries = [e for e in journal.journal(self.portal).values() if e["action"] == "intake-corrected"]
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]["actor"], "leader")
        self.assertEqual(entries[0]["details"]["reason"], "Nhập sai ngày nhận")
        self.assertEqual(set(entries[0]["details"]["changes"]), {"received", "applicant_name", "due"})

"""A result links only a dossier of its own agency that its officer may see: agency B filing
a result with agency A's dossier code gets the error a missing code gets, and A's dossier is
untouched; a link that is made is journaled."""
from datetime import date

import transaction
from archive.content.results import create_result
from plone import api

from helpers import AGENCY
from helpers import OTHER_AGENCY
from helpers import RestTestCase
from helpers import dossier_fields


def result_fields(code, **overrides):
    fields = {"@type": "Result", "dossier_code": code, "number_notation": "12/GP-SXD",
              "result_type": "Giấy phép xây dựng", "signer": "Lê Văn Lãnh", "issue_date": "2026-05-10"}
    fields.update(overrides)
    return fields


class TestResultLinksItsOwnAgency(RestTestCase):
    def intake(self, agency=AGENCY, user="reception", **fields):
        created = self.call("POST", f"/dossiers/{agency}", user, json={"@type": "Dossier", **dossier_fields(**fields)})
        self.assertEqual(created.status_code, 201, created.text)
        return created.json()

    def dossier(self, code, agency=AGENCY):
        transaction.begin()  # see what the server committed
        return self.portal.unrestrictedTraverse(f"dossiers/{agency}/{code}")

    def linked(self):
        answer = self.call("GET", "/@audit-journal", "admin", params={"action": "linked"})
        self.assertEqual(answer.status_code, 200, answer.text)
        return answer.json()["items"]

    def test_another_agency_cannot_name_our_dossier(self):
        ours = self.intake()
        missing = f"{AGENCY}-991231-9999"
        foreign = self.call("POST", f"/results/{OTHER_AGENCY}", "other_leader", json=result_fields(ours["dossier_code"]))
        unknown = self.call("POST", f"/results/{OTHER_AGENCY}", "other_leader", json=result_fields(missing))
        self.assertEqual(foreign.status_code, 400, foreign.text)
        self.assertIn("dossier_code", foreign.text)
        self.assertEqual(foreign.text.replace(ours["dossier_code"], "<code>"), unknown.text.replace(missing, "<code>"))
        self.assertIsNone(self.dossier(ours["dossier_code"]).result_code)
        self.assertEqual(self.count("Result"), 0)
        self.assertEqual(self.linked(), [])

    def test_a_link_is_made_in_the_agency_and_journaled(self):
        first, second = self.intake(), self.intake(applicant_name="Trần Thị Bình")
        created = self.call("POST", f"/results/{AGENCY}", "specialist", json=result_fields(first["dossier_code"]))
        self.assertEqual(created.status_code, 201, created.text)
        result = created.json()
        self.assertEqual(self.dossier(first["dossier_code"]).result_code, result["result_code"])
        [entry] = self.linked()
        self.assertEqual((entry["actor"], entry["path"], entry["details"]["result_code"]),
                         ("specialist", f"/plone/dossiers/{AGENCY}/{first['dossier_code']}", result["result_code"]))
        # Re-filed against the agency's other dossier: that one is linked (and journaled); a
        # dossier of another agency is refused on a change too.
        other = self.intake(agency=OTHER_AGENCY, user="other_reception", procedure_code="2.000488")
        refused = self.call("PATCH", result["@id"], "specialist", json={"dossier_code": other["dossier_code"]})
        self.assertEqual(refused.status_code, 400, refused.text)
        self.assertIsNone(self.dossier(other["dossier_code"], OTHER_AGENCY).result_code)
        moved = self.call("PATCH", result["@id"], "specialist", json={"dossier_code": second["dossier_code"]})
        self.assertEqual(moved.status_code, 204, moved.text)
        self.assertEqual(self.dossier(second["dossier_code"]).result_code, result["result_code"])
        self.assertEqual([e["path"].rsplit("/", 1)[1] for e in self.linked()],
                         [first["dossier_code"], second["dossier_code"]])

    def test_another_agencys_result_does_not_let_our_dossier_finish(self):
        ours = self.intake()
        self.assertEqual(self.call("POST", ours["@id"] + "/@workflow/start_processing", "reception").status_code, 200)
        transaction.begin()
        with api.env.adopt_roles(["Manager"]):  # as data from before this rule, or received, would be
            create_result(self.portal.results[OTHER_AGENCY], dossier_code=ours["dossier_code"], number_notation="1/GP",
                          result_type="Giấy phép", signer="Ai đó", issue_date=date(2026, 5, 10))
        transaction.commit()
        self.assertIsNone(self.dossier(ours["dossier_code"]).result_code)
        refused = self.call("POST", ours["@id"] + "/@workflow/finish", "leader")
        self.assertEqual(refused.status_code, 400, refused.text)
        created = self.call("POST", f"/results/{AGENCY}", "specialist", json=result_fields(ours["dossier_code"]))
        self.assertEqual(created.status_code, 201, created.text)
        self.assertEqual(self.call("POST", ours["@id"] + "/@workflow/finish", "leader").status_code, 200)

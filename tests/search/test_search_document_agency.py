"""What the search document of a result says about its agency and procedure: a result keeps
neither code itself, so they come from its agency's shard and its dossier; a legal
document's document carries its effect status and issue date (in-force ranking)."""
from datetime import date

from archive.content.intake import receive_dossier
from archive.content.results import create_result
from archive.search.documents import document_for
from helpers import AGENCY
from helpers import PROCEDURE
from helpers import ProvinceTestCase
from helpers import dossier_fields


class TestResultDocument(ProvinceTestCase):
    def test_a_result_carries_its_agency_and_its_dossiers_procedure(self):
        dossier = receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields())
        self.assertTrue(dossier.dossier_code)
        result = create_result(self.portal.results[AGENCY], dossier_code=dossier.dossier_code,
                               number_notation="12/GP-SXD", result_type="Giấy phép", signer="Lê Văn Lãnh",
                               issue_date=date(2026, 5, 10))
        self.assertIsNone(getattr(result, "procedure_code", None))
        doc = document_for(result)
        self.assertEqual((doc["agency"], doc["procedure"]), (AGENCY, PROCEDURE))
        self.assertEqual(doc["issued"], "2026-05-10")
        self.assertEqual(doc["citations"], ["12/gp-sxd"])
        self.assertEqual(document_for(dossier)["agency"], AGENCY)
        # A result naming no dossier of its agency: its agency still, no procedure.
        loose = create_result(self.portal.results[AGENCY], dossier_code="NONE-1", number_notation="13/GP-SXD",
                              result_type="Giấy phép", signer="Lê Văn Lãnh", issue_date=date(2026, 5, 11))
        doc = document_for(loose)
        self.assertEqual((doc["agency"], doc.get("procedure")), (AGENCY, None))

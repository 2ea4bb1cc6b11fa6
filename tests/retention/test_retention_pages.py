"""The archivist's pages over real HTTP: the desk lists what is due, the legal-hold form works."""
import transaction
from helpers import RestTestCase
from retention_helpers import at
from retention_helpers import closed_dossier


class TestArchivistPages(RestTestCase):
    def test_desk_lists_what_is_due_and_completeness_names_missing_fields(self):
        due = closed_dossier(self.portal, closed_on=at(2010, 1, 3))
        digitised = closed_dossier(self.portal, digitised=True)
        transaction.commit()
        page = self.call("GET", "/@@archivist-desk", "admin")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Đến hạn hủy", page.text)
        self.assertIn(due.UID(), page.text)
        report = self.call("GET", "/@archival-completeness", "admin").json()
        missing = {item["@id"]: item["missing"] for item in report["items"]}
        self.assertEqual(missing[digitised.absolute_url()], ["paper_code"])
        self.assertNotIn(due.absolute_url(), missing)

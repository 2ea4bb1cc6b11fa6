"""The demo profile gives a records officer a realistic province to explore."""
import unittest
from collections import Counter

from archive.testing import ARCHIVE_DEMO_INTEGRATION_TESTING
from archive.workflow.payment import amount_due
from archive.workflow.status import DOSSIER_STATE_CODES
from plone import api


class TestDemoData(unittest.TestCase):
    layer = ARCHIVE_DEMO_INTEGRATION_TESTING

    def setUp(self):
        self.catalog = api.portal.get_tool("portal_catalog")

    def count(self, **query):
        return len(self.catalog.unrestrictedSearchResults(**query))

    def test_sizes(self):
        self.assertEqual(self.count(portal_type="Agency"), 5)
        self.assertEqual(self.count(portal_type="Procedure"), 20)
        self.assertEqual(self.count(portal_type="Dossier"), 300)
        # Every approved dossier has its result (finish and return are guarded).
        done = self.count(portal_type="Dossier", review_state=["finished", "returned"])
        self.assertEqual(self.count(portal_type="Result"), done)
        self.assertGreater(done, 30)
        self.assertEqual(self.count(portal_type="LegalDocument"), 40)

    def test_dossiers_in_every_state(self):
        states = Counter(b.review_state for b in self.catalog.unrestrictedSearchResults(portal_type="Dossier"))
        expected = set(DOSSIER_STATE_CODES) - {"registered"}
        self.assertEqual(set(states), expected)

    def test_dossiers_have_codes_due_dates_and_checksummed_components(self):
        brain = self.catalog.unrestrictedSearchResults(portal_type="Dossier", review_state="returned")[0]
        dossier = brain._unrestrictedGetObject()
        self.assertTrue(dossier.dossier_code.startswith(dossier.agency_code + "-"))
        self.assertGreater(dossier.due, dossier.received)
        self.assertIn(dossier.timeliness, ("early", "on_time", "late"))
        self.assertEqual(dossier.status_code, 10)
        self.assertEqual(len(dossier.components), 2)
        for component in dossier.components:
            self.assertEqual(len(component.sha256), 64)
            self.assertTrue(component.file.data.startswith(b"%PDF"))

    def test_closed_items_have_archival_packages(self):
        from archive.preservation import store

        packages = store.all_packages()
        self.assertEqual(len(packages), 12)
        states = {b.UID: b.review_state for b in self.catalog.unrestrictedSearchResults(
            UID=[record.uid for record in packages])}
        self.assertEqual(set(states.values()) - {"returned", "published"}, set())
        self.assertEqual(len(states), 12)

    def test_supplement_pause_recorded(self):
        brain = self.catalog.unrestrictedSearchResults(portal_type="Dossier", review_state="supplement_requested")[0]
        dossier = brain._unrestrictedGetObject()
        self.assertEqual(dossier.status_code, 5)
        self.assertIsNone(dossier.supplement_requests[-1]["resumed"])

    def test_fee_requested_in_status_6(self):
        brains = self.catalog.unrestrictedSearchResults(portal_type="Dossier", review_state="payment_requested")
        for brain in brains:
            dossier = brain._unrestrictedGetObject()
            self.assertEqual(dossier.status_code, 6)
            self.assertGreater(amount_due(dossier), 0)  # only a procedure with a fee is asked for one
        self.assertGreater(len(brains), 0)

    def test_legal_documents_linked_and_statuses_computed(self):
        statuses = Counter(b.effect_status for b in self.catalog.unrestrictedSearchResults(portal_type="LegalDocument"))
        self.assertGreater(statuses["wholly_expired"], 0)
        self.assertGreater(statuses["partly_expired"], 0)
        self.assertGreater(statuses["in_force"], 0)
        self.assertGreater(statuses["not_yet_in_force"], 0)
        relations = self.catalog.Indexes["legal_relations"].uniqueValues()
        kinds = {key.split(":", 1)[0] for key in relations}
        self.assertTrue({"amends", "replaces", "based_on"} <= kinds)

    def test_results_in_every_state(self):
        states = {b.review_state for b in self.catalog.unrestrictedSearchResults(portal_type="Result")}
        self.assertEqual(states, {"draft", "signed", "issued", "revoked"})

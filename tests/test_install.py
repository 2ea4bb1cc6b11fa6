"""The add-on installs: types, workflows, sections, groups and settings are in place."""
import unittest

from archive.testing import ARCHIVE_INTEGRATION_TESTING
from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID


class TestInstall(unittest.TestCase):
    layer = ARCHIVE_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])

    def test_types_are_registered_with_their_workflows(self):
        workflow = api.portal.get_tool("portal_workflow")
        expected = {
            "Agency": ("archive_register_workflow",),
            "Procedure": ("archive_register_workflow",),
            "Dossier": ("archive_dossier_workflow",),
            "Result": ("archive_result_workflow",),
            "LegalDocument": ("archive_legal_document_workflow",),
            "DossierComponent": (),
        }
        for portal_type, chain in expected.items():
            self.assertIn(portal_type, self.portal.portal_types.objectIds())
            self.assertEqual(tuple(workflow.getChainForPortalType(portal_type)), chain)

    def test_sections_exist(self):
        for section in ("agencies", "procedures", "dossiers", "results", "legal-documents"):
            self.assertEqual(self.portal[section].portal_type, "ArchiveFolder")

    def test_agency_gets_shards_and_groups(self):
        agency = api.content.create(
            container=self.portal.agencies, type="Agency", title="Sở Xây dựng",
            agency_code="000.01.41.H41", level="department",
        )
        self.assertEqual(agency.getId(), "000.01.41.H41")
        shard = self.portal.dossiers["000.01.41.H41"]
        self.assertIn("ReceptionOfficer", shard.get_local_roles_for_userid("archive-000.01.41.H41-reception"))
        self.assertIsNotNone(api.group.get(groupname="archive-000.01.41.H41-leaders"))

    def test_upgrade_to_1001_adds_the_transition_for_received_results(self):
        setup = api.portal.get_tool("portal_setup")
        workflow = api.portal.get_tool("portal_workflow")["archive_result_workflow"]
        # A site installed at 1000: the transition did not exist yet.
        workflow.transitions.manage_delObjects(["register_received"])
        workflow.states["draft"].transitions = ("sign",)
        setup.setLastVersionForProfile("archive:default", "1000")
        self.assertIn("1001", [step["dest"][0] for step in setup.listUpgrades("archive:default")])
        setup.upgradeProfile("archive:default")
        self.assertEqual(setup.getLastVersionForProfile("archive:default"), ("1002",))
        self.assertIn("register_received", workflow.transitions.objectIds())
        self.assertEqual(set(workflow.states["draft"].transitions), {"sign", "register_received"})

    def test_upgrade_to_1002_adds_the_fee_step(self):
        setup = api.portal.get_tool("portal_setup")
        workflow = api.portal.get_tool("portal_workflow")["archive_dossier_workflow"]
        # A site at 1001: no payment_requested state yet.
        workflow.transitions.manage_delObjects(["request_payment", "confirm_payment"])
        workflow.states.manage_delObjects(["payment_requested"])
        workflow.states["processing"].transitions = ("request_supplement", "finish", "stop", "withdraw")
        setup.setLastVersionForProfile("archive:default", "1001")
        self.assertEqual([step["dest"][0] for step in setup.listUpgrades("archive:default")], ["1002"])
        setup.upgradeProfile("archive:default")
        self.assertEqual(setup.getLastVersionForProfile("archive:default"), ("1002",))
        self.assertIn("payment_requested", workflow.states.objectIds())
        self.assertIn("request_payment", workflow.states["processing"].transitions)

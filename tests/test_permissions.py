"""The permission matrix: who may see, edit and fire each transition, per agency and state."""
import unittest
from datetime import date

from archive.content.intake import receive_dossier
from archive.content.results import create_result
from archive.demo import STATE_PATHS
from archive.testing import ARCHIVE_INTEGRATION_TESTING
from plone import api
from plone.app.testing import logout
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID

from helpers import AGENCY
from helpers import build_province
from helpers import dossier_fields
from helpers import PROCEDURE

STAFF = {"reception", "specialist", "leader", "archivist", "auditor"}
OUTSIDERS = {"exchange", "other_reception", "other_leader", "citizen", "drafter", "reviewer", "approver"}

# state -> user -> transitions the user may fire
DOSSIER_TRANSITIONS = {
    "received": {"reception": {"start_processing", "refuse", "withdraw"}},
    "processing": {"reception": {"withdraw", "request_payment"}, "specialist": {"request_supplement", "request_payment"},
                   "leader": {"request_supplement", "finish", "stop"}},
    "supplement_requested": {"reception": {"resume", "withdraw"}, "specialist": {"resume"}, "leader": {"stop"}},
    "payment_requested": {"reception": {"confirm_payment", "withdraw"}, "specialist": {"confirm_payment"},
                          "leader": {"stop"}},
    "finished": {"reception": {"return_result"}},
    "returned": {}, "refused": {}, "withdrawn": {}, "stopped": {},
}
DOSSIER_EDITORS = {
    "received": {"reception"}, "processing": {"specialist"}, "supplement_requested": {"reception", "specialist"},
    "payment_requested": {"specialist"},
}


class TestDossierMatrix(unittest.TestCase):
    layer = ARCHIVE_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        build_province(self.portal, commit=False)
        self.workflow = api.portal.get_tool("portal_workflow")
        self.dossiers = {}
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.portal.procedures[PROCEDURE].fee = 150000  # "request the fee payment" needs a fee to request
        for state, path in STATE_PATHS.items():
            if state == "resumed":
                continue
            dossier = receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields())
            for transition in path:
                if transition == "finish":  # approval and return need an issued result (workflow guards)
                    self.issue_result(dossier)
                self.workflow.doActionFor(dossier, transition, comment="x")
            self.assertEqual(api.content.get_state(dossier), state)
            self.dossiers[state] = dossier
        setRoles(self.portal, TEST_USER_ID, ["Member"])

    def issue_result(self, dossier):
        result = create_result(self.portal.results[AGENCY], dossier_code=dossier.dossier_code, number_notation="1/GP",
                               result_type="Giấy phép", signer="Lê Văn Lãnh", issue_date=date(2026, 5, 10))
        for transition in ("sign", "issue"):
            self.workflow.doActionFor(result, transition)

    def transitions(self, user, obj):
        with api.env.adopt_user(username=user):
            return {t["id"] for t in self.workflow.getTransitionsFor(obj)}

    def test_view_edit_and_transitions(self):
        for state, dossier in self.dossiers.items():
            for user in STAFF | OUTSIDERS:
                can_view = api.user.has_permission("View", username=user, obj=dossier)
                can_edit = api.user.has_permission("Modify portal content", username=user, obj=dossier)
                self.assertEqual(can_view, user in STAFF, (state, user, "view"))
                self.assertEqual(can_edit, user in DOSSIER_EDITORS.get(state, set()), (state, user, "edit"))
                expected = DOSSIER_TRANSITIONS[state].get(user, set())
                self.assertEqual(self.transitions(user, dossier), expected, (state, user))

    def test_only_reception_of_the_agency_receives(self):
        shard = self.portal.dossiers[AGENCY]
        for user in STAFF | OUTSIDERS:
            allowed = api.user.has_permission("archive: Add Dossier", username=user, obj=shard)
            self.assertEqual(allowed, user == "reception", user)

    def test_anonymous_sees_no_dossier(self):
        logout()
        for dossier in self.dossiers.values():
            self.assertFalse(api.user.has_permission("View", obj=dossier))
        catalog = api.portal.get_tool("portal_catalog")
        self.assertEqual(len(catalog(portal_type="Dossier")), 0)


class TestLegalDocumentMatrix(unittest.TestCase):
    layer = ARCHIVE_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        build_province(self.portal, commit=False)
        self.workflow = api.portal.get_tool("portal_workflow")
        with api.env.adopt_user(username="drafter"):
            self.doc = api.content.create(
                container=self.portal["legal-documents"], type="LegalDocument", id="01-2025-qd-ubnd",
                number_notation="01/2025/QĐ-UBND", document_type="provincial_committee_decision",
                title="Quy định thử", issuing_body="UBND tỉnh", signer="A", issue_date=date(2025, 1, 2))

    def fire(self, user, transition):
        with api.env.adopt_user(username=user):
            self.workflow.doActionFor(self.doc, transition)

    def test_review_and_publication_path(self):
        expected = {
            "draft": {"drafter": {"submit"}},
            "under_review": {"reviewer": {"request_changes", "approve"}},
            "approved": {"approver": {"publish"}},
            "published": {},
        }
        path = [("drafter", "submit"), ("reviewer", "approve"), ("approver", "publish"), (None, None)]
        for (state, allowed), (user, transition) in zip(expected.items(), path):
            self.assertEqual(api.content.get_state(self.doc), state)
            for who in ("drafter", "reviewer", "approver", "reception", "auditor", "citizen"):
                with api.env.adopt_user(username=who):
                    got = {t["id"] for t in self.workflow.getTransitionsFor(self.doc)}
                self.assertEqual(got, allowed.get(who, set()), (state, who))
            anonymous_view = "Anonymous" in [r["name"] for r in self.doc.rolesOfPermission("View") if r["selected"]]
            self.assertEqual(anonymous_view, state == "published", state)
            if transition:
                self.fire(user, transition)
        logout()
        self.assertEqual(len(api.portal.get_tool("portal_catalog")(portal_type="LegalDocument")), 1)

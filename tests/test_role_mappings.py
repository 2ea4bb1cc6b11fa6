"""Workflow role mappings with the permission declarations looked up once per class."""

import AccessControl.Permission
from AccessControl.Permission import Permission
from archive.content.intake import receive_dossier
from archive.workflow import role_mappings
from plone import api
from Products.DCWorkflow import utils

from helpers import AGENCY
from helpers import ProvinceTestCase
from helpers import dossier_fields
from helpers import issued_result_for


class TestRoleMappings(ProvinceTestCase):
    def setUp(self):
        super().setUp()
        self.dossier = receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields())
        self.page = api.content.create(container=self.portal, type="Document", id="page", title="Page")

    def test_installed_and_the_same_answer_as_dcworkflow(self):
        self.assertIs(utils.ac_inherited_permissions, role_mappings.inherited_permissions)
        for ob in (self.dossier, self.page, self.portal.agencies):
            for all_ in (0, 1):
                expected = role_mappings._gather_all(ob, all_)
                self.assertEqual(role_mappings.inherited_permissions(ob, all_), expected)
                self.assertEqual(role_mappings.inherited_permissions(ob, all_), expected)  # from the memo

    def test_a_newly_registered_permission_is_seen(self):
        role_mappings.inherited_permissions(self.dossier, 1)
        before = AccessControl.Permission._ac_permissions  # what addPermission extends
        AccessControl.Permission._ac_permissions = before + (("archive: Test only", (), ("Manager",)),)
        try:
            names = [p[0] for p in role_mappings.inherited_permissions(self.dossier, 1)]
            self.assertIn("archive: Test only", names)
        finally:
            AccessControl.Permission._ac_permissions = before

    def test_states_still_set_the_roles_they_declare(self):
        wf = api.portal.get_tool("portal_workflow").getWorkflowsFor(self.dossier)[0]
        for state in ("processing", "finished"):
            if state == "finished":
                issued_result_for(self.portal, self.dossier)
            api.content.transition(self.dossier, to_state=state)
            declared = wf.states[state].permission_roles
            for permission, roles in declared.items():
                with self.subTest(state=state, permission=permission):
                    stored = Permission(permission, (), self.dossier).getRoles()
                    self.assertEqual(set(stored), set(roles))
                    self.assertEqual(isinstance(stored, list), isinstance(roles, list))  # a list acquires

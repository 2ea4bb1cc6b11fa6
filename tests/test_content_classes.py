"""The dossier classes: the interfaces a dossier provides, its security index, its listing, its components' ownership and ids."""

from archive.content.intake import add_component
from archive.content.intake import receive_dossier
from archive.content.types import ArchiveRecord
from archive.content.types import Dossier
from archive.content.types import components_in
from archive.pdf import simple_pdf
from plone import api
from plone.app.relationfield.interfaces import IDexterityHasRelations
from plone.base.utils import human_readable_size
from plone.dexterity.content import Container
from Products.CMFCore.indexing import processQueue
from Products.CMFPlone.CatalogTool import allowedRolesAndUsers
from z3c.relationfield.interfaces import IHasIncomingRelations
from z3c.relationfield.interfaces import IHasOutgoingRelations
from z3c.relationfield.interfaces import IHasRelations
from z3c.relationfield import RelationValue
from zc.relation.interfaces import ICatalog
from zope.component import getUtility
from zope.interface import implementedBy
from zope.interface import providedBy
from zope.intid.interfaces import IIntIds
from zExceptions import BadRequest
from zope.lifecycleevent import modified

from helpers import AGENCY
from helpers import ProvinceTestCase
from helpers import dossier_fields
from helpers import issued_result_for


def dossier_with_a_component(portal):
    return receive_dossier(portal.dossiers[AGENCY], components=[
        {"title": "Đơn đề nghị", "filename": "don.pdf", "data": simple_pdf("Don de nghi")}], **dossier_fields())


class TestDossierInterfaces(ProvinceTestCase):
    def setUp(self):
        super().setUp()
        self.dossier = dossier_with_a_component(self.portal)

    def test_a_dossier_is_everything_a_container_is_but_a_source_of_relations(self):
        container = set(implementedBy(Container).flattened())
        dossier = set(implementedBy(Dossier).flattened())
        self.assertEqual(container - dossier, {IDexterityHasRelations, IHasRelations, IHasOutgoingRelations})
        # Beyond a container, only the archive's own markers (what is packaged, what is held...).
        self.assertEqual({i for i in dossier - container if not i.__module__.startswith("archive.")}, set())
        self.assertIn(IHasIncomingRelations, dossier)
        # Registrations for a base class (the audit's subscribers, for ArchiveRecord) still apply.
        self.assertTrue(implementedBy(Dossier).isOrExtends(implementedBy(ArchiveRecord)))
        provided = providedBy(self.dossier)
        self.assertFalse(IHasOutgoingRelations.providedBy(self.dossier))
        self.assertTrue(provided.isOrExtends(self.portal.portal_types.Dossier.lookupSchema()))

    def test_a_dossier_can_still_be_the_target_of_links(self):
        intids = getUtility(IIntIds)
        self.assertIs(intids.getObject(intids.getId(self.dossier)).aq_base, self.dossier.aq_base)
        page = api.content.create(container=self.portal, type="Document", id="note", title="Ghi chú")
        page.relatedItems = [RelationValue(intids.getId(self.dossier))]
        modified(page)
        relations = getUtility(ICatalog).findRelations({"to_id": intids.getId(self.dossier)})
        self.assertEqual([r.from_object.getId() for r in relations], ["note"])


class TestDossierSecurityIndex(ProvinceTestCase):
    """The catalog's security index follows a dossier's roles, whether it is new or not."""

    def setUp(self):
        super().setUp()
        self.catalog = self.portal.portal_catalog

    def indexed_principals(self, obj):
        processQueue()
        rid = self.catalog.getrid("/".join(obj.getPhysicalPath()))
        return set(self.catalog.getIndexDataForRID(rid)["allowedRolesAndUsers"])

    def test_new_and_existing_dossiers(self):
        shard = self.portal.dossiers[AGENCY]
        dossier = receive_dossier(shard, **dossier_fields())
        api.user.grant_roles(username="other_reception", obj=dossier, roles=["Auditor"])  # before its first record
        self.assertIn("user:other_reception", self.indexed_principals(dossier))
        api.user.grant_roles(username="other_leader", obj=dossier, roles=["Auditor"])  # once it has one
        dossier.reindexObjectSecurity()  # what the sharing page does after a change
        self.assertIn("user:other_leader", self.indexed_principals(dossier))
        dossier.manage_delLocalRoles(["other_reception"])
        dossier.reindexObjectSecurity()
        self.assertNotIn("user:other_reception", self.indexed_principals(dossier))
        api.content.transition(dossier, to_state="processing")
        self.assertEqual(self.indexed_principals(dossier),
                         set(allowedRolesAndUsers(dossier)()))


class TestDossierListing(ProvinceTestCase):
    def brain(self, dossier):
        processQueue()
        (brain,) = api.content.find(UID=dossier.UID())
        return brain

    def test_size_is_that_of_its_files_and_follows_them(self):
        one, two = simple_pdf("Don de nghi"), simple_pdf("Ban ve thiet ke " * 400)
        dossier = receive_dossier(self.portal.dossiers[AGENCY], components=[
            {"title": "Đơn đề nghị", "filename": "don.pdf", "data": one}], **dossier_fields())
        self.assertEqual(self.brain(dossier).getObjSize, human_readable_size(len(one)))
        add_component(dossier, "component-2", "Bản vẽ", "ban-ve.pdf", two)
        self.assertEqual(self.brain(dossier).getObjSize, human_readable_size(len(one) + len(two)))
        self.assertNotEqual(human_readable_size(len(one)), human_readable_size(len(one) + len(two)))

    def test_an_empty_dossier_is_no_file(self):
        brain = self.brain(receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields()))
        self.assertEqual(brain.getObjSize, "0 KB")
        self.assertEqual(brain.mime_type, "text/plain")  # what Dexterity answers; listings need a string


class TestComponentOwnership(ProvinceTestCase):
    """A component has no owner or local roles of its own: it takes its dossier's."""

    def setUp(self):
        super().setUp()
        with api.env.adopt_user(username="reception"):
            self.dossier = dossier_with_a_component(self.portal)
        (self.component,) = components_in(self.dossier)

    def test_the_receiving_officer_owns_both(self):
        self.assertEqual(self.component.getOwner().getId(), "reception")
        self.assertEqual(self.dossier.getOwner().getId(), "reception")
        self.assertEqual(dict(self.component.get_local_roles()), {})
        self.assertIn("Owner", dict(self.dossier.get_local_roles())["reception"])

    def test_everyone_may_do_with_a_component_what_they_may_with_its_dossier(self):
        for state in (None, "processing", "finished"):
            if state == "finished":
                issued_result_for(self.portal, self.dossier)
            if state:
                api.content.transition(self.dossier, to_state=state)
            for user in ("reception", "specialist", "leader", "other_reception", "auditor", "citizen"):
                for permission in ("View", "Modify portal content", "Access contents information"):
                    with self.subTest(state=state, user=user, permission=permission):
                        self.assertEqual(
                            api.user.has_permission(permission, username=user, obj=self.component),
                            api.user.has_permission(permission, username=user, obj=self.dossier))


class TestComponentIds(ProvinceTestCase):
    def setUp(self):
        super().setUp()
        self.dossier = dossier_with_a_component(self.portal)

    def test_intake_names_are_checked_for_uniqueness(self):
        with self.assertRaises(BadRequest):
            add_component(self.dossier, "component-1", "Again", "lai.pdf", simple_pdf("Lai"))
        self.assertEqual([c.title for c in components_in(self.dossier)], ["Đơn đề nghị"])
        add_component(self.dossier, "component-2", "Bản vẽ", "ban-ve.pdf", simple_pdf("Ban ve"))
        self.assertEqual(len(components_in(self.dossier)), 2)

    def test_other_names_get_every_check_plone_makes(self):
        for bad in ("@@view", "aq_parent", "portal_catalog", "component-1/x", "view"):
            with self.subTest(name=bad), api.env.adopt_user(username="reception"):
                with self.assertRaises(BadRequest):
                    self.dossier._checkId(bad)
        self.dossier._checkId("ban-ve-thiet-ke")  # an ordinary new name passes

"""Dexterity's FTI modification time, read once per transaction: same answers, changes seen."""
import transaction
from archive.content import schema_cache
from archive.content.intake import receive_dossier
from plone import api
from plone.app.contenttypes.behaviors.leadimage import ILeadImage
from plone.dexterity.schema import SCHEMA_CACHE
from plone.dexterity.schema import SchemaCache
from plone.dexterity.fti import DexterityFTIModificationDescription
from zope.event import notify
from zope.lifecycleevent import ObjectModifiedEvent

from helpers import AGENCY
from helpers import ProvinceTestCase
from helpers import dossier_fields


class TestSchemaCache(ProvinceTestCase):
    def setUp(self):
        super().setUp()
        self.dossier = receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields())
        self.fti = api.portal.get_tool("portal_types")["Dossier"]

    def test_installed_with_the_answers_dexterity_gives(self):
        self.assertIs(SchemaCache.modified, schema_cache.modified)
        for portal_type in ("Dossier", "DossierComponent", "Result", "LegalDocument", "Document", "Nope"):
            self.assertEqual(SCHEMA_CACHE.modified(portal_type), schema_cache._ask_fti(SCHEMA_CACHE, portal_type))
        self.assertIsNone(SCHEMA_CACHE.modified(None))

    def test_a_behavior_added_in_the_same_transaction_is_provided_at_once(self):
        self.assertFalse(ILeadImage.providedBy(self.dossier))  # Dexterity caches this on the object
        behaviors = tuple(self.fti.behaviors)
        self.set_behaviors(behaviors + ("plone.leadimage",))
        try:
            self.assertTrue(ILeadImage.providedBy(self.dossier))
        finally:
            self.set_behaviors(behaviors)
        self.assertFalse(ILeadImage.providedBy(self.dossier))

    def set_behaviors(self, behaviors):
        """What the types control panel does: set, then announce which attribute changed."""
        old, self.fti.behaviors = self.fti.behaviors, behaviors
        notify(ObjectModifiedEvent(self.fti, DexterityFTIModificationDescription("behaviors", old)))

    def test_an_fti_that_comes_or_goes_is_asked_again(self):
        SCHEMA_CACHE.modified("Dossier")
        self.assertIsNotNone(transaction.get().data(schema_cache._Answers))
        types_tool = api.portal.get_tool("portal_types")
        copy = types_tool.manage_copyObjects(["Result"])
        types_tool.manage_pasteObjects(copy)  # an FTI added: "copy_of_Result"
        self.assertIsNone(transaction.get().data(schema_cache._Answers))
        self.assertEqual(SCHEMA_CACHE.modified("copy_of_Result"),
                         schema_cache._ask_fti(SCHEMA_CACHE, "copy_of_Result"))
        SCHEMA_CACHE.modified("Dossier")
        types_tool.manage_delObjects(["copy_of_Result"])
        self.assertIsNone(transaction.get().data(schema_cache._Answers))
        self.assertIsNone(SCHEMA_CACHE.modified("copy_of_Result"))

    def test_each_transaction_asks_afresh(self):
        SCHEMA_CACHE.modified("Dossier")
        answers = transaction.get().data(schema_cache._Answers)
        transaction.abort()
        SCHEMA_CACHE.modified("Dossier")
        self.assertIsNot(transaction.get().data(schema_cache._Answers), answers)

"""Content classes of the archive: the behaviour the XML schemas cannot express."""
from archive.workflow.status import portal_status_code
from plone.dexterity.content import Container
from plone.dexterity.content import Item
from Products.CMFCore.utils import getToolByName


class ArchiveFolder(Container):
    """A section or agency shard. Unordered: a BTree without an order list, so a
    million children add in O(log n) and concurrent adds do not fight over one list."""

    _ordering = "unordered"


class Agency(Item):
    pass


class Procedure(Item):
    pass


class Dossier(Container):
    """Holds its components as DossierComponent items."""

    _ordering = "unordered"

    @property
    def status_code(self):
        workflow = getToolByName(self, "portal_workflow", None)
        if workflow is None:
            return None
        return portal_status_code(workflow.getInfoFor(self, "review_state", None))

    @property
    def components(self):
        return [obj for obj in self.objectValues() if obj.portal_type == "DossierComponent"]


class DossierComponent(Item):
    pass


class Result(Item):
    pass


class LegalDocument(Container):
    """A legal normative document; attachments are File items inside it."""

    @property
    def effect_status(self):
        from archive.content.legal import effect_status

        return effect_status(self)


class Attachment(Item):
    """A file attached to a legal document; it follows its parent's workflow."""

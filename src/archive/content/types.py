"""Content classes of the archive: the behaviour the XML schemas cannot express."""
import re

from Acquisition import aq_base
from Acquisition import aq_inner
from Acquisition import aq_parent
from archive.content.unseen import before_publishing_traverse
from archive.workflow.status import portal_status_code
from plone.dexterity.content import Container
from plone.dexterity.content import Item
from Products.CMFCore.utils import getToolByName
from zExceptions import BadRequest

DOSSIER_WORKFLOW = "archive_dossier_workflow"
# The ids intake gives a dossier's components: component-1, component-2, ...
COMPONENT_ID = re.compile(r"component-[1-9][0-9]{0,5}")


def component_id(number):
    return f"component-{number}"


class ArchiveRecord:
    """Class-level answers for the attributes the catalog asks every object for.

    Without them a missing attribute walks Dexterity's schema fallback and then
    acquisition up to the site root: slow (most of an intake's time went there) and
    wrong (a component would be indexed with its dossier's codes). Fields with a schema
    default other than None are not listed, so their defaults still apply.
    """

    agency_code = procedure_code = dossier_code = result_code = applicant_id = None
    number_notation = document_type = effect_status = legal_relations = None
    status_code = timeliness = received = due = None
    # Plone core catalog columns our types do not have.
    exclude_from_nav = False
    start = end = recurrence = sync_uid = cmf_uid = location = in_reply_to = getRemoteUrl = None
    getRawRelatedItems = ()  # no related-items behavior: nothing to index


class ArchiveFolder(Container, ArchiveRecord):
    """A section or agency shard. Unordered: a BTree without an order list, so a
    million children add in O(log n) and concurrent adds do not fight over one list."""

    __before_publishing_traverse__ = before_publishing_traverse

    _ordering = "unordered"


class Agency(Item, ArchiveRecord):
    pass


class Procedure(Item, ArchiveRecord):
    pass


class Dossier(Container, ArchiveRecord):
    """Holds its components as DossierComponent items (not catalogued, see below)."""

    __before_publishing_traverse__ = before_publishing_traverse

    _ordering = "unordered"

    @property
    def status_code(self):
        # The state straight from the dossier workflow's history (asked twice per catalog
        # record); the workflow tool only for a dossier without that history.
        history = (getattr(aq_base(self), "workflow_history", None) or {}).get(DOSSIER_WORKFLOW)
        if history:
            return portal_status_code(history[-1].get("review_state"))
        workflow = getToolByName(self, "portal_workflow", None)
        if workflow is None:
            return None
        return portal_status_code(workflow.getInfoFor(self, "review_state", None))

    def reindexObjectSecurity(self, skip_self=False):
        # A dossier received in this transaction has no catalog record yet: its queued
        # first indexing reads its security at commit, and its components have no records.
        # So the catalog search by path that finds the records to update (about a tenth of
        # an intake at a few thousand dossiers, more as the catalog grows) is skipped.
        catalog = getToolByName(self, "portal_catalog", None)
        if catalog is not None and catalog.getrid("/".join(self.getPhysicalPath())) is None:
            return
        super().reindexObjectSecurity(skip_self=skip_self)

    def _checkId(self, id, allow_dup=0):
        # A name of the form intake gives components (component-1, component-2, ...) can
        # shadow no tool, skin, view or attribute, so only its uniqueness is checked. The
        # checks for other names look the name up through the acquisition chain up to the
        # site's skins: about 0.1 ms a component for a Manager and 0.2 ms for an officer.
        if COMPONENT_ID.fullmatch(id):
            if not allow_dup and id in self:
                raise BadRequest(f'The id "{id}" is invalid - it is already in use.')
            return
        super()._checkId(id, allow_dup)

    @property
    def components(self):
        # A property sees the dossier without its acquisition chain: for permission checks
        # and URLs, call components_in() on the dossier as traversed.
        return components_in(self)


class DossierComponent(Item, ArchiveRecord):
    """A file of a dossier. It has no catalog record of its own: nobody searches for a
    component apart from its dossier, and at ~300,000 dossiers a year two or three extra
    records per dossier would triple the catalog's work. Its index work goes to the
    dossier instead (whose search document carries the components' names and text);
    the dossier view and REST answer list the components from the container itself."""

    __before_publishing_traverse__ = before_publishing_traverse

    def indexObject(self):
        self._reindex_dossier()

    def reindexObject(self, idxs=[], update_metadata=1, uid=None):
        if idxs == []:
            self.notifyModified()
        self._reindex_dossier()

    def unindexObject(self):
        self._reindex_dossier()

    def _reindex_dossier(self):
        dossier = aq_parent(aq_inner(self))
        if isinstance(aq_base(dossier), Dossier):
            dossier.reindexObject(idxs=["SearchableText"])


class Result(Item, ArchiveRecord):
    __before_publishing_traverse__ = before_publishing_traverse


class LegalDocument(Container, ArchiveRecord):
    """A legal normative document; attachments are File items inside it."""

    __before_publishing_traverse__ = before_publishing_traverse

    @property
    def effect_status(self):
        from archive.content.legal import effect_status

        return effect_status(self)


class Attachment(Item, ArchiveRecord):
    """A file attached to a legal document; it follows its parent's workflow."""

    __before_publishing_traverse__ = before_publishing_traverse


def components_in(dossier):
    """The dossier's components in the order they were received."""
    return sorted((obj for obj in dossier.objectValues() if obj.portal_type == "DossierComponent"),
                  key=lambda obj: (obj.created(), obj.getId()))

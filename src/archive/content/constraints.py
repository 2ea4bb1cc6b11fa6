"""What each archive folder may hold: sections and agency shards each take their own types.

All sections and shards are one type (ArchiveFolder), whose FTI lists every type any of
them holds; this adapter narrows that list by where the folder is, so a Dossier cannot be
added among results (where the per-folder sequence would give it a real dossier's code)
nor a Result among legal documents. Forms, REST and invokeFactory all ask it.
"""
from Acquisition import aq_base
from Acquisition import aq_inner
from Acquisition import aq_parent
from archive.content.types import ArchiveFolder
from plone.base.interfaces.constrains import ENABLED
from plone.base.interfaces.constrains import IConstrainTypes
from Products.CMFCore.interfaces import ISiteRoot
from Products.CMFCore.utils import getToolByName
from zope.component import adapter
from zope.interface import implementer

# section id -> (types the section itself holds, types its agency shards hold)
SECTION_TYPES = {
    "agencies": (("Agency",), ()),
    "procedures": (("Procedure",), ()),
    "dossiers": (("ArchiveFolder",), ("Dossier",)),
    "results": (("ArchiveFolder",), ("Result",)),
    "legal-documents": (("LegalDocument",), ()),
    "disposal": (("DisposalList",), ()),
}


def allowed_type_ids(folder):
    """The type ids this archive folder takes, or None for a folder of no known section."""
    parent = aq_parent(aq_inner(folder))
    if ISiteRoot.providedBy(parent):
        types = SECTION_TYPES.get(folder.getId())
        return types[0] if types is not None else None
    if isinstance(aq_base(parent), ArchiveFolder) and ISiteRoot.providedBy(aq_parent(aq_inner(parent))):
        types = SECTION_TYPES.get(parent.getId())
        return types[1] if types is not None else ()
    return ()  # deeper folders are not part of the archive's layout


@implementer(IConstrainTypes)
@adapter(ArchiveFolder)
class ArchiveFolderTypes:
    def __init__(self, context):
        self.context = context

    def getConstrainTypesMode(self):
        return ENABLED

    def getLocallyAllowedTypes(self):
        return [fti.getId() for fti in self.allowedContentTypes()]

    def getImmediatelyAddableTypes(self):
        return self.getLocallyAllowedTypes()

    def getDefaultAddableTypes(self):
        types = getToolByName(self.context, "portal_types")
        fti = types.getTypeInfo(self.context)
        return [t for t in types.listTypeInfo() if fti is not None and fti.allowType(t.getId())
                and t.isConstructionAllowed(self.context)]

    def allowedContentTypes(self):
        allowed = allowed_type_ids(self.context)
        default = self.getDefaultAddableTypes()
        if allowed is None:
            return default
        return [fti for fti in default if fti.getId() in allowed]

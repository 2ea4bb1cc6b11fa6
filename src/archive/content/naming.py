"""Ids of archive records: each is named by its code, so URLs are stable and readable."""
from archive.content.types import Agency
from archive.content.types import ArchiveFolder
from archive.content.types import Dossier
from archive.content.types import Procedure
from archive.content.types import Result
from plone.app.content.namechooser import NormalizingNameChooser
from zope.component import adapter


@adapter(ArchiveFolder)
class ArchiveNameChooser(NormalizingNameChooser):
    def chooseName(self, name, obj):
        if isinstance(obj, Dossier):
            from archive.content.intake import issue_dossier_code

            return issue_dossier_code(self.context, obj)
        if isinstance(obj, Result):
            from archive.content.results import issue_result_code

            return issue_result_code(self.context, obj)
        code = None
        if isinstance(obj, Agency):
            code = obj.agency_code
        elif isinstance(obj, Procedure):
            code = obj.procedure_code
        if code and code not in self.context:
            return code
        return super().chooseName(name, obj)

"""What a preservable item puts into its package: its original files, adapted per type."""
import io
from datetime import timezone

from plone import api
from zope.interface import implementer

from archive.content.types import components_in
from archive.preservation.interfaces import IPackageSource
from archive.preservation.package import SourceFile


def _created(obj):
    value = obj.created()
    return value.asdatetime().astimezone(timezone.utc) if value is not None else None


def _source(obj, named_file, recorded):
    return SourceFile(name=named_file.filename or obj.getId(), opener=named_file.open,
                      mime=named_file.contentType or "application/octet-stream", created=_created(obj),
                      expected_sha256=recorded)


class BaseSource:
    def __init__(self, context):
        self.context = context

    def parts(self):
        """``(obj, named_file, recorded_sha256)`` of every stored file."""
        raise NotImplementedError

    def files(self):
        return [_source(obj, named, recorded) for obj, named, recorded in self.parts()]

    def blobs(self):
        return [("/".join(obj.getPhysicalPath()), named, recorded) for obj, named, recorded in self.parts()]


def results_of(dossier):
    """The results issued for a dossier (found by its code; catalog unrestricted: the
    package of a readable dossier holds them whoever built it)."""
    code = getattr(dossier, "dossier_code", None)
    if not code:
        return []
    catalog = api.portal.get_tool("portal_catalog")
    brains = catalog.unrestrictedSearchResults(portal_type="Result", dossier_code=code, sort_on="created")
    return [brain._unrestrictedGetObject() for brain in brains]


@implementer(IPackageSource)
class DossierSource(BaseSource):
    @property
    def code(self):
        return self.context.dossier_code

    def parts(self):
        parts = [(component, component.file, getattr(component, "sha256", None))
                 for component in components_in(self.context) if getattr(component, "file", None) is not None]
        for result in results_of(self.context):
            if getattr(result, "file", None) is not None:
                parts.append((result, result.file, getattr(result, "file_sha256", None)))
        return parts


@implementer(IPackageSource)
class ResultSource(BaseSource):
    @property
    def code(self):
        return self.context.result_code

    def parts(self):
        named = getattr(self.context, "file", None)
        return [(self.context, named, getattr(self.context, "file_sha256", None))] if named is not None else []


@implementer(IPackageSource)
class LegalDocumentSource(BaseSource):
    @property
    def code(self):
        return self.context.number_notation

    def parts(self):
        attachments = sorted((obj for obj in self.context.objectValues() if getattr(obj, "file", None) is not None),
                             key=lambda obj: (obj.created(), obj.getId()))
        return [(obj, obj.file, getattr(obj, "sha256", None)) for obj in attachments]

    def files(self):
        files = super().files()
        text = getattr(self.context, "text", None)
        if text is not None and getattr(text, "raw", None):
            data = text.raw.encode("utf-8")
            files.insert(0, SourceFile(name="text.html", opener=lambda: io.BytesIO(data), mime="text/html",
                                       created=_created(self.context)))
        return files



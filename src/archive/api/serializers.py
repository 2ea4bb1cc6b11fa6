"""REST answers for dossiers: the components are listed from the dossier itself.

Components have no catalog records (see archive.content.types.DossierComponent), so
plone.restapi's folder serializer, which lists children from the catalog, would show
none; this one lists them from the container, with what an officer checks: kind,
digitised flag, file name, size and SHA-256.
"""
from AccessControl import getSecurityManager
from archive.content.types import Dossier
from archive.content.types import components_in
from plone.restapi.interfaces import ISerializeToJson
from plone.restapi.interfaces import ISerializeToJsonSummary
from plone.restapi.serializer.dxcontent import SerializeFolderToJson
from plone.restapi.bbb import boolean_value
from zope.component import adapter
from zope.component import getMultiAdapter
from zope.interface import implementer
from zope.interface import Interface


def component_summary(component, request):
    summary = getMultiAdapter((component, request), ISerializeToJsonSummary)()
    named_file = component.file
    summary.update({
        "id": component.getId(),
        "kind": component.kind,
        "digitised": bool(component.digitised),
        "sha256": component.sha256,
        "filename": getattr(named_file, "filename", None),
        "size": named_file.getSize() if named_file is not None else 0,
        "download": f"{component.absolute_url()}/@@download/file",
    })
    return summary


@implementer(ISerializeToJson)
@adapter(Dossier, Interface)
class SerializeDossierToJson(SerializeFolderToJson):
    def __call__(self, version=None, include_items=True, include_expansion=True):
        result = super().__call__(version=version, include_items=False, include_expansion=include_expansion)
        if boolean_value(self.request.form.get("include_items", include_items)):
            security = getSecurityManager()
            components = [c for c in components_in(self.context) if security.checkPermission("View", c)]
            result["items"] = [component_summary(c, self.request) for c in components]
            result["items_total"] = len(result["items"])
        return result

"""REST services of preservation: an item's packages (@archival-package) and a SIP of it (@sip)."""
import plone.protect.interfaces
from AccessControl import getSecurityManager
from plone.restapi.services import Service
from zope.component.hooks import getSite
from zope.interface import alsoProvides

from archive.audit.journal import record_detached
from archive.preservation import closing
from archive.preservation import fixity
from archive.preservation import importing
from archive.preservation import store
from archive.preservation.building import sip_bytes


def package_json(record, base_url):
    data = record.plain()
    data["@id"] = f"{base_url}/@archival-package#{record.objid}"
    return data


class ArchivalPackageGet(Service):
    """GET <item>/@archival-package: the item's stored packages with their state, files and events."""

    def reply(self):
        base = self.context.absolute_url()
        items = [package_json(record, base) for record in store.packages_of(self.context.UID())]
        return {"@id": f"{base}/@archival-package", "items": items, "items_total": len(items),
                "fixity_alert": fixity.alert_of(self.context)}


class SipGet(Service):
    """GET <item>/@sip: a new E-ARK SIP of the item as a ZIP. Refused (403, journaled)
    to a user who may not view the item."""

    def reply(self):
        context = self.context
        path = "/".join(context.getPhysicalPath())
        if not getSecurityManager().checkPermission("View", context):
            record_detached(getSite(), "package.export_refused", uid=context.UID(), path=path,
                            portal_type=context.portal_type, details={"package": "SIP"})
            self.request.response.setStatus(403)
            return {"error": {"type": "Forbidden", "message": "You may not read this item, so it cannot be exported."}}
        data, written, sha256 = sip_bytes(context)
        record_detached(getSite(), "package.exported", uid=context.UID(), path=path, portal_type=context.portal_type,
                        details={"package": written.objid, "sha256": sha256, "size": len(data),
                                 "files": len([entry for entry in written.entries if entry.use == "data"])})
        response = self.request.response
        response.setHeader("Content-Type", "application/zip")
        response.setHeader("Content-Disposition", f'attachment; filename="{written.objid}.zip"')
        response.setHeader("X-Package-Id", written.objid)
        response.setHeader("X-Package-SHA256", sha256)
        response.setBody(data)
        return self.reply_no_content(status=200)  # the body is the ZIP set above


class WorkerService(Service):
    """Called by workers with basic auth, without a CSRF token: their writes must commit."""

    def render(self):
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        return super().render()


class ClosingPost(WorkerService):
    """POST /@archive-closing?limit=N: build the AIPs of up to N items noted for closing."""

    def reply(self):
        try:
            limit = max(1, min(200, int(self.request.form.get("limit", 20))))
        except ValueError:
            self.request.response.setStatus(400)
            return {"error": {"type": "BadRequest", "message": "limit: a whole number is expected"}}
        done = closing.close_pending(limit)
        return {"closed": done, "pending": closing.pending()}


class FixityPost(WorkerService):
    """POST /@archive-fixity: check every stored package and its item's files."""

    def reply(self):
        checked, failures = fixity.check_all()
        return {"checked": checked, "failures": failures}


class ImportPost(WorkerService):
    """POST /@package-import (body: a SIP as a ZIP, sent as application/octet-stream): check it whole, then store it; a bad
    package is refused (400) naming the file, and nothing is stored."""

    def reply(self):
        data = self.request.get("BODYFILE").read() if self.request.get("BODYFILE") is not None else b""
        try:
            record = importing.import_sip(data, self.request.get("AUTHENTICATED_USER").getId())
        except importing.ImportRefused as refused:
            self.request.response.setStatus(400)
            return {"error": {"type": "BadRequest", "file": refused.file, "message": str(refused)}}
        self.request.response.setStatus(201)
        return package_json(record, f"{self.context.absolute_url()}")


class PackagesGet(Service):
    """GET /@archival-packages: every stored package (archivists), damaged ones first."""

    def reply(self):
        base = self.context.absolute_url()
        records = sorted(store.all_packages(), key=lambda r: (r.state != store.DAMAGED, r.created), reverse=False)
        items = [{key: value for key, value in package_json(record, base).items() if key != "files"}
                 for record in records]
        return {"@id": f"{base}/@archival-packages", "items": items, "items_total": len(items)}

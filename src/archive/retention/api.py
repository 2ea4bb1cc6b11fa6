"""REST services of retention: archival metadata, completeness, due lists and legal hold."""
from datetime import date

import plone.protect.interfaces
from archive.retention import completeness
from archive.retention import hold
from archive.retention import metadata
from archive.retention.behavior import IArchivalMetadata
from archive.retention.behavior import KEY_FIELDS
from archive.retention.interfaces import IArchivalRecord
from archive.retention.interfaces import IHeld
from plone import api
from plone.restapi.deserializer import json_body
from plone.restapi.interfaces import IFieldDeserializer
from plone.restapi.services import Service
from zExceptions import BadRequest
from zope.component import queryMultiAdapter
from zope.event import notify
from zope.interface import alsoProvides
from zope.lifecycleevent import Attributes
from zope.lifecycleevent import ObjectModifiedEvent
from zope.schema.interfaces import ValidationError


def plain(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def describe(obj):
    """The JSON answer of @archival-metadata for one item."""
    values = metadata.archival_metadata(obj)
    due = metadata.disposal_date(obj)
    return {
        "@id": f"{obj.absolute_url()}/@archival-metadata",
        "metadata": {key: plain(value) for key, value in values.items()},
        "stored": sorted(metadata.stored(obj)),
        "document_codes": metadata.document_codes(obj, values),
        "missing": metadata.missing(obj, values),
        "disposal_date": plain(due),
        "legal_hold": hold.hold_of(obj),
    }


class MetadataGet(Service):
    """GET @archival-metadata: effective metadata, what is stored, document codes, what is missing."""

    def reply(self):
        return describe(self.context)


class MetadataPatch(Service):
    """PATCH @archival-metadata: archivists set fields by their metadata keys (null clears a
    field back to its derived value). All or nothing: a bad value is a 400 naming its key."""

    def reply(self):
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        data = json_body(self.request)
        if not isinstance(data, dict) or not data:
            raise BadRequest("Send a JSON object of archival metadata keys.")
        changes = {}
        for key, raw in data.items():
            name = KEY_FIELDS.get(key)
            if name is None:
                raise BadRequest(f"{key}: not an archival metadata key ({', '.join(KEY_FIELDS)}).")
            field = IArchivalMetadata[name].bind(self.context)
            if raw is None or raw == "":
                changes[name] = None
                continue
            deserializer = queryMultiAdapter((field, self.context, self.request), IFieldDeserializer)
            try:
                value = deserializer(raw) if deserializer is not None else raw
                field.validate(value)
            except (ValidationError, ValueError, TypeError) as exc:
                detail = exc.doc() if isinstance(exc, ValidationError) else str(exc)
                raise BadRequest(f"{key}: {detail} ({raw!r})")
            changes[name] = value
        for name, value in changes.items():
            setattr(self.context, name, value)
        notify(ObjectModifiedEvent(self.context, Attributes(IArchivalMetadata, *changes)))
        return describe(self.context)


class CompletenessGet(Service):
    """GET @archival-completeness: per archival record the user may see, the required fields
    still empty (incomplete ones only unless all=1); batched with b_start and b_size."""

    def reply(self):
        form = self.request.form
        try:
            start = int(form.get("b_start", 0) or 0)
            size = min(int(form.get("b_size", 50) or 50), 500)
        except ValueError:
            raise BadRequest("b_start, b_size: whole numbers.")
        if start < 0 or size < 1:
            raise BadRequest("b_start, b_size: b_start >= 0 and b_size >= 1.")
        rows, total = completeness.report(start, size, form.get("all") in ("1", "true"))
        return {"@id": f"{self.context.absolute_url()}/@archival-completeness", "items": rows,
                "items_total": len(rows), "records_total": total, "b_start": start, "b_size": size}


def due_brains(on=None):
    """Catalog records of what is due for disposal on a day (today by default), as the user sees."""
    on = on or date.today()
    return api.content.find(object_provides=IArchivalRecord.__identifier__,
                            disposal_date={"query": on, "range": "max"}, sort_on="disposal_date")


class DisposalDueGet(Service):
    """GET @disposal-due[?on=YYYY-MM-DD]: items past their disposal date; held ones are marked."""

    def reply(self):
        on = self.request.form.get("on")
        try:
            day = date.fromisoformat(on) if on else None
        except ValueError:
            raise BadRequest("on: a date YYYY-MM-DD.")
        items = []
        held_uids = {brain.UID for brain in api.content.find(object_provides=IHeld.__identifier__)}
        for brain in due_brains(day):
            held = brain.UID in held_uids
            items.append({"@id": brain.getURL(), "UID": brain.UID, "title": brain.Title,
                          "@type": brain.portal_type, "held": held,
                          "disposal_date": plain(brain.disposal_date) if isinstance(brain.disposal_date, date) else None})
        return {"@id": f"{self.context.absolute_url()}/@disposal-due", "items": items, "items_total": len(items)}


class HoldGet(Service):
    def reply(self):
        return {"@id": f"{self.context.absolute_url()}/@legal-hold", "held": IHeld.providedBy(self.context),
                "hold": hold.hold_of(self.context)}


class HoldPost(Service):
    """POST @legal-hold {"reason": ...}: put the item under legal hold."""

    def reply(self):
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        data = json_body(self.request) or {}
        hold.set_hold(self.context, data.get("reason") if isinstance(data, dict) else None)
        return {"@id": f"{self.context.absolute_url()}/@legal-hold", "held": True, "hold": hold.hold_of(self.context)}


class HoldDelete(Service):
    """DELETE @legal-hold {"reason": ...}: release the item's hold."""

    def reply(self):
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        data = json_body(self.request) or {}
        hold.release_hold(self.context, data.get("reason", "") if isinstance(data, dict) else "")
        return self.reply_no_content()

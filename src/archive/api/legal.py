"""REST side of the daily work on legal documents."""
from plone.restapi.services import Service
from zope.interface import alsoProvides

import plone.protect.interfaces

from archive.content.legal import refresh_effect_statuses


class EffectRefreshPost(Service):
    """POST @legal-effect-refresh: reindex the documents whose effect status a date reached
    has changed (what the periodic worker task calls)."""

    def reply(self):
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        changed = refresh_effect_statuses(self.context)
        return {"@id": f"{self.context.absolute_url()}/@legal-effect-refresh",
                "changed": [{"uid": uid, "was": was, "now": now} for uid, was, now in changed]}

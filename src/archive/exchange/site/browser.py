"""The exchange officer's pages: the send form, the status trail on an item, the inbox and the evidence download.

Every action goes through the REST services' own code (api.SendPost.send, api.StatusPost.answer),
so the form and `@exchange-send` / `@exchange-status` check, sign, queue and audit alike.
"""
import logging
import os
from datetime import datetime

from Acquisition import aq_base
from plone import api
from plone.app.layout.viewlets.common import ViewletBase
from plone.protect import CheckAuthenticator
from Products.CMFCore.utils import getToolByName
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zExceptions import NotFound
from zope.i18n import translate

from archive.content import clock
from archive.content.unseen import can_see
from archive.content.unseen import refuse_unseen
from archive.exchange.site import api as services
from archive.exchange.site import inbox
from archive.exchange.site import messages
from archive.exchange.site import store
from archive.exchange.site.settings import get_settings
from archive.i18n import _

logger = logging.getLogger("archive.exchange.site")
AXIS_TIMEOUT = (2.0, 5.0)
STEPS = ("01", "03", "04", "05", "06")
CODE_LABELS = {
    "01": _("exchange_code_01", default="01 Arrived"),
    "02": _("exchange_code_02", default="02 Refused"),
    "03": _("exchange_code_03", default="03 Accepted and registered"),
    "04": _("exchange_code_04", default="04 Assigned"),
    "05": _("exchange_code_05", default="05 Being processed"),
    "06": _("exchange_code_06", default="06 Finished"),
}
BUSINESS_LABELS = {
    "new": _("exchange_business_new", default="New document"),
    "revocation": _("exchange_business_revocation", default="Revocation"),
    "update": _("exchange_business_update", default="Update"),
    "replacement": _("exchange_business_replacement", default="Replacement"),
}
ACTIONS = {"accept": "03", "refuse": "02", "assign": "04"}
ASSIGNEE_MAX = 100


def _t(request, message):
    return translate(message, domain="archive", context=request)


def _service(factory, context, request):
    """A REST service object of api.py bound to `context` (plone.rest services take no arguments)."""
    service = factory()
    service.context, service.request = context, request
    return service


def _axis_agencies():
    """OrganIds the axis lists (None when this instance has no axis credentials or the axis is away)."""
    env = os.environ
    if not (env.get("ARCHIVE_AXIS_URL") and env.get("ARCHIVE_AXIS_SYSTEM_ID") and env.get("ARCHIVE_AXIS_SECRET")):
        return None
    from archive.exchange.axis_client import AxisClient
    client = AxisClient(env["ARCHIVE_AXIS_URL"], env["ARCHIVE_AXIS_SYSTEM_ID"], env["ARCHIVE_AXIS_SECRET"],
                        timeout=AXIS_TIMEOUT)
    try:
        return {a["organ_id"] for a in client.agencies() if not a.get("locked")}
    except Exception as exc:  # noqa: BLE001 - the partner list still serves when the axis is away
        logger.warning("The axis's agency list is not available (%s): offering the partner list", exc)
        return None
    finally:
        client.close()


def recipients():
    """[(OrganId, name)] this site may send to: registered partner agencies (with a certificate), other
    than itself, narrowed to those the axis lists when the axis can be asked."""
    own = get_settings().organ_id
    catalog = getToolByName(api.portal.get(), "portal_catalog")
    found = {}
    for brain in catalog.unrestrictedSearchResults(portal_type="Agency"):
        obj = brain._unrestrictedGetObject()
        code = getattr(obj, "agency_code", "") or ""
        if code and code != own and (getattr(obj, "certificates", "") or "").strip():
            found[code] = obj.title or code
    listed = _axis_agencies()
    if listed is not None:
        found = {code: name for code, name in found.items() if code in listed}
    return sorted(found.items(), key=lambda pair: pair[1])


class SendForm(BrowserView):
    """@@exchange-send-form: pick the recipients, confirm, send (as @exchange-send does)."""

    index = ViewPageTemplateFile("templates/exchange_send.pt")

    def __call__(self):
        if not can_see(self.context):
            refuse_unseen(self.context)
        self.error = None
        self.confirming = False
        self.options = recipients()
        known = dict(self.options)
        chosen = self.request.form.get("to", [])
        chosen = [chosen] if isinstance(chosen, str) else list(chosen)
        self.chosen = [code for code in chosen if code in known]
        self.chosen_names = [(code, known[code]) for code in self.chosen]
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            if not self.chosen:
                self.error = _t(self.request, _("exchange_pick_recipient", default="Pick at least one agency."))
                self.request.response.setStatus(400)
            elif self.request.form.get("form.buttons.send"):
                return self.send()
            else:
                self.confirming = True
        return self.index()

    def send(self):
        service = _service(services.SendPost, self.context, self.request)
        answer = service.send({"to": self.chosen})
        status = self.request.response.getStatus()
        if status >= 400:
            self.error = answer.get("error", {}).get("message", "")
            return self.index()
        self.request.response.setStatus(200)
        api.portal.show_message(_t(self.request, _("exchange_sent", default="Queued for ${to}: ${document_id}.",
                                                   mapping={"to": ", ".join(self.chosen),
                                                            "document_id": answer["document_id"]})),
                                request=self.request)
        self.request.response.redirect(self.context.absolute_url())
        return ""


def trail(item):
    """Per recipient (sent items) or per sender (received items): the status steps and events."""
    parties = {}
    for entry in store.history(item):
        if entry.get("direction") == "sent" and entry.get("event") in ("queued", "delivered", "refused"):
            for organ_id in entry.get("to", ()):
                parties.setdefault(organ_id, []).append(entry)
        elif entry.get("direction") == "received" and entry.get("event") == "status" and entry.get("from"):
            parties.setdefault(entry["from"], []).append(entry)
    answer = []
    for organ_id, entries in parties.items():
        codes = {e["status_code"]: e for e in entries if e.get("status_code")}
        known = messages.agency(organ_id)
        answer.append({"organ_id": organ_id, "name": (known.title if known is not None else "") or organ_id,
                       "entries": entries, "codes": codes, "refused": codes.get("02")})
    return answer


class ExchangeTrailViewlet(ViewletBase):
    """The status trail of a sent item, per recipient (01 arrived ... 06 finished, 02 refused)."""

    index = ViewPageTemplateFile("templates/exchange_trail.pt")

    def update(self):
        super().update()
        self.parties = trail(self.context)

    def label(self, code):
        return _t(self.request, CODE_LABELS[code]) if code in CODE_LABELS else code

    def steps(self, party):
        return [{"code": code, "label": self.label(code), "reached": code in party["codes"],
                 "time": party["codes"].get(code, {}).get("time", "")} for code in STEPS]

    def local_time(self, entry):
        """An event's time as officers read it: Vietnam time, day first (stored as ISO 8601 UTC)."""
        try:
            moment = datetime.fromisoformat(entry.get("time") or "")
        except ValueError:
            return entry.get("time") or ""
        return clock.to_local_naive(moment).strftime("%d/%m/%Y %H:%M:%S")

    def event_label(self, entry):
        if entry.get("status_code") in CODE_LABELS:
            return self.label(entry["status_code"])
        return _t(self.request, {
            "queued": _("exchange_event_queued", default="Queued"),
            "delivered": _("exchange_event_delivered", default="Handed to the axis"),
            "refused": _("exchange_event_refused", default="Refused by the axis"),
        }.get(entry.get("event"), entry.get("event", "")))

    def render(self):
        return self.index() if self.parties else ""


def _received(obj):
    """Whether `obj` itself (not a parent it acquires from) was registered from the exchange."""
    return getattr(aq_base(obj), "exchange_document_id", None) is not None


class InboxPage(BrowserView):
    """@@exchange-inbox: documents received through the exchange, with accept / refuse / assign."""

    index = ViewPageTemplateFile("templates/exchange_inbox.pt")

    def __call__(self):
        self.error = None
        self.error_uid = None
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            if self.act():
                return ""
        return self.index()

    def act(self):
        form = self.request.form
        action = form.get("action")
        item = inbox.find(form.get("uid", "")) if isinstance(form.get("uid"), str) else None
        if item is None or not can_see(item) or not _received(item):
            raise NotFound("no such received document")
        self.error_uid = item.UID()
        if action not in ACTIONS:
            return self.fail(_("exchange_pick_action", default="Pick accept, refuse or assign."))
        text = (form.get("reason") or "").strip()
        if action == "refuse" and not text:
            return self.fail(_("exchange_reason_required", default="A refusal needs a reason."))
        if action == "assign":
            assignee = (form.get("assignee") or "").strip()
            if not assignee or len(assignee) > ASSIGNEE_MAX:
                return self.fail(_("exchange_assignee_required", default="Name who the document is assigned to."))
            text = f"{assignee}: {text}".strip().rstrip(":")
        if len(text) > services.REASON_MAX:
            return self.fail(_("exchange_reason_too_long", default="The text is too long."))
        if not api.user.has_permission("archive: Send documents", obj=item):
            raise NotFound("no such received document")
        service = _service(services.StatusPost, item, self.request)
        answer = service.answer({"code": ACTIONS[action], "description": text})
        if self.request.response.getStatus() >= 400:
            self.error = answer.get("error", {}).get("message", "")
            return False
        self.request.response.setStatus(200)
        api.portal.show_message(_t(self.request, _("exchange_answered", default="${title}: ${status} sent.",
                                                   mapping={"title": item.Title(),
                                                            "status": _t(self.request, CODE_LABELS[ACTIONS[action]])})),
                                request=self.request)
        self.request.response.redirect(f"{self.context.absolute_url()}/@@exchange-inbox")
        return True

    def business(self, name):
        return _t(self.request, BUSINESS_LABELS[name]) if name in BUSINESS_LABELS else name

    def fail(self, message):
        self.error = _t(self.request, message)
        self.request.response.setStatus(400)
        return False

    def items(self):
        folder = self.context.get(inbox.INBOX_ID)
        if folder is None:
            return []
        catalog = getToolByName(self.context, "portal_catalog")
        rows = []
        for brain in catalog(path={"query": "/".join(folder.getPhysicalPath()), "depth": 1},
                             sort_on="created", sort_order="descending"):
            obj = brain.getObject()
            if not _received(obj):
                continue
            answered = [e["status_code"] for e in store.history(obj)
                        if e.get("direction") == "sent" and e.get("status_code")]
            last = answered[-1] if answered else ""
            log = inbox.evidence_log(obj)
            rows.append({
                "uid": obj.UID(), "url": obj.absolute_url(), "title": obj.Title(),
                "arrival_code": getattr(obj, "arrival_code", ""), "sender": getattr(obj, "exchange_sender", ""),
                "document_id": obj.exchange_document_id, "state": getattr(obj, "exchange_state", "") or "",
                "status": _t(self.request, CODE_LABELS[last]) if last in CODE_LABELS else last,
                "may_answer": bool(api.user.has_permission("archive: Send documents", obj=obj)),
                "evidence": [{"url": f"{obj.absolute_url()}/@@exchange-evidence-file?n={n}",
                              "label": f"{self.business(p.get('business', ''))} {p.get('received', '')}".strip(),
                              "sha256": p.get("sha256", "")} for n, p in enumerate(log)],
            })
        return rows


class EvidenceFile(BrowserView):
    """@@exchange-evidence-file?n=N: the signed edXML exactly as it arrived, as a download."""

    def __call__(self):
        log = inbox.evidence_log(self.context)
        n = self.request.form.get("n", "")
        if n == "":
            proof = inbox.evidence(self.context)
        else:
            proof = log[int(n)] if str(n).isdigit() and int(n) < len(log) else None
        if proof is None:
            raise NotFound("no such evidence")
        response = self.request.response
        response.setHeader("Content-Type", "application/xml")
        response.setHeader("Content-Disposition", f'attachment; filename="{proof["file"].filename}"')
        response.setHeader("X-Content-Type-Options", "nosniff")
        return proof["file"].data


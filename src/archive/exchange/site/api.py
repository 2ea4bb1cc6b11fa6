"""REST services of the exchange: officers send and answer, workers drain the outbox and feed the inbox."""
import base64
import logging

from plone import api
from plone.restapi.deserializer import json_body
from plone.restapi.services import Service
from zope.interface import alsoProvides

import plone.protect.interfaces
import transaction

from archive.audit import sending
from archive.content.unseen import can_see
from archive.content.unseen import refuse_unseen
from archive.exchange import edxml
from archive.exchange.errors import ExchangeError
from archive.exchange.errors import RefusedMessage
from archive.exchange.site import inbox
from archive.exchange.site import messages
from archive.exchange.site import store
from archive.exchange.site.settings import NotConfigured
from archive.exchange.site.settings import get_settings

logger = logging.getLogger("archive.exchange.site")
MAX_BATCH = 100
# Codes an officer of the receiving agency may answer with (01 is sent automatically on arrival).
OFFICER_STATUS_CODES = ("02", "03", "04", "05", "06")


def _no_csrf(request):
    # Called with basic auth by workers and REST clients; plone.protect's token does not apply.
    alsoProvides(request, plone.protect.interfaces.IDisableCSRFProtection)


class ExchangeService(Service):
    def error(self, status, type_, message, **extra):
        self.request.response.setStatus(status)
        return {"error": {"type": type_, "message": message, **extra}}

    def body(self):
        try:
            data = json_body(self.request)
        except Exception:  # noqa: BLE001 - restapi raises a bare exception on bad JSON
            return None
        return data if isinstance(data, dict) else None


BUSINESS = {"new": edxml.NEW, "revocation": edxml.REVOCATION, "update": edxml.UPDATE,
            "replacement": edxml.REPLACEMENT}
REASON_MAX = 500


class SendPost(ExchangeService):
    """POST <legal document, result or dossier>/@exchange-send: sign and queue the edoc.

    Body: {"to": ["OrganId", ...]} sends the item as a new document. With "business":
    "revocation" or "update" (and a "reason") it revokes or updates what this item was sent
    as (its last DocumentId, or "document_id"); "to" defaults to every agency it went to.
    With "business": "replacement", a "reason" and "replaces": [DocumentId, ...] (documents
    this site sent before) the item is sent as their replacement.
    """

    def reply(self):
        _no_csrf(self.request)
        return self.send(self.body())

    def send(self, body):
        """Send as `body` asks (None: not a JSON object); the send form calls this too."""
        # Before anything else: an item the officer may not read is answered as a missing one,
        # whatever the body, the settings or the item's state.
        if not can_see(self.context):
            sending.refused(self.context, None, {"type": "Unseen", "message": "the officer may not see the item"})
            refuse_unseen(self.context)
        answer = self._send(body)
        status = self.request.response.getStatus()
        if status >= 400:
            sending.refused(self.context, status, answer.get("error", {}))
        return answer

    def _send(self, body):
        if body is None:
            return self.error(400, "BadRequest", "the body must be a JSON object", field="to")
        settings = get_settings()
        business = body.get("business", "new")
        if business not in BUSINESS:
            return self.error(400, "BadRequest", f"business must be one of {', '.join(BUSINESS)}", field="business")
        business = BUSINESS[business]
        reason = body.get("reason", "")
        if not isinstance(reason, str) or len(reason) > REASON_MAX:
            return self.error(400, "BadRequest", f"reason: text of at most {REASON_MAX} characters", field="reason")
        reason = reason.strip()
        if business != edxml.NEW and not reason:
            return self.error(400, "BadRequest", "reason: a revocation, update or replacement needs a reason",
                              field="reason")
        bussiness, default_to, problem = self._bussiness(business, reason, body)
        if problem:
            return self.error(400, "BadRequest", problem[1], field=problem[0])
        receivers = body.get("to", default_to)
        if not isinstance(receivers, list) or not receivers or not all(isinstance(r, str) for r in receivers):
            return self.error(400, "BadRequest", "to: a non-empty list of OrganIds is required", field="to")
        receivers = list(dict.fromkeys(r.strip() for r in receivers))
        for organ_id in receivers:
            if not edxml.ORGAN_ID_RE.match(organ_id) or len(organ_id) > edxml.ORGAN_ID_MAX:
                return self.error(400, "BadRequest", f"to: {organ_id!r} is not an OrganId", field="to")
            if organ_id == settings.organ_id:
                return self.error(400, "BadRequest", f"to: {organ_id} is this agency", field="to")
            if messages.agency(organ_id) is None:
                return self.error(400, "BadRequest", f"to: {organ_id} is not a registered agency", field="to")
            if default_to is not None and organ_id not in default_to:
                return self.error(400, "BadRequest", f"to: {organ_id} never received the document this "
                                                     f"{edxml.BUSSINESS_DOC_TYPES[business]} applies to", field="to")
        state = api.content.get_state(self.context)
        allowed = messages.SENDABLE_STATES.get(self.context.portal_type, ())
        if business != edxml.REVOCATION and state not in allowed:
            return self.error(400, "BadRequest", f"a {self.context.portal_type} can be sent in the states "
                                                 f"{', '.join(allowed)} only, this one is {state}", field="review_state")
        if bussiness is not None:
            bussiness.staff_info = edxml.StaffInfo(staff=api.user.get_current().getId())
        try:
            msg = messages.edoc_for(self.context, settings.organ_id, receivers, bussiness)
            document_id = edxml.document_id_of(msg)
            if business == edxml.REPLACEMENT and document_id in body["replaces"]:
                return self.error(400, "BadRequest", "replaces: a document cannot replace itself", field="replaces")
            signed = messages.sign(msg, settings)
        except NotConfigured as exc:
            return self.error(503, "NotConfigured", str(exc))
        except ValueError as exc:
            # The library's ValueErrors start with the field they are about.
            return self.error(400, "BadRequest", str(exc), field=str(exc).split()[0].rstrip(":"))
        except ExchangeError as exc:
            return self.error(400, "BadRequest", str(exc), field=exc.element)
        uid = self.context.UID()
        queued = store.queue("edoc", document_id, receivers, signed, item_uid=uid)
        if business in (edxml.NEW, edxml.REPLACEMENT):
            store.remember_sent(document_id, uid, receivers)
        user = api.user.get_current().getId()
        label = edxml.BUSSINESS_DOC_TYPES[business]
        description = f"queued by {user}" if business == edxml.NEW else f"{label} queued by {user}: {reason}"
        if business == edxml.REPLACEMENT:
            description += f" (replaces {', '.join(body['replaces'])})"
        entry = store.add_history(self.context, direction="sent", document_id=document_id, event="queued",
                                  description=description, to=receivers)
        entry["business"] = label
        sending.sent(self.context, document_id=document_id, to=receivers, business=label,
                     message_id=queued.id, sha256=queued.sha256)
        self.request.response.setStatus(202)
        return {"@id": f"{self.context.absolute_url()}/@exchange-history", "document_id": document_id,
                "message_id": queued.id, "to": receivers, "sha256": queued.sha256, "business": label}

    def _bussiness(self, business, reason, body):
        """(edxml.Bussiness or None, receivers it may go to or None, (field, problem) or None)."""
        if business == edxml.NEW:
            return None, None, None
        if business == edxml.REPLACEMENT:
            replaces = body.get("replaces")
            if isinstance(replaces, str):
                replaces = body["replaces"] = [replaces]
            if not isinstance(replaces, list) or not replaces or not all(isinstance(r, str) for r in replaces):
                return None, None, ("replaces", "replaces: the DocumentIds of the documents this one replaces")
            infos, allowed = [], set()
            for document_id in replaces:
                entry = store.sent_entry(document_id)
                if entry is None:
                    return None, None, ("replaces", f"replaces: {document_id!r} was never sent by this site")
                infos.append(edxml.ReplacementInfo(document_id, list(entry["to"])))
                allowed |= set(entry["to"])
            return (edxml.Bussiness(edxml.REPLACEMENT, reason, replacement_info_list=infos), sorted(allowed), None)
        document_id = body.get("document_id") or store.last_sent_as(self.context)
        entry = store.sent_entry(document_id) if isinstance(document_id, str) and document_id else None
        if entry is None or entry["uid"] != self.context.UID():
            return None, None, ("document_id", "document_id: this item was never sent as "
                                               f"{document_id!r}" if document_id else
                                "document_id: this item was never sent, there is nothing to revoke or update")
        return edxml.Bussiness(business, reason, document_id=document_id), list(entry["to"]), None


class StatusPost(ExchangeService):
    """POST <received document>/@exchange-status {"code": "03", "description": "..."}."""

    def reply(self):
        _no_csrf(self.request)
        return self.answer(self.body())

    def answer(self, body):
        """Queue the status `body` asks for (None: not a JSON object); the inbox page calls this too."""
        if not can_see(self.context):
            sending.refused(self.context, None, {"type": "Unseen", "message": "the officer may not see the item"})
            refuse_unseen(self.context)
        if body is None:
            return self.error(400, "BadRequest", "the body must be a JSON object", field="code")
        code = body.get("code")
        description = body.get("description") or ""
        if code not in OFFICER_STATUS_CODES:
            return self.error(400, "BadRequest", f"code must be one of {', '.join(OFFICER_STATUS_CODES)}",
                              field="code")
        if not isinstance(description, str):
            return self.error(400, "BadRequest", "description must be text", field="description")
        if code == "02" and not description.strip():
            return self.error(400, "BadRequest", "a refusal (02) needs a reason", field="description")
        document_id = getattr(self.context, "exchange_document_id", None)
        entry = store.received_entry(document_id) if document_id else None
        if entry is None:
            return self.error(400, "BadRequest", "this document was not received through the exchange",
                              field="exchange_document_id")
        settings = get_settings()
        user = api.user.get_current().getId()
        try:
            signed = messages.sign(messages.status_message(document_id, entry["from"], settings.organ_id, code,
                                                           description, staff=user), settings)
        except NotConfigured as exc:
            return self.error(503, "NotConfigured", str(exc))
        queued = store.queue("status", document_id, [entry["from"]], signed, item_uid=self.context.UID(),
                             status_code=code)
        store.add_history(self.context, direction="sent", document_id=document_id, event="status",
                          status_code=code, description=description, to=[entry["from"]])
        sending.sent(self.context, document_id=document_id, to=[entry["from"]], business="status",
                     message_id=queued.id, sha256=queued.sha256, status_code=code)
        self.request.response.setStatus(202)
        return {"@id": f"{self.context.absolute_url()}/@exchange-history", "document_id": document_id,
                "status_code": code, "message_id": queued.id}


class HistoryGet(ExchangeService):
    """GET <item>/@exchange-history: every exchange event of the item, oldest first."""

    def reply(self):
        items = [dict(entry) for entry in store.history(self.context)]
        answer = {"@id": f"{self.context.absolute_url()}/@exchange-history", "items": items,
                  "items_total": len(items)}
        url = self.context.absolute_url()
        log = inbox.evidence_log(self.context)
        proof = inbox.evidence(self.context)
        if proof is not None:
            answer["evidence"] = _proof(proof, f"{url}/@exchange-evidence")
        if log:
            answer["evidence_log"] = [_proof(p, f"{url}/@exchange-evidence?n={n}") for n, p in enumerate(log)]
            answer["weak_signatures"] = sum(1 for p in log if p.get("weak"))
        for name in ("arrival_code", "exchange_document_id", "exchange_sender", "exchange_state",
                     "exchange_state_reason", "exchange_state_time", "exchange_version"):
            if getattr(self.context, name, None):
                answer[name] = getattr(self.context, name)
        replaced_by = getattr(self.context, "exchange_replaced_by", None)
        if replaced_by:
            other = inbox.find(replaced_by)
            answer["replaced_by"] = other.absolute_url() if other is not None else replaced_by
        replaces = getattr(self.context, "exchange_replaces", None)
        if replaces:
            answer["replaces"] = [getattr(inbox.find(uid), "absolute_url", lambda u=uid: u)() for uid in replaces]
        return answer


def _proof(proof, at):
    answer = {k: (list(v) if isinstance(v, (list, tuple)) or type(v).__name__ == "PersistentList" else v)
              for k, v in proof.items() if k != "file"}
    answer["@id"] = at
    return answer


class EvidenceGet(ExchangeService):
    """GET <received item>/@exchange-evidence: the signed edXML exactly as it arrived."""

    def render(self):
        proof = inbox.evidence(self.context)
        n = self.request.form.get("n")
        if n is not None:
            log = inbox.evidence_log(self.context)
            proof = log[int(n)] if str(n).isdigit() and int(n) < len(log) else None
        if proof is None:
            self.request.response.setStatus(404)
            return b""
        self.request.response.setHeader("Content-Type", "application/xml")
        return proof["file"].data


class OutboxGet(ExchangeService):
    """GET @exchange-outbox?limit=N: signed messages waiting for the axis (base64)."""

    def reply(self):
        try:
            limit = max(1, min(int(self.request.form.get("limit", 20)), MAX_BATCH))
        except ValueError:
            return self.error(400, "BadRequest", "limit must be a number", field="limit")
        items = [{"id": m.id, "kind": m.kind, "document_id": m.document_id, "to": list(m.to),
                  "status_code": m.status_code, "attempts": m.attempts, "sha256": m.sha256,
                  "data": base64.b64encode(m.data()).decode("ascii")} for m in store.pending(limit, self.context)]
        return {"items": items, "pending": store.pending_count(self.context)}


class OutboxPost(ExchangeService):
    """POST @exchange-outbox {"done": [{"id", "axis_ids"}], "refused": [{"id", "code", "message"}],
    "failed": [{"id", "error"}]}: the worker settles what it tried."""

    def reply(self):
        _no_csrf(self.request)
        body = self.body() or {}
        settled = 0
        for entry in body.get("done", []):
            message = store.take(entry.get("id"), self.context)
            if message is not None:
                settled += 1
                self._note(message, "delivered", "", f"handed to the axis (ids {entry.get('axis_ids', [])})")
        for entry in body.get("refused", []):
            message = store.take(entry.get("id"), self.context)
            if message is not None:
                settled += 1
                # The axis will never take it: show the refusal where the officer looks.
                self._note(message, "refused", "02",
                           f"refused by the axis (code {entry.get('code')}): {entry.get('message', '')}")
        for entry in body.get("failed", []):
            store.note_failure(entry.get("id"), entry.get("error", ""), self.context)
        return {"settled": settled, "pending": store.pending_count(self.context)}

    def _note(self, message, event, code, description):
        item = inbox.find(message.item_uid) if message.item_uid else None
        if item is None:
            return
        label = message.kind if message.kind == "edoc" else f"status {message.status_code}"
        store.add_history(item, direction="sent", document_id=message.document_id, event=event,
                          status_code=code, description=f"{label}: {description}", to=message.to)


class InboxPost(ExchangeService):
    """POST @exchange-inbox (body: the edXML bytes from the axis): verify and register."""

    def reply(self):
        _no_csrf(self.request)
        data = self.request.get("BODY") or b""
        if isinstance(data, str):
            data = data.encode("utf-8")
        if not data:
            return self.error(400, "RefusedMessage", "empty body", reason="malformed")
        settings = get_settings()
        if not settings.organ_id:
            return self.error(503, "NotConfigured", "this site has no OrganId")
        try:
            outcome = inbox.receive(data, settings)
        except (RefusedMessage, inbox.SiteRefusal) as exc:
            transaction.doom()  # a refusal writes nothing, whatever ran before the check
            logger.warning("Refused a message from the axis: %s %s", exc.reason_code, exc.message)
            return self.error(400, "RefusedMessage", exc.message, reason=exc.reason_code,
                              element=getattr(exc, "element", None))
        except ExchangeError as exc:
            transaction.doom()
            return self.error(400, "RefusedMessage", exc.message, reason=exc.reason_code, element=exc.element)
        except NotConfigured as exc:
            transaction.doom()
            return self.error(503, "NotConfigured", str(exc))
        if not outcome.get("duplicate") and outcome.get("kind") == "edoc":
            self.request.response.setStatus(201)
        return outcome


class SetupPost(ExchangeService):
    """POST @exchange-setup: create the inbox folder and the exchange officers' local roles."""

    def reply(self):
        _no_csrf(self.request)
        settings = get_settings()
        folder = inbox.ensure_exchange_site(self.context, settings.organ_id)
        return {"inbox": folder.absolute_url(), "organ_id": settings.organ_id}

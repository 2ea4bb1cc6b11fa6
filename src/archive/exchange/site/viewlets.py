"""A notice above a received item that its sender revoked or replaced it (the classic UI side
of the exchange state that @exchange-history reports)."""
from plone.app.layout.viewlets.common import ViewletBase
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile

from archive.exchange.site import inbox


class ExchangeStateViewlet(ViewletBase):
    index = ViewPageTemplateFile("templates/exchange_state.pt")

    def update(self):
        super().update()
        self.state = getattr(self.context, "exchange_state", None)
        self.reason = getattr(self.context, "exchange_state_reason", "") or ""
        self.sender = getattr(self.context, "exchange_sender", "") or ""
        replaced_by = getattr(self.context, "exchange_replaced_by", None)
        other = inbox.find(replaced_by) if replaced_by else None
        self.replaced_by = other.absolute_url() if other is not None else None
        self.replaced_by_title = other.Title() if other is not None else ""
        self.weak = any(p.get("weak") for p in inbox.evidence_log(self.context))

    def available(self):
        return bool(self.state or self.weak)

    def render(self):
        return self.index() if self.available() else ""

"""REST deserialisation of the archive's own field types (what plone.restapi's would get wrong)."""
from archive.content import clock
from archive.content.fields import IReceivedDatetime
from datetime import datetime
from plone.dexterity.interfaces import IDexterityContent
from plone.restapi.deserializer.dxfields import DefaultFieldDeserializer
from plone.restapi.interfaces import IFieldDeserializer
from zope.component import adapter
from zope.interface import implementer
from zope.publisher.interfaces.browser import IBrowserRequest


@implementer(IFieldDeserializer)
@adapter(IReceivedDatetime, IDexterityContent, IBrowserRequest)
class ReceivedDeserializer(DefaultFieldDeserializer):
    """An ISO 8601 text, stored as naive local time (the archive's convention); a number,
    a year beyond the window or an unparsable text is a ValueError naming the expected form,
    which plone.restapi answers with 400 for the field."""

    def __call__(self, value):
        if value is None:
            self.field.validate(None)
            return None
        if not isinstance(value, str):
            raise ValueError("an ISO 8601 date and time such as 2026-12-08T08:30:00+07:00")
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            local = clock.to_local_naive(parsed)
        except (ValueError, OverflowError):
            raise ValueError("an ISO 8601 date and time such as 2026-12-08T08:30:00+07:00") from None
        self.field.validate(local)
        return local

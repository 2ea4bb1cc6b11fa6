"""Refusal messages of retention, translated for the request that gets them."""
from zope.globalrequest import getRequest
from zope.i18n import translate


def say(message):
    """The message in the request's language (its English default without a request)."""
    return translate(message, context=getRequest())

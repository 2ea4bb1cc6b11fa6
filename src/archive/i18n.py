"""The archive's message factory: every user-facing string goes through the `archive` domain."""
from zope.i18nmessageid import MessageFactory

_ = MessageFactory("archive")

"""Marker and adapter interfaces of the retention subpackage."""
from zope.interface import Attribute
from zope.interface import Interface


class IArchivalRecord(Interface):
    """Marker of content with the archival metadata behavior (a file in the archive's sense)."""


class IHeld(Interface):
    """Marker of an item under legal hold: it cannot be edited, moved, disposed of or deleted."""


class IDisposalList(Interface):
    """Marker of a disposal list (a list of expired items proposed for destruction)."""


class IArchivalSource(Interface):
    """What can be derived about a kind of record for its archival metadata.

    Registered per content class (content/configure.zcml style); every method returns
    None for what cannot be derived, so the completeness report names it."""

    kind = Attribute("'dossier', 'result' or 'legal_document': key of the per-kind registry defaults")

    def code():
        """The record's own number, part of the file code (dossier code, result code, notation)."""

    def schedule_key():
        """(schedule name, key) to look the retention up in the registry schedule."""

    def closed():
        """The date the file was closed (its work ended), or None while it is open."""

    def start_date():
        """The date the file's work began."""

    def keywords():
        """Keywords derived from the procedure or the document type."""

    def items():
        """The items inside the file, in file order: objects with a title and maybe a file."""

    def confidence():
        """'born_digital', 'digitised' or 'mixed'."""

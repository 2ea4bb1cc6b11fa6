"""Interfaces of preservation: what can be packaged, and how its files are found."""
from zope.interface import Attribute
from zope.interface import Interface


class IPreservable(Interface):
    """An archive record closed into packages (dossiers, results, legal documents)."""


class IPackageSource(Interface):
    """Adapts a preservable item to what its package holds."""

    code = Attribute("The item's own code (dossier code, number and notation), for the package id")

    def files():
        """The original files, as archive.preservation.package.SourceFile, in a stable order."""

    def blobs():
        """``(label, named_file, recorded_sha256)`` of every stored file fixity re-reads."""

"""Preservation: E-ARK SIP/AIP packages, PREMIS, their store, closing, fixity, export and import."""

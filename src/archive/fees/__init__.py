"""Fees of a procedure: the payments recorded on a dossier and the VietQR transfer code."""

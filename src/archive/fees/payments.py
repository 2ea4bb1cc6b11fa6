"""Payments of a dossier's fee: cash or bank transfer, each with its receipt number, journaled.

The receipt number is `BL-{agency}-{year}-{seq:06d}`, from the agency shard's own sequence
(archive.content.sequences), so numbers do not collide across agencies.
"""
from archive.audit import journal
from archive.content import clock
from archive.content import lookup
from archive.content import sequences
from Acquisition import aq_inner
from Acquisition import aq_parent
from plone import api
from plone.uuid.interfaces import IUUID

METHODS = ("cash", "transfer", "vietqr")


def fee_of(dossier):
    procedure = lookup.procedure_by_code(dossier.procedure_code)
    return int(getattr(procedure, "fee", None) or 0)


def paid(dossier):
    return sum(p["amount"] for p in getattr(dossier, "payments", None) or [])


def record_payment(dossier, method, amount, actor, reference=""):
    """Record a payment; returns the entry with its receipt number. Raises ValueError naming the field."""
    if method not in METHODS:
        raise ValueError("method")
    if not isinstance(amount, int) or amount <= 0:
        raise ValueError("amount")
    shard = aq_parent(aq_inner(dossier))
    now = clock.now()
    number = sequences.next_number(shard, f"receipt:{now.year}")
    entry = {"receipt_number": f"BL-{dossier.agency_code}-{now.year}-{number:06d}", "method": method,
             "amount": amount, "reference": reference, "by": actor, "time": now.isoformat()}
    dossier.payments = list(getattr(dossier, "payments", None) or []) + [entry]
    journal.record("payment", uid=IUUID(dossier), path="/".join(dossier.getPhysicalPath()),
                   portal_type=dossier.portal_type, details=entry)
    return entry


def bank_account():
    """(BIN, account number, account name) of the centre's fee account, or None if not configured."""
    bin_code = api.portal.get_registry_record("archive.fee_bank_bin", default=None)
    account = api.portal.get_registry_record("archive.fee_bank_account", default=None)
    if not bin_code or not account:
        return None
    return bin_code, account, api.portal.get_registry_record("archive.fee_bank_account_name", default="") or ""

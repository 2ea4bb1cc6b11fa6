"""Sealing and verifying the audit journal: a SHA-256 hash chain over the entries.

Writers never touch the chain (see journal.py); `seal` links the entries not yet sealed, in
key order, after the last sealed one: each gets `seq` (its position), `prev` (the hash before
it) and `hash` (SHA-256 of its canonical JSON, `prev` included). The seal state is one small
object written only here, so two sealers conflict with each other (ZODB retries one, which
then finds less to do) and never with the desks writing entries.

A transaction can commit a little after a later-keyed one was sealed; sealing therefore
rescans the last LATE_WINDOW before the previous seal and chains such late entries at the end.
An unsealed entry older than that can only have been put there by hand: `verify` reports it.
"""
import hashlib
import json
import logging
import time

from persistent import Persistent
from zope.annotation.interfaces import IAnnotations

from archive.audit import journal as journal_mod

STATE_KEY = "archive.audit.seal"
GENESIS = "0" * 64
# Longest a transaction may take between journaling an event and committing it.
LATE_WINDOW_NS = 3600 * 10**9
logger = logging.getLogger("archive.audit")


class SealState(Persistent):
    """The chain's head: how many entries are sealed, the last one's key and hash, and when."""

    def __init__(self):
        self.count = 0
        self.head = GENESIS
        self.last_key = None
        self.sealed_at = None  # nanoseconds; None until the first seal


def state(site, create=False):
    annotations = IAnnotations(site)
    current = annotations.get(STATE_KEY)
    if current is None and create:
        current = annotations[STATE_KEY] = SealState()
    return current


def entry_hash(entry):
    """SHA-256 of the entry's canonical JSON: every field but the hash itself, `prev` included."""
    content = {name: value for name, value in entry.items() if name != "hash"}
    content["details"] = dict(content.get("details") or {})
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _scan_from(current):
    """Smallest key a seal or a verification must look at for unsealed entries."""
    if current is None or current.sealed_at is None:
        return None
    return journal_mod.key_for(max(current.sealed_at - LATE_WINDOW_NS, 0))


def seal(site):
    """Chain every unsealed entry; returns how many were sealed (0 writes nothing)."""
    entries = journal_mod.journal(site, create=False)
    if not entries:
        return 0
    started = time.time_ns()
    current = state(site)
    lower = _scan_from(current)
    pending = [(key, entry) for key, entry in entries.items(min=lower) if "hash" not in entry]
    if not pending:
        return 0
    current = current if current is not None else state(site, create=True)
    head, count = current.head, current.count
    for key, entry in pending:
        count += 1
        entry["seq"] = count
        entry["prev"] = head
        head = entry["hash"] = entry_hash(entry)
    current.count, current.head, current.last_key, current.sealed_at = count, head, pending[-1][0], started
    # Leaves the database too: an auditor compares a later head with the one logged here.
    logger.info("Audit journal sealed: %d new, %d in all, head %s", len(pending), count, head)
    return len(pending)


def _problem(seq, key, reason, message, entry=None):
    return {"seq": seq, "key": key, "reason": reason, "message": message,
            "entry": journal_mod.plain(entry) if entry is not None else None}


def verify(site):
    """Recompute the chain. Returns {"valid", "entries", "head", "pending", "first_invalid"}:
    `first_invalid` names the first chain position whose content, link or order does not
    match (reason "content", "link", "missing", "inserted", "key", "head" or "unsealed"), else None."""
    entries = journal_mod.journal(site, create=False) or {}
    current = state(site)
    count = current.count if current is not None else 0
    recorded_head = current.head if current is not None else GENESIS
    lower = _scan_from(current)
    sealed, pending, stray = [], 0, None
    for key, entry in entries.items():
        if "hash" in entry:
            sealed.append((entry.get("seq", 0), key, entry))
        elif lower is not None and key < lower:
            # Older than any legitimate late commit, yet never sealed: put there afterwards.
            stray = stray or _problem(None, key, "unsealed", "an entry appeared in the sealed past", entry)
        else:
            pending += 1
    sealed.sort(key=lambda item: (item[0], item[1]))
    first, head, expected = None, GENESIS, 1
    for index, (seq, key, entry) in enumerate(sealed):
        twin = index + 1 < len(sealed) and sealed[index + 1][0] == seq
        if twin or seq < expected:
            first = _problem(seq, key, "inserted", "two entries claim the same place in the chain", entry)
        elif seq > expected:
            first = _problem(expected, key, "missing", f"entry {expected} of the chain is missing", entry)
        elif entry.get("key") != key:
            first = _problem(seq, key, "key", "the entry was moved to another key", entry)
        elif entry.get("prev") != head:
            first = _problem(seq, key, "link", "the entry does not follow the one before it", entry)
        elif entry_hash(entry) != entry.get("hash"):
            first = _problem(seq, key, "content", "the entry was changed after it was sealed", entry)
        if first is not None:
            break
        head, expected = entry["hash"], expected + 1
    if first is None and (len(sealed) != count or head != recorded_head):
        if len(sealed) < count:
            first = _problem(len(sealed) + 1, None, "missing", f"the chain ends at {len(sealed)} of {count} entries")
        elif len(sealed) > count:
            first = _problem(count + 1, sealed[count][1], "inserted", "entries follow the recorded head",
                             sealed[count][2])
        else:
            first = _problem(count, None, "head", "the chain does not end at the recorded head")
    first = first or stray
    return {"valid": first is None, "entries": count, "head": recorded_head, "pending": pending,
            "first_invalid": first}

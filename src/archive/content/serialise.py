"""Intakes one at a time within a process, so they never conflict with each other.

Two intakes at the same agency write the same day counter, and ZODB lets only one of two
overlapping transactions commit it: the other fails with a ConflictError, which the
publisher retries a few times after a random, growing delay (`max-conflict-retries` in
zope.conf) before answering 500. Intakes at different agencies collide too, less often,
on the catalog's index buckets and the journal's. Under eight busy clients the retries
ran out for a few percent of intakes. Here an intake request waits for the site's intake
lock and then starts its transaction afresh, so it reads the counter and the catalog as
the previous intake committed them; the lock is released when the transaction ends
(commit or abort). Intakes in other processes (several Zope instances) and other writes
are still reconciled by ZODB's conflict resolution and the publisher's retries.

`serialised_intake(shard)` is for the start of a request's write (a REST service's
reply, a form's handler), before it has changed anything: the transaction is begun
afresh, so anything it had written would be lost.
"""
import logging
import threading

import transaction
from zope.component.hooks import getSite

logger = logging.getLogger("archive.intake")

WAIT_SECONDS = 60
_locks = {}
_locks_guard = threading.Lock()


def _lock_for(key):
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = threading.Lock()
        return lock


def serialised_intake(shard):
    """Wait until no other intake in this shard's site is under way in this process, then
    begin the transaction afresh. Returns True if this call took the lock."""
    site = getSite()
    key = "/".join((site if site is not None else shard).getPhysicalPath())
    txn = transaction.get()
    held = txn.data(_locks) if _has_data(txn) else set()
    if key in held:
        return False
    lock = _lock_for(key)
    if not lock.acquire(timeout=WAIT_SECONDS):
        logger.warning("intake in %s waited %ss for the intake lock; going on without it", key, WAIT_SECONDS)
        return False
    try:
        user, description, extension = txn.user, txn.description, dict(txn.extension)
        transaction.abort()
        txn = transaction.begin()
        txn.user, txn.description = user, description
        txn.extension.update(extension)
        held = set(held) | {key}
        txn.set_data(_locks, held)
        released = []

        def release(*args):
            if not released:
                released.append(True)
                lock.release()

        txn.addAfterCommitHook(release)
        txn.addAfterAbortHook(release)
    except BaseException:
        lock.release()
        raise
    return True


def _has_data(txn):
    try:
        txn.data(_locks)
    except KeyError:
        return False
    return True

"""Sequence numbers for record codes, one counter per agency shard and period.

Each counter is its own persistent object: two intakes at different agencies (or on
different days) touch different objects and never conflict; two at the same agency on
the same day conflict on purpose, and ZODB's retry gives the second one the next
number, so codes stay unique and gapless without a global hot spot.
"""
from BTrees.OOBTree import OOBTree
from persistent import Persistent


class Counter(Persistent):
    def __init__(self):
        self.value = 0


def _counters(folder):
    counters = folder.__dict__.get("_archive_counters")
    if counters is None:
        counters = folder._archive_counters = OOBTree()
    return counters


def ensure_counters(folder):
    """Create the counter tree when the shard is created, not on the first busy morning."""
    _counters(folder)


def next_number(folder, key):
    counters = _counters(folder)
    counter = counters.get(key)
    if counter is None:
        counter = counters[key] = Counter()
    counter.value += 1
    return counter.value


def next_free_number(folder, key, taken, limit=100000):
    """The counter's next number whose code is free, by `taken(number)`.

    A number whose code exists already (a record added by hand, imported, or left by an
    older code template) is passed over instead of failing the intake: a failed intake
    rolls its counter back with it, so failing on a taken code would fail every later
    intake too. The codes in use stay without holes: the number passed over is in use."""
    counters = _counters(folder)
    counter = counters.get(key)
    if counter is None:
        counter = counters[key] = Counter()
    for _ in range(limit):
        counter.value += 1
        if not taken(counter.value):
            return counter.value
    raise RuntimeError(f"no free number left in sequence {key!r}")


def current_number(folder, key):
    counter = _counters(folder).get(key)
    return counter.value if counter is not None else 0

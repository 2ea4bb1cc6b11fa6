"""The seal's verification against a forger who recomputes hashes: each check of
`archive.audit.seal.verify` (the link to the entry before, the entry's own key, the recorded
head and count) is the only one that catches one of these forgeries, so removing it fails a test."""
import unittest

import transaction
from archive.audit import journal
from archive.audit import seal
from archive.testing import ARCHIVE_INTEGRATION_TESTING
from persistent.mapping import PersistentMapping

ENTRIES = 6


class TestSealAgainstRehashing(unittest.TestCase):
    layer = ARCHIVE_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        for number in range(ENTRIES):
            journal.record("modified", uid=f"uid-{number}", path=f"/plone/x{number}", portal_type="Dossier",
                           details={"number": number}, site=self.portal)
        self.assertEqual(seal.seal(self.portal), self.sealed_count())
        report = seal.verify(self.portal)
        self.assertTrue(report["valid"], report)
        self.head, self.count = report["head"], report["entries"]
        self.assertGreaterEqual(self.count, ENTRIES)

    def tearDown(self):
        transaction.abort()

    # -- helpers -------------------------------------------------------------------

    def entries(self):
        return journal.journal(self.portal)

    def sealed_count(self):
        return sum(1 for entry in self.entries().values() if "hash" in entry)

    def chain(self):
        """(key, entry) in chain order."""
        return sorted(((k, e) for k, e in self.entries().items() if "hash" in e), key=lambda item: item[1]["seq"])

    def rechain(self, items, start_seq, prev):
        """What a forger does after a change: renumber and rehash from `start_seq` on."""
        for seq, (key, entry) in enumerate(items, start=start_seq):
            entry["seq"], entry["prev"] = seq, prev
            prev = entry["hash"] = seal.entry_hash(entry)
        return prev

    def problem(self):
        report = seal.verify(self.portal)
        self.assertFalse(report["valid"], report)
        return report["first_invalid"]

    # -- forgeries -----------------------------------------------------------------

    def test_a_changed_entry_with_its_hash_recomputed_breaks_the_next_link(self):
        chain = self.chain()
        key, entry = chain[2]
        entry["actor"] = "someone-else"
        entry["hash"] = seal.entry_hash(entry)  # the entry is consistent in itself
        found = self.problem()
        # Only the `prev` link of the following entry gives it away.
        self.assertEqual((found["seq"], found["key"], found["reason"]), (4, chain[3][0], "link"))

    def test_the_last_entry_changed_and_rehashed_differs_from_the_recorded_head(self):
        key, entry = self.chain()[-1]
        entry["details"] = {"number": 99}
        entry["hash"] = seal.entry_hash(entry)
        found = self.problem()
        self.assertEqual((found["seq"], found["reason"]), (self.count, "head"))

    def test_a_removed_entry_with_the_rest_rechained_and_the_count_kept(self):
        chain = self.chain()
        removed_key, removed = chain[1]
        del self.entries()[removed_key]
        rest = chain[2:]
        prev = self.rechain(rest, start_seq=2, prev=chain[0][1]["hash"])
        # A forged entry at the end keeps the count the seal recorded.
        forged_key, forged = journal.make_entry("modified", uid="forged", path="/plone/forged",
                                                portal_type="Dossier", actor="nobody")
        forged.update(seq=self.count, prev=prev)
        forged["hash"] = seal.entry_hash(forged)
        self.entries()[forged_key] = forged
        self.assertEqual(self.sealed_count(), seal.state(self.portal).count)
        found = self.problem()
        self.assertEqual(found["reason"], "head")

    def test_a_removed_entry_with_the_rest_rechained_is_missing_from_the_count(self):
        chain = self.chain()
        del self.entries()[chain[1][0]]
        self.rechain(chain[2:], start_seq=2, prev=chain[0][1]["hash"])
        found = self.problem()
        self.assertEqual((found["seq"], found["reason"]), (self.count, "missing"))

    def test_a_reordered_chain_rechained_differs_from_the_recorded_head(self):
        chain = self.chain()
        reordered = [chain[0], chain[2], chain[1]] + chain[3:]
        self.rechain(reordered[1:], start_seq=2, prev=chain[0][1]["hash"])
        found = self.problem()
        self.assertEqual(found["reason"], "head")

    def test_entries_swapped_between_keys_are_found_by_their_key(self):
        chain = self.chain()
        (first_key, first), (second_key, second) = chain[2], chain[3]
        # Stored under each other's key: times and order as read from the keys are forged,
        # while every seq, prev and hash still holds.
        self.entries()[first_key] = PersistentMapping(dict(second))
        self.entries()[second_key] = PersistentMapping(dict(first))
        found = self.problem()
        self.assertEqual((found["seq"], found["key"], found["reason"]), (3, second_key, "key"))

    def test_the_untouched_chain_is_valid_and_ends_at_the_recorded_head(self):
        report = seal.verify(self.portal)
        self.assertTrue(report["valid"], report)
        self.assertEqual((report["entries"], report["head"]), (self.sealed_count(), self.chain()[-1][1]["hash"]))
        self.assertEqual(report["head"], self.head)

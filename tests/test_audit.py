"""The audit journal: every change of an archive record leaves an entry with its actor, in the
same transaction; sealing chains the entries and verification finds any changed, deleted or
inserted one; only auditors and managers read it; the exchange journals weak signatures."""
import hashlib
import logging
import os
import sys
import time

import pytest
import transaction
from archive.audit import journal
from archive.audit import seal
from archive.content.intake import receive_dossier
from archive.exchange import edxml
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from ZODB.POSException import ConflictError

from archive.pdf import simple_pdf

from helpers import AGENCY
from helpers import OTHER_AGENCY
from helpers import RestTestCase
from helpers import dossier_fields

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "exchange_site"))
from exchange_site_helpers import RSA_SHA1  # noqa: E402
from exchange_site_helpers import SHA1  # noqa: E402
from exchange_site_helpers import xmlsec1_sign  # noqa: E402
from test_exchange_site import ExchangeSiteBase  # noqa: E402
from test_exchange_site import edoc  # noqa: E402


class AuditTestCase(RestTestCase):
    def journal_of(self, user="auditor", **params):
        answer = self.call("GET", "/@audit-journal", user, params={"b_size": 1000, **params})
        self.assertEqual(answer.status_code, 200, answer.text[:500])
        return answer.json()

    def verify(self):
        answer = self.call("GET", "/@audit-verify", "auditor")
        self.assertEqual(answer.status_code, 200, answer.text[:500])
        transaction.begin()  # verifying may seal entries: later writes here start from the server's state
        return answer.json()

    def stored(self):
        transaction.begin()  # see what the server committed
        return journal.journal(self.portal)

    def receive(self, user="reception", **fields):
        answer = self.call("POST", f"/dossiers/{AGENCY}", user, json={"@type": "Dossier", **dossier_fields(**fields)})
        self.assertEqual(answer.status_code, 201, answer.text[:500])
        return answer.json()


class TestWhatIsJournaled(AuditTestCase):

    def test_intake_edit_transition_sharing_and_delete_with_their_actors(self):
        dossier = self.receive()
        url, uid = dossier["@id"], dossier["UID"]
        self.assertEqual(self.call("PATCH", url, "reception", json={"applicant_phone": "0912345678"}).status_code, 204)
        fired = self.call("POST", url + "/@workflow/start_processing", "reception", json={"comment": "Hồ sơ đủ thành phần"})
        self.assertEqual(fired.status_code, 200, fired.text)
        shared = self.call("POST", url + "/@sharing", "admin", json={
            "entries": [{"id": "specialist", "type": "user", "roles": {"Reader": True}}], "inherit": True})
        self.assertEqual(shared.status_code, 204, shared.text)
        path = "/" + url.split("/", 3)[3]  # the physical path: /plone/dossiers/<agency>/<code>
        self.assertEqual(self.call("DELETE", url, "admin").status_code, 204)

        items = self.journal_of(uid=uid)["items"]
        by_action = {}
        for item in items:
            by_action.setdefault(item["action"], []).append(item)
        self.assertEqual([i["action"] for i in items][0], "added")
        self.assertEqual([i["action"] for i in items][-1], "removed")
        [added] = by_action["added"]
        self.assertEqual((added["actor"], added["portal_type"], added["path"]), ("reception", "Dossier", path))
        edits = [i for i in by_action["modified"] if "applicant_phone" in i["details"]["fields"]]
        self.assertEqual([i["actor"] for i in edits], ["reception"])
        [transition] = by_action["transition"]
        self.assertEqual(transition["actor"], "reception")
        self.assertEqual(transition["details"], {"transition": "start_processing", "from": "received",
                                                 "to": "processing", "comment": "Hồ sơ đủ thành phần"})
        [sharing] = by_action["sharing"]
        self.assertEqual(sharing["actor"], SITE_OWNER_NAME)
        self.assertIn("Reader", sharing["details"]["local_roles"]["specialist"])
        [removed] = by_action["removed"]
        self.assertEqual((removed["actor"], removed["path"], removed["uid"]), (SITE_OWNER_NAME, path, uid))
        for item in items:
            self.assertRegex(item["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
            self.assertEqual(len(item["hash"]), 64)  # reading seals first
        # The component added at intake and the shard it lives in are journaled on their own.
        self.assertNotIn("file", str(items))

    def test_components_received_at_intake_are_journaled_with_their_checksums(self):
        pdf = simple_pdf("Don de nghi")
        with api.env.adopt_user(username="reception"):
            dossier = receive_dossier(self.portal.dossiers[AGENCY], components=[
                {"title": "Đơn đề nghị", "filename": "don.pdf", "data": pdf}], **dossier_fields())
        transaction.commit()
        path = "/".join(dossier.getPhysicalPath())
        items = self.journal_of(path=path)["items"]
        self.assertEqual([(i["action"], i["portal_type"]) for i in items],
                         [("added", "Dossier"), ("added", "DossierComponent")])
        component = items[1]
        self.assertEqual(component["actor"], "reception")
        self.assertEqual(component["path"], path + "/component-1")
        self.assertEqual(component["details"], {"filename": "don.pdf", "sha256": hashlib.sha256(pdf).hexdigest()})

    def test_a_rolled_back_change_leaves_no_entry(self):
        before = len(self.stored() or ())
        with api.env.adopt_roles(["Manager"]):
            receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields())
        self.assertGreater(len(journal.journal(self.portal)), before)  # written in the transaction...
        transaction.abort()
        self.assertEqual(len(self.stored() or ()), before)  # ...and gone with it
        # Over HTTP: an intake refused with 400 journals nothing either.
        bad = self.call("POST", f"/dossiers/{AGENCY}", "reception",
                        json={"@type": "Dossier", **dossier_fields(applicant_id="12")})
        self.assertEqual(bad.status_code, 400, bad.text)
        self.assertEqual(len(self.stored() or ()), before)

    def test_only_auditors_and_managers_read_the_journal(self):
        self.receive()
        for user in ("reception", "specialist", "leader", None):
            for service in ("/@audit-journal", "/@audit-verify"):
                self.assertIn(self.call("GET", service, user).status_code, (401, 403), (user, service))
        self.assertEqual(self.call("GET", "/@audit-journal", "admin").status_code, 200)
        self.assertGreaterEqual(self.journal_of("auditor")["items_total"], 1)

    def test_filters_batching_and_bad_parameters(self):
        start = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 1))
        first = self.receive()
        second = self.receive(applicant_name="Trần Thị Lan")
        everything = self.journal_of(since=start)
        self.assertEqual([i["action"] for i in self.journal_of(since=start, uid=first["UID"])["items"]][:1], ["added"])
        added = self.journal_of(since=start, action="added", actor="reception", path=f"/dossiers/{AGENCY}")
        self.assertEqual([i["uid"] for i in added["items"] if i["portal_type"] == "Dossier"],
                         [first["UID"], second["UID"]])
        self.assertEqual(self.journal_of(until="2000-01-01")["items_total"], 0)
        descending = self.journal_of(since=start, sort_order="descending")["items"]
        self.assertEqual([i["key"] for i in descending], [i["key"] for i in reversed(everything["items"])])
        page = self.call("GET", "/@audit-journal", "auditor", params={"since": start, "b_size": 1}).json()
        self.assertEqual((len(page["items"]), page["items_total"]), (1, everything["items_total"]))
        self.assertIn("next", page["batching"])
        for name, value in (("since", "yesterday"), ("until", "2025-13-45"), ("action", "launched"),
                            ("sort_order", "sideways")):
            answer = self.call("GET", "/@audit-journal", "auditor", params={name: value})
            self.assertEqual(answer.status_code, 400, (name, answer.text))
            self.assertEqual(answer.json()["error"]["field"], name)
            self.assertIn(name, answer.json()["error"]["message"])


class TestSealAndVerify(AuditTestCase):

    def setUp(self):
        super().setUp()
        for n in range(3):
            self.receive(applicant_name=f"Người nộp {n}")

    def entry_at(self, seq):
        [(key, entry)] = [(k, e) for k, e in self.stored().items() if e.get("seq") == seq]
        return key, entry

    def test_valid_after_sealing_and_each_tampering_is_found(self):
        report = self.verify()
        self.assertTrue(report["valid"], report)
        self.assertIsNone(report["first_invalid"])
        self.assertEqual(report["entries"], len(self.stored()))
        self.assertEqual(len(report["head"]), 64)
        head, count = report["head"], report["entries"]
        self.assertEqual(self.verify(), {**report, "sealed": 0})  # nothing new: same head

        # Changed: a sealed entry's actor is rewritten.
        key, entry = self.entry_at(3)
        actor, entry["actor"] = entry["actor"], "someone-else"
        transaction.commit()
        found = self.verify()
        self.assertFalse(found["valid"])
        self.assertEqual({k: found["first_invalid"][k] for k in ("seq", "key", "reason")}, {"seq": 3, "key": key,
                                                                                             "reason": "content"})
        self.assertEqual(found["first_invalid"]["entry"]["actor"], "someone-else")
        entry["actor"] = actor
        transaction.commit()
        self.assertTrue(self.verify()["valid"])

        # Deleted: entry 2 disappears; the chain breaks where it was.
        key, entry = self.entry_at(2)
        del self.stored()[key]
        transaction.commit()
        found = self.verify()["first_invalid"]
        self.assertEqual((found["seq"], found["reason"]), (2, "missing"))
        self.stored()[key] = entry
        transaction.commit()
        self.assertTrue(self.verify()["valid"])

        # Deleted at the end: the chain stops short of the recorded count.
        key, entry = self.entry_at(count)
        del self.stored()[key]
        transaction.commit()
        found = self.verify()["first_invalid"]
        self.assertEqual((found["seq"], found["reason"]), (count, "missing"))
        self.stored()[key] = entry
        transaction.commit()
        self.assertTrue(self.verify()["valid"])

        # Inserted into the sealed past (an hour and more before the seal), unsealed.
        old = time.time_ns() - 2 * seal.LATE_WINDOW_NS
        forged_key, forged = journal.make_entry("removed", uid="x", path="/plone/dossiers/x", portal_type="Dossier",
                                                actor="nobody", nanoseconds=old)
        self.stored()[forged_key] = forged
        transaction.commit()
        found = self.verify()["first_invalid"]
        self.assertEqual((found["key"], found["reason"]), (forged_key, "unsealed"))
        del self.stored()[forged_key]
        transaction.commit()
        self.assertTrue(self.verify()["valid"])

        # Inserted with a forged place in the chain (seq, prev and a correct hash of its own).
        key2, second = self.entry_at(2)
        forged_key, forged = journal.make_entry("removed", uid="x", path="/plone/dossiers/x", portal_type="Dossier",
                                                actor="nobody", nanoseconds=journal.key_time(key2) + 1)
        forged.update(seq=2, prev=second["prev"])
        forged["hash"] = seal.entry_hash(forged)
        self.stored()[forged_key] = forged
        transaction.commit()
        found = self.verify()["first_invalid"]
        self.assertEqual((found["seq"], found["reason"]), (2, "inserted"))
        del self.stored()[forged_key]
        transaction.commit()
        final = self.verify()
        self.assertTrue(final["valid"], final)
        self.assertEqual((final["head"], final["entries"]), (head, count))

    def test_sealing_logs_the_head_and_links_late_entries_after_it(self):
        self.stored()
        with self.assertLogs("archive.audit", logging.INFO) as logged:
            sealed = seal.seal(self.portal)
        head = seal.state(self.portal).head
        self.assertGreater(sealed, 0)
        self.assertIn(head, logged.output[-1])
        # A transaction that journaled before the seal but committed after it: chained at the end.
        late_key, late = journal.make_entry("modified", uid="late", path="/plone/x", portal_type="Dossier",
                                            actor="reception", nanoseconds=time.time_ns() - 60 * 10**9)
        journal.journal(self.portal)[late_key] = late
        self.assertEqual(seal.seal(self.portal), 1)
        self.assertEqual((late["seq"], late["prev"]), (seal.state(self.portal).count, head))
        report = seal.verify(self.portal)
        self.assertTrue(report["valid"], report)
        transaction.abort()

    def test_concurrent_writers_never_conflict_and_concurrent_sealers_are_harmless(self):
        self.stored()
        transaction.commit()
        db = self.layer["zodbDB"]

        def session():
            manager = transaction.TransactionManager()
            connection = db.open(transaction_manager=manager)
            manager.begin()
            site = connection.get(self.portal._p_oid)
            return manager, connection, site

        # Two desks journal at once (and a sealer runs meanwhile): all three commit.
        desks = [session() for _ in range(3)]
        for n, (manager, connection, site) in enumerate(desks[:2]):
            journal.record("modified", uid=f"desk-{n}", path=f"/plone/x{n}", portal_type="Dossier", site=site)
        self.assertGreater(seal.seal(desks[2][2]), 0)
        for manager, connection, site in desks:
            manager.commit()
            connection.close()
        # Two sealers at once: one wins, the other conflicts and finds less to do when retried.
        first, second = session(), session()
        journal.record("modified", uid="desk-3", path="/plone/x3", portal_type="Dossier", site=first[2])
        first[0].commit()
        first, second = session(), session()
        self.assertEqual((seal.seal(first[2]), seal.seal(second[2])), (3, 3))
        first[0].commit()
        with self.assertRaises(ConflictError):
            second[0].commit()
        second[0].abort()
        second[0].begin()
        self.assertEqual(seal.seal(second[2]), 0)
        report = seal.verify(second[2])
        self.assertTrue(report["valid"], report)
        self.assertEqual(report["pending"], 0)
        for manager, connection, site in (first, second):
            manager.abort()
            connection.close()


class TestExchangeJournal(ExchangeSiteBase):

    def tearDown(self):
        os.environ.pop("ARCHIVE_EXCHANGE_ALLOW_SHA1", None)
        super().tearDown()

    def exchange_entries(self):
        answer = self.call("GET", "/@audit-journal", "auditor", params={"b_size": 1000})
        self.assertEqual(answer.status_code, 200, answer.text[:300])
        return [i for i in answer.json()["items"] if i["action"].startswith("exchange.")]

    def test_refusals_and_a_weak_signature_accepted_are_journaled(self):
        data = xmlsec1_sign(self.b, edxml.build(edoc(OTHER_AGENCY, AGENCY)), self.keys, sig=RSA_SHA1, digest=SHA1)
        self.assertEqual(self.inbox(data).status_code, 400)  # SHA-1 is refused unless allowed
        self.assertEqual(self.inbox(b"<edXML>not really</edXML>").status_code, 400)
        os.environ["ARCHIVE_EXCHANGE_ALLOW_SHA1"] = "1"
        answer = self.inbox(data)
        self.assertEqual(answer.status_code, 201, answer.text)
        refused_weak, refused_malformed, registered = self.exchange_entries()
        self.assertEqual((refused_weak["action"], refused_weak["details"]["reason"]), ("exchange.refused", "weak_algorithm"))
        self.assertEqual(refused_malformed["details"]["reason"], "malformed")
        self.assertEqual(refused_malformed["actor"], SITE_OWNER_NAME)
        self.assertEqual(registered["action"], "exchange.registered")
        self.assertEqual(registered["uid"], answer.json()["uid"])
        self.assertEqual(registered["details"]["document_id"], answer.json()["document_id"])
        self.assertEqual(registered["details"]["sender"], OTHER_AGENCY)
        self.assertEqual(registered["details"]["algorithm"], "rsa-sha1")
        self.assertEqual(set(registered["details"]["weaknesses"]), {"signature method rsa-sha1", "digest sha1"})
        # Nothing else from the refusals: the inbox stays empty, and the chain is whole.
        self.assertEqual(len(self.incoming()), 1)
        verified = self.call("GET", "/@audit-verify", "auditor").json()
        self.assertTrue(verified["valid"], verified)


class TestPeriodicSealing(AuditTestCase):
    """A real Celery worker on a real Redis seals new entries on its beat, with nobody reading."""

    @pytest.fixture(autouse=True)
    def services(self, redis_server):
        self.redis = redis_server

    def test_the_worker_seals_new_entries(self):
        import test_search_sync  # its Worker: a celery worker -B process (module import, no test collected)

        with api.env.adopt_user(username="reception"):
            receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields())
        transaction.commit()
        self.assertTrue(any("hash" not in entry for entry in self.stored().values()))
        worker = test_search_sync.Worker({
            "ARCHIVE_BROKER_URL": self.redis.url, "ARCHIVE_SITE_URL": self.url,
            "ARCHIVE_SERVICE_AUTH": f"{SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}",
            "ARCHIVE_SEAL_EVERY": "1", "ARCHIVE_DRAIN_EVERY": "3600",
        })
        worker.start()
        try:
            deadline = time.time() + 180  # includes the worker and its beat starting on a busy machine
            while time.time() < deadline and any("hash" not in entry for entry in self.stored().values()):
                time.sleep(1)
            self.assertFalse([key for key, entry in self.stored().items() if "hash" not in entry], worker.log())
        finally:
            worker.close()
        self.assertTrue(self.verify()["valid"])

"""Retention dates and disposal over real HTTP: the date arithmetic, the due list, a disposal
list's workflow, refusals with their reason, and an execution that leaves a record."""
import os
from datetime import date

import transaction
from archive.audit.journal import journal
from archive.retention.schedule import disposal_date
from helpers import PASSWORD
from helpers import PROCEDURE
from helpers import RestTestCase
from plone import api
from retention_helpers import at
from retention_helpers import closed_dossier


class TestDisposalDate(RestTestCase):
    def test_counted_from_the_first_of_january_after_closing(self):
        self.assertEqual(disposal_date(date(2026, 1, 3), 10), date(2037, 1, 1))
        self.assertEqual(disposal_date(date(2026, 12, 31), 10), date(2037, 1, 1))
        self.assertIsNone(disposal_date(date(2026, 1, 3), "permanent"))
        self.assertIsNone(disposal_date(None, 10))
        api.portal.set_registry_record("archive.retention.procedure_schedule", {PROCEDURE: "10"})
        dossier = closed_dossier(self.portal, closed_on=at(2026, 1, 3))
        old = closed_dossier(self.portal, closed_on=at(2012, 5, 2))
        transaction.commit()
        shown = self.call("GET", dossier.absolute_url() + "/@archival-metadata", "archivist").json()
        self.assertEqual(shown["disposal_date"], "2037-01-01")
        due = self.call("GET", "/@disposal-due", "archivist")
        self.assertEqual(due.status_code, 200, due.text)
        due = due.json()
        self.assertEqual([item["UID"] for item in due["items"]], [old.UID()])
        self.assertEqual(due["items"][0]["disposal_date"], "2023-01-01")
        later = self.call("GET", "/@disposal-due", "archivist", params={"on": "2037-01-01"}).json()
        self.assertEqual({item["UID"] for item in later["items"]}, {old.UID(), dossier.UID()})
        self.assertEqual(self.call("GET", "/@disposal-due", "archivist", params={"on": "soon"}).status_code, 400)


class TestDisposal(RestTestCase):
    def setUp(self):
        super().setUp()
        with api.env.adopt_roles(["Manager"]):
            for user, group in (("parchivist", "archive-archivists"), ("dleader", "archive-disposal-approvers")):
                if api.user.get(username=user) is None:
                    api.user.create(email=f"{user}@example.org", username=user, password=PASSWORD)
                api.group.add_user(groupname=group, username=user)
        transaction.commit()

    def transition(self, url, name, user):
        return self.call("POST", f"{url}/@workflow/{name}", user)

    def test_refusals_and_an_execution_that_keeps_a_record(self):
        due = closed_dossier(self.portal, components=2, closed_on=at(2010, 1, 3))
        recent = closed_dossier(self.portal, closed_on=at(2026, 1, 3))
        held = closed_dossier(self.portal, closed_on=at(2010, 1, 3))
        with api.env.adopt_roles(["Manager"]):
            from archive.retention.hold import set_hold
            set_hold(held, "Thanh tra")
        transaction.commit()
        blobs = []
        for component in due.objectValues():
            with component.file.open() as stream:
                blobs.append(stream.name)
        self.assertTrue(all(os.path.exists(path) for path in blobs))
        lists = "/disposal"

        for uid, reason in ((recent.UID(), "not due"), (held.UID(), "legal hold")):
            refused = self.call("POST", lists, "parchivist", json={"@type": "DisposalList", "title": "x", "items": [uid]})
            self.assertEqual(refused.status_code, 400, refused.text)
            self.assertIn(reason, refused.text)
        self.assertEqual(self.call("POST", lists, "specialist",
                                   json={"@type": "DisposalList", "title": "x", "items": [due.UID()]}).status_code, 401)

        made = self.call("POST", lists, "parchivist", json={"@type": "DisposalList", "title": "Danh mục hủy 2026",
                                                             "items": [due.UID()]})
        self.assertEqual(made.status_code, 201, made.text)
        url = made.json()["@id"]
        # Not approved: neither the leader's approval before appraisal nor an execution.
        self.assertEqual(self.transition(url, "execute", "parchivist").status_code, 400)
        self.assertEqual(self.transition(url, "approve", "dleader").status_code, 400)
        no_opinion = self.transition(url, "appraise", "parchivist")
        self.assertEqual(no_opinion.status_code, 400)
        self.assertIn("appraisal_opinion", no_opinion.text)
        self.assertEqual(self.call("PATCH", url, "parchivist", json={"appraisal_opinion": "Hội đồng đồng ý hủy"}).status_code, 204)
        self.assertEqual(self.transition(url, "appraise", "parchivist").status_code, 200)
        self.assertEqual(self.transition(url, "approve", "parchivist").status_code, 400)  # archivists do not approve
        self.assertEqual(self.transition(url, "approve", "dleader").status_code, 200)

        # A hold set after approval stops the execution, with the reason.
        hold = self.call("POST", due.absolute_url() + "/@legal-hold", "parchivist", json={"reason": "Khiếu nại"})
        self.assertEqual(hold.status_code, 200)
        stopped = self.transition(url, "execute", "parchivist")
        self.assertEqual(stopped.status_code, 400)
        self.assertIn("legal hold", stopped.text)
        self.assertEqual(self.call("DELETE", due.absolute_url() + "/@legal-hold", "parchivist").status_code, 204)

        done = self.transition(url, "execute", "parchivist")
        self.assertEqual(done.status_code, 200, done.text)
        transaction.begin()
        self.assertEqual(len(api.content.find(UID=due.UID(), unrestricted=True)), 0)
        record = self.call("GET", url, "dleader").json()["destruction_record"]
        self.assertEqual(record["approved_by"], "dleader")
        self.assertEqual(record["executed_by"], "parchivist")
        self.assertEqual([entry["uid"] for entry in record["destroyed"]], [due.UID()])
        self.assertEqual(record["destroyed"][0]["metadata"]["documents"], 2)
        self.assertEqual(record["destroyed"][0]["disposal_date"], "2021-01-01")
        printable = self.call("GET", url + "/@@destruction-record", "dleader")
        self.assertEqual(printable.status_code, 200)
        self.assertIn(record["destroyed"][0]["metadata"]["file_code"], printable.text)
        entries = [entry for entry in journal(self.portal).values() if entry["uid"] == due.UID()]
        self.assertIn("destroyed", [entry["action"] for entry in entries])
        self.assertFalse(any(os.path.exists(path) for path in blobs), blobs)

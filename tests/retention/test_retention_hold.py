"""Legal hold and archivists' metadata edits over real HTTP: only the permission sets and
releases a hold; a held item cannot be edited, moved or deleted, not even by a Manager."""
import transaction
from zExceptions import Unauthorized
from OFS.event import ObjectWillBeMovedEvent
from zope.event import notify
from zope.lifecycleevent import ObjectModifiedEvent
from archive.audit.journal import journal
from archive.retention.hold import HeldError
from helpers import OTHER_AGENCY
from helpers import RestTestCase
from plone import api
from retention_helpers import closed_dossier


def actions(portal, uid):
    transaction.begin()
    return [entry["action"] for entry in journal(portal).values() if entry["uid"] == uid]


class TestArchivalMetadataEdit(RestTestCase):
    def test_only_archivists_edit_the_archival_metadata(self):
        dossier = closed_dossier(self.portal)
        transaction.commit()
        url = dossier.absolute_url() + "/@archival-metadata"
        self.assertEqual(self.call("GET", url, "specialist").json()["metadata"]["retention"], 10)
        for user in ("specialist", "leader", "reception"):
            refused = self.call("PATCH", url, user, json={"retention": "permanent"})
            self.assertEqual(refused.status_code, 401, (user, refused.text))
        bad = self.call("PATCH", url, "archivist", json={"retention": "forever", "paper_code": "P-1"})
        self.assertEqual(bad.status_code, 400, bad.text)
        self.assertIn("retention", bad.text)
        unknown = self.call("PATCH", url, "archivist", json={"colour": "red"})
        self.assertEqual(unknown.status_code, 400)
        self.assertIn("colour", unknown.text)
        done = self.call("PATCH", url, "archivist", json={"retention": "permanent", "paper_code": "P-1"})
        self.assertEqual(done.status_code, 200, done.text)
        self.assertEqual(done.json()["metadata"]["retention"], "permanent")
        self.assertEqual(done.json()["metadata"]["paper_code"], "P-1")
        self.assertIsNone(done.json()["disposal_date"])
        self.assertIn("modified", actions(self.portal, dossier.UID()))


class TestLegalHold(RestTestCase):
    def test_hold_blocks_everyone_until_released_with_the_permission(self):
        dossier = closed_dossier(self.portal)
        transaction.commit()
        url, uid = dossier.absolute_url(), dossier.UID()
        self.assertEqual(self.call("POST", url + "/@legal-hold", "leader", json={"reason": "x"}).status_code, 401)
        no_reason = self.call("POST", url + "/@legal-hold", "archivist", json={})
        self.assertEqual(no_reason.status_code, 400)
        self.assertIn("reason", no_reason.text)
        held = self.call("POST", url + "/@legal-hold", "archivist", json={"reason": "Vụ án 12/2026"})
        self.assertEqual(held.status_code, 200, held.text)
        self.assertEqual(held.json()["hold"]["reason"], "Vụ án 12/2026")
        self.assertEqual(held.json()["hold"]["by"], "archivist")

        # Nobody edits or deletes it, site administrators included.
        self.assertIn(self.call("PATCH", url, "admin", json={"notes": "x"}).status_code, (401, 403))
        self.assertIn(self.call("DELETE", url, "admin").status_code, (401, 403))
        self.assertIn(self.call("PATCH", url + "/@archival-metadata", "admin",
                                json={"paper_code": "x"}).status_code, (401, 403))
        transaction.begin()
        self.assertIn(dossier.getId(), dossier.aq_parent)
        # Code that skips the permission checks is refused by the event subscribers.
        with api.env.adopt_roles(["Manager"]):
            with self.assertRaises(Unauthorized):
                api.content.delete(obj=dossier, check_linkintegrity=False)
            with self.assertRaises(HeldError):
                dossier.aq_parent._delObject(dossier.getId())
            transaction.abort()
            with self.assertRaises(HeldError):
                notify(ObjectModifiedEvent(dossier))
            transaction.abort()
            with self.assertRaises((Unauthorized, HeldError)):
                api.content.move(source=dossier, target=self.portal.dossiers[OTHER_AGENCY])
            with self.assertRaises(HeldError):
                notify(ObjectWillBeMovedEvent(dossier, dossier.aq_parent, dossier.getId(),
                                              self.portal.dossiers[OTHER_AGENCY], dossier.getId()))
            transaction.abort()

        # Release needs the permission too.
        self.assertEqual(self.call("DELETE", url + "/@legal-hold", "leader").status_code, 401)
        self.assertEqual(self.call("DELETE", url + "/@legal-hold", "specialist").status_code, 401)
        released = self.call("DELETE", url + "/@legal-hold", "archivist", json={"reason": "Đã xét xử xong"})
        self.assertEqual(released.status_code, 204, released.text)
        self.assertEqual(self.call("PATCH", url, "admin", json={"notes": "sau khi giải tỏa"}).status_code, 204)
        self.assertEqual(actions(self.portal, uid).count("legal_hold_set"), 1)
        self.assertEqual(actions(self.portal, uid).count("legal_hold_released"), 1)

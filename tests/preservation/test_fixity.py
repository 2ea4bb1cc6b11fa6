"""Fixity: a clean check records a successful PREMIS event; a changed byte, a missing or an
unrecorded file raises the alert (journal, mail to the archivists, mark on the item)."""
from archive.audit.journal import journal
from archive.preservation import fixity
from archive.preservation import store
from archive.preservation.building import build_aip
from helpers import ProvinceTestCase
from plone import api
from preservation_builders import make_dossier
from preservation_builders import rewrite_zip
from Products.CMFPlone.tests.utils import MockMailHost
from Products.MailHost.interfaces import IMailHost


def rewrite_blob(record, change):
    """Rewrite the AIP's blob with ``change(name, bytes)``; ``change(None, None)`` gives a member to add."""
    with record.blob.open("r") as stream:
        data = stream.read()
    with record.blob.open("w") as stream:
        stream.write(rewrite_zip(data, change, extra=change(None, None)))


class TestFixity(ProvinceTestCase):

    def setUp(self):
        super().setUp()
        self.portal._original_MailHost = self.portal.MailHost
        self.portal.MailHost = mailhost = MockMailHost("MailHost")
        sm = self.portal.getSiteManager()
        sm.unregisterUtility(provided=IMailHost)
        sm.registerUtility(mailhost, provided=IMailHost)
        api.portal.set_registry_record("plone.email_from_address", "archive@example.org")
        api.portal.set_registry_record("plone.email_from_name", "Archive")
        self.mailhost = mailhost
        self.dossier = make_dossier(self.portal, files=2)
        self.record = build_aip(self.dossier)

    def alerts(self):
        return [e for e in journal(self.portal).values() if e["action"] == "package.fixity_failed"]

    def test_a_clean_package_passes_with_a_premis_event(self):
        checked, failures = fixity.check_all()
        self.assertEqual((checked, failures), (1, []))
        event = self.record.events[-1]
        self.assertEqual((event["type"], event["outcome"]), ("fixity check", "success"))
        self.assertEqual(self.record.state, store.STORED)
        self.assertEqual(self.alerts(), [])
        self.assertEqual(self.mailhost.messages, [])

    def test_a_changed_byte_raises_the_alert(self):
        rewrite_blob(self.record, lambda n, b: (b[:-1] + bytes([b[-1] ^ 1])) if n and n.endswith("thanh-phan-1.pdf")
                     else None if n is None else b)
        _checked, failures = fixity.check_all()
        self.assertEqual(len(failures), 1)
        self.assertEqual([(i["kind"], i["file"].rsplit("/", 1)[-1]) for i in failures[0]["incidents"]],
                         [("changed", "thanh-phan-1.pdf")])
        self.assertEqual(self.record.state, store.DAMAGED)
        self.assertEqual(self.record.events[-1]["outcome"], "failure")
        self.assertEqual(len(self.alerts()), 1)
        self.assertEqual(fixity.alert_of(self.dossier)["package"], self.record.objid)
        self.assertEqual(len(self.mailhost.messages), 1)  # the agency's archivist (the only one with mail)
        message = self.mailhost.messages[0].decode("utf-8", "replace")
        self.assertIn("archivist@example.org", message)
        self.assertIn(self.record.objid, message)

    def test_missing_and_unrecorded_files_are_incidents(self):
        rewrite_blob(self.record, lambda n, b: ((f"{self.record.objid}/representations/rep1/data/extra.bin", b"x")
                                                if n is None else None if n.endswith("thanh-phan-2.pdf") else b))
        _checked, failures = fixity.check_all()
        kinds = sorted((i["kind"], i["file"].rsplit("/", 1)[-1]) for i in failures[0]["incidents"])
        self.assertEqual(kinds, [("missing", "thanh-phan-2.pdf"), ("unrecorded", "extra.bin")])

    def test_a_changed_stored_file_of_the_item_is_an_incident(self):
        component = self.dossier["component-1"]
        with component.file.open("w") as stream:  # a byte of the stored file changes
            stream.write(b"%PDF-1.4\nchanged")
        _checked, failures = fixity.check_all()
        self.assertEqual([(i["kind"], i["file"]) for i in failures[0]["incidents"]],
                         [("changed", "/".join(component.getPhysicalPath()))])

    def test_a_record_without_kept_blobs_finds_the_files_through_their_objects(self):
        self.record.sources = tuple({"path": s["path"], "sha256": s["sha256"]} for s in self.record.sources)
        self.assertEqual(fixity.check_all(), (1, []))
        changed, gone = self.dossier["component-1"], self.dossier["component-2"]
        with changed.file.open("w") as stream:
            stream.write(b"%PDF-1.4\nchanged")
        gone_path = "/".join(gone.getPhysicalPath())
        self.dossier._delObject("component-2", suppress_events=True)
        _checked, failures = fixity.check_all()
        self.assertEqual(sorted((i["kind"], i["file"]) for i in failures[0]["incidents"]),
                         [("changed", "/".join(changed.getPhysicalPath())), ("missing", gone_path)])

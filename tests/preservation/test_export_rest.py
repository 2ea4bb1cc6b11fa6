"""@sip hands out a valid SIP of a readable item over HTTP; anyone else gets 403, journaled."""
import io
import tempfile
import zipfile
import hashlib

import transaction
from archive.audit.journal import journal
from archive.preservation.building import build_aip
from helpers import RestTestCase
from judge import validate
from plone import api
from preservation_builders import make_dossier


class TestSipExport(RestTestCase):

    def setUp(self):
        super().setUp()
        self.dossier = make_dossier(self.portal, files=2)
        transaction.commit()
        self.path = self.dossier.absolute_url()

    def test_an_officer_of_the_agency_exports_a_valid_sip(self):
        answer = self.call("GET", f"{self.path}/@sip", user="archivist")
        self.assertEqual(answer.status_code, 200, answer.text[:500])
        self.assertEqual(answer.headers["Content-Type"], "application/zip")
        self.assertEqual(answer.headers["X-Package-SHA256"], hashlib.sha256(answer.content).hexdigest())
        objid = answer.headers["X-Package-Id"]
        names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
        self.assertIn(f"{objid}/METS.xml", names)
        with tempfile.NamedTemporaryFile(suffix=".zip") as stream:
            stream.write(answer.content)
            stream.flush()
            verdict = validate(stream.name)
        self.assertTrue(verdict.valid, verdict)
        transaction.begin()
        actions = [(e["action"], e["actor"]) for e in journal(self.portal).values() if e["uid"] == self.dossier.UID()]
        self.assertIn(("package.exported", "archivist"), actions)

    def test_export_by_a_user_who_may_not_read_is_refused_and_journaled(self):
        for user in ("other_reception", "citizen"):
            answer = self.call("GET", f"{self.path}/@sip", user=user)
            self.assertEqual(answer.status_code, 403, answer.text[:300])
            self.assertNotEqual(answer.headers.get("Content-Type"), "application/zip")
        transaction.begin()
        refused = [e["actor"] for e in journal(self.portal).values()
                   if e["uid"] == self.dossier.UID() and e["action"] == "package.export_refused"]
        self.assertEqual(sorted(refused), ["citizen", "other_reception"])

    def test_archival_package_lists_state_files_and_events(self):
        with api.env.adopt_roles(["Manager"]):
            record = build_aip(self.dossier)
        transaction.commit()
        answer = self.call("GET", f"{self.path}/@archival-package", user="archivist")
        self.assertEqual(answer.status_code, 200, answer.text[:300])
        body = answer.json()
        self.assertEqual(body["items_total"], 1)
        item = body["items"][0]
        self.assertEqual(item["objid"], record.objid)
        self.assertEqual(item["state"], "stored")
        self.assertEqual(len([f for f in item["files"] if f["use"] == "data"]), 2)
        self.assertIn("ingestion", [e["type"] for e in item["events"]])
        self.assertEqual(self.call("GET", f"{self.path}/@archival-package", user="citizen").status_code, 401)

"""`archive package export|import` over the real WSGI server: an exported SIP imports;
a wrong checksum, a file missing from METS or a METS entry without its file is refused
naming the file, and nothing is stored."""
import io
import os
import subprocess
import sys
import tempfile
import zipfile

import requests
import transaction
from archive.preservation import store
from helpers import RestTestCase
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from judge import create_sip
from preservation_builders import make_dossier
from preservation_builders import rewrite_zip

ARCHIVE = os.path.join(os.path.dirname(sys.executable), "archive")


class TestPackageCommands(RestTestCase):

    def setUp(self):
        super().setUp()
        self.dossier = make_dossier(self.portal, files=2)
        transaction.commit()
        self.tmp = tempfile.mkdtemp(prefix="archive-packages-")

    def run_cli(self, *args, user=None):
        auth = f"{user}:secret-password-1" if user else f"{SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}"
        env = {**os.environ, "ARCHIVE_SITE_URL": self.url, "ARCHIVE_SERVICE_AUTH": auth}
        return subprocess.run([ARCHIVE, "package", *args], capture_output=True, text=True, env=env, timeout=300)

    def stored(self):
        transaction.begin()
        return {record.objid for record in store.all_packages(self.portal)}

    def exported(self):
        out = os.path.join(self.tmp, "sip.zip")
        path = "/".join(self.dossier.getPhysicalPath()[2:])
        done = self.run_cli("export", path, out, user="archivist")
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(out, "rb") as stream:
            return stream.read()

    def refused(self, data, name):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as stream:
            stream.write(data)
        before = self.stored()
        done = self.run_cli("import", path)
        self.assertEqual(done.returncode, 1, done.stdout)
        self.assertEqual(self.stored(), before)
        return done.stderr

    def test_export_then_import(self):
        data = self.exported()
        objid = zipfile.ZipFile(io.BytesIO(data)).namelist()[0].split("/")[0]
        path = os.path.join(self.tmp, "in.zip")
        with open(path, "wb") as stream:
            stream.write(data)
        done = self.run_cli("import", path)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(objid, self.stored())
        listing = self.call("GET", "/@archival-packages", user="admin").json()
        self.assertIn(objid, [item["objid"] for item in listing["items"]])
        again = self.run_cli("import", path)
        self.assertEqual(again.returncode, 1)
        self.assertIn("already stored", again.stderr)

    def test_export_by_uid(self):
        out = os.path.join(self.tmp, "by-uid.zip")
        done = self.run_cli("export", self.dossier.UID(), out, user="archivist")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(zipfile.is_zipfile(out))

    def test_export_refused_to_a_user_who_may_not_read(self):
        out = os.path.join(self.tmp, "no.zip")
        done = self.run_cli("export", "/".join(self.dossier.getPhysicalPath()[2:]), out, user="other_reception")
        self.assertEqual(done.returncode, 1)
        self.assertIn("403", done.stderr)
        self.assertFalse(os.path.exists(out))

    def test_bad_packages_are_refused_naming_the_file(self):
        data = self.exported()
        data_file = next(n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.endswith("thanh-phan-1.pdf"))
        root = data_file.split("/")[0]
        changed = rewrite_zip(data, lambda n, b: b + b"x" if n == data_file else b)
        self.assertIn("representations/rep1/data/thanh-phan-1.pdf", self.refused(changed, "changed.zip"))
        same_size = rewrite_zip(data, lambda n, b: b[:-1] + bytes([b[-1] ^ 1]) if n == data_file else b)
        message = self.refused(same_size, "flipped.zip")
        self.assertIn("thanh-phan-1.pdf: wrong checksum", message)
        without = rewrite_zip(data, lambda n, b: None if n == data_file else b)
        message = self.refused(without, "without.zip")
        self.assertIn("thanh-phan-1.pdf: named in METS but missing from the package", message)
        extra = rewrite_zip(data, lambda n, b: b, extra=(f"{root}/representations/rep1/data/extra.txt", b"extra"))
        message = self.refused(extra, "extra.zip")
        self.assertIn("representations/rep1/data/extra.txt: in the package but missing from METS", message)
        no_objid = rewrite_zip(data, lambda n, b: b.replace(f' OBJID="{root}"'.encode(), b"", 1)
                           if n == f"{root}/METS.xml" else b)
        self.assertIn("OBJID", self.refused(no_objid, "no-objid.zip"))
        self.assertIn("not a ZIP", self.refused(b"PK nothing", "broken.zip"))

    def test_a_sip_made_by_commons_ip2_imports(self):
        source = os.path.join(self.tmp, "scan.txt")
        with open(source, "wb") as stream:
            stream.write("Biên bản bàn giao".encode())
        path = create_sip("other-system-1", [source], self.tmp)
        done = self.run_cli("import", path)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("other-system-1", self.stored())
        transaction.begin()
        record = store.get("other-system-1", self.portal)
        self.assertIn("representations/rep1/data/scan.txt", [entry["path"] for entry in record.entries])
        self.assertEqual([event["type"] for event in record.events],
                         ["message digest calculation", "validation", "ingestion"])

    def test_import_needs_the_permission(self):
        data = self.exported()
        answer = requests.post(f"{self.url}/@package-import", data=data, auth=("reception", "secret-password-1"),
                               headers={"Accept": "application/json", "Content-Type": "application/octet-stream"},
                               timeout=60)
        self.assertIn(answer.status_code, (401, 403))
        self.assertEqual(self.stored(), set())

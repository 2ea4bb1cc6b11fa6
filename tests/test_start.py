"""`make start` again on an instance it made before: the site's data is reused, the admin gets
the password given this time, and the archive's profile is brought up to date."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from site_process import BIN  # noqa: E402
from site_process import SiteProcess  # noqa: E402

# Run inside the instance: the site as an instance made before profile 1001 left it.
AT_1000 = """
import transaction
app = globals()["app"]
app.Plone.portal_setup.setLastVersionForProfile("archive:default", "1000")
transaction.commit()
"""


class TestStartAgain(unittest.TestCase):

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="archive-start-")
        self.addCleanup(shutil.rmtree, self.home, ignore_errors=True)
        self.site = SiteProcess(self.home, dict(os.environ), "first-password")
        self.addCleanup(self.site.stop)

    def create(self, password):
        self.site.admin_password = password
        process = self.site.create()
        output = process.communicate(timeout=600)[0].decode("utf-8", "replace")
        self.assertEqual(process.returncode, 0, output[-3000:])
        return output

    def test_second_start_reuses_the_site_sets_the_password_and_upgrades(self):
        self.assertIn("Created site Plone", self.create("first-password"))
        script = os.path.join(self.home, "at_1000.py")
        with open(script, "w") as fh:
            fh.write(AT_1000)
        subprocess.run([os.path.join(BIN, "zconsole"), "run", os.path.join(self.home, "etc", "zope.conf"), script],
                       check=True, capture_output=True, timeout=300)

        again = self.create("second-password")
        self.assertIn("Site Plone exists: reusing its data, the archive's profile upgraded to 1002", again)
        self.assertIn("Site Plone exists: reusing its data\n", self.create("second-password"))

        self.site.start()
        me = requests.get(self.site.url + "/@users/admin", auth=("admin", "second-password"),
                          headers={"Accept": "application/json"}, timeout=60)
        self.assertEqual(me.status_code, 200, me.text[:300])
        old = requests.get(self.site.url + "/@users/admin", auth=("admin", "first-password"),
                           headers={"Accept": "application/json"}, timeout=60)
        self.assertEqual(old.status_code, 401)

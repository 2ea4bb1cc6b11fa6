"""The archivist's pages over HTTP: an item's packages (with the red fixity mark), the
overview of stored packages, and the printable transfer list of exported SIPs."""
import transaction
from archive.preservation import fixity
from archive.preservation import store
from archive.preservation.building import build_aip
from helpers import PASSWORD
from helpers import RestTestCase
from plone import api
from preservation_builders import make_dossier


class TestPreservationPages(RestTestCase):

    def setUp(self):
        super().setUp()
        self.dossier = make_dossier(self.portal, files=1)
        with api.env.adopt_roles(["Manager"]):
            self.record = build_aip(self.dossier)
            if api.user.get(username="province_archivist") is None:
                api.user.create(email="pa@example.org", username="province_archivist", password=PASSWORD)
            api.group.add_user(groupname="archive-archivists", username="province_archivist")
        transaction.commit()

    def page(self, path, user):
        return self.call("GET", path, user=user, headers_html=True)

    def call(self, method, path, user=None, headers_html=False, **kwargs):
        if not headers_html:
            return super().call(method, path, user=user, **kwargs)
        import requests
        return requests.request(method, path if path.startswith("http") else self.url + path,
                                auth=(user, PASSWORD), headers={"Accept": "text/html"}, timeout=30)

    def test_item_page_shows_files_events_and_the_fixity_mark(self):
        url = f"{self.dossier.absolute_url()}/@@archival-package"
        html = self.page(url, "archivist").text
        self.assertIn(self.record.objid, html[-20000:], "package id not on the page")
        self.assertIn("thanh-phan-1.pdf", html)
        self.assertIn("ingestion", html)
        self.assertNotIn('id="fixity-alert"', html)
        with self.dossier["component-1"].file.open("w") as stream:  # a byte of the stored file changes
            stream.write(b"%PDF-1.4\nchanged")
        with api.env.adopt_roles(["Manager"]):
            fixity.check_all()
        transaction.commit()
        html = self.page(url, "archivist").text
        self.assertIn('id="fixity-alert"', html)
        self.assertIn("table-danger", html)
        overview = self.page("/@@archive-packages", "province_archivist")
        self.assertEqual(overview.status_code, 200)
        self.assertTrue(self.record.objid in overview.text, "package not on the overview")
        self.assertIn(store.DAMAGED, overview.text)
        refused = self.page("/@@archive-packages", "reception")
        self.assertNotIn(self.record.objid, refused.text)
        self.assertIn("template-insufficient-privileges", refused.text)

    def test_transfer_list_lists_exported_sips(self):
        answer = super().call("GET", f"{self.dossier.absolute_url()}/@sip", user="archivist")
        self.assertEqual(answer.status_code, 200)
        html = self.page("/@@transfer-list", "province_archivist").text
        self.assertTrue(answer.headers["X-Package-Id"] in html, "exported package not on the transfer list")
        self.assertIn(answer.headers["X-Package-SHA256"], html)
        html = self.page("/@@transfer-list?start=2000-01-01&end=2000-12-31", "province_archivist").text
        self.assertNotIn(answer.headers["X-Package-Id"], html)
        self.assertEqual(self.page("/@@transfer-list?start=yesterday", "province_archivist").status_code, 400)

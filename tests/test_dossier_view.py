"""The dossier page shows a records officer the status, dates, components and history."""
import unittest
from datetime import timedelta

import requests
import transaction
from archive.content import clock
from archive.content.intake import receive_dossier
from archive.pdf import simple_pdf
from archive.testing import ARCHIVE_FUNCTIONAL_TESTING
from plone import api

from helpers import AGENCY
from helpers import PASSWORD
from helpers import build_province
from helpers import dossier_fields


class TestDossierPage(unittest.TestCase):
    layer = ARCHIVE_FUNCTIONAL_TESTING

    def setUp(self):
        portal = self.layer["portal"]
        build_province(portal, commit=False)
        api.portal.set_registry_record("plone.available_languages", ["vi", "en"])
        api.portal.set_registry_record("plone.default_language", "vi")
        api.portal.set_registry_record("plone.use_request_negotiation", True)
        self.pdf = simple_pdf("Don de nghi cap phep")
        with api.env.adopt_user(username="reception"):
            # Received 40 days ago: its 10 working days are long past.
            dossier = receive_dossier(
                portal.dossiers[AGENCY],
                components=[{"title": "Đơn đề nghị cấp phép", "filename": "don.pdf", "data": self.pdf},
                            {"title": "Bản vẽ", "filename": "ban-ve.pdf", "data": self.pdf, "kind": "copy",
                             "digitised": True}],
                **dossier_fields(received=clock.now() - timedelta(days=40)))
            api.content.transition(dossier, transition="start_processing")
        with api.env.adopt_user(username="specialist"):
            api.content.transition(dossier, transition="request_supplement", comment="Thiếu bản vẽ mặt bằng")
        self.sha256 = dossier["component-1"].sha256
        transaction.commit()
        self.page_url = f"http://{self.layer['host']}:{self.layer['port']}/plone/dossiers/{AGENCY}/{dossier.getId()}"

    def get(self, url, user="reception", language="vi"):
        return requests.get(url, auth=(user, PASSWORD), headers={"Accept-Language": language}, timeout=30)

    def test_page_in_vietnamese(self):
        page = self.get(self.page_url)
        self.assertEqual(page.status_code, 200)
        html = page.text
        self.assertIn("Thành phần hồ sơ", html)
        self.assertIn("Quá hạn", html)  # overdue badge
        self.assertIn("Đơn đề nghị cấp phép", html)
        self.assertIn(self.sha256, html)
        self.assertIn("Thiếu bản vẽ mặt bằng", html)  # the supplement request and its reason
        self.assertIn("Lịch sử xử lý", html)
        self.assertIn("mã trạng thái cổng quốc gia", html)

    def test_page_in_english_and_download(self):
        html = self.get(self.page_url, language="en").text
        self.assertIn("Components", html)
        self.assertIn("Overdue", html)
        download = self.get(self.page_url + "/component-1/@@download/file")
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download.content, self.pdf)

    def test_other_agency_cannot_open_it(self):
        # Plone answers with its login / insufficient-privileges page: nothing of the dossier.
        page = self.get(self.page_url, user="other_reception")
        self.assertNotIn("Nguyễn Văn An", page.text)
        self.assertNotIn(self.sha256, page.text)
        self.assertNotIn("Thành phần hồ sơ", page.text)
        download = self.get(self.page_url + "/component-1/@@download/file", user="other_reception")
        self.assertNotEqual(download.content, self.pdf)

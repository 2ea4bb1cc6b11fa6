"""Plone's own search box leads to the archive's search page, restricted to what the user may see."""
import unittest

import requests
import transaction
from archive.content.intake import receive_dossier
from archive.testing import ARCHIVE_FUNCTIONAL_TESTING
from plone import api

from helpers import AGENCY
from helpers import PASSWORD
from helpers import build_province
from helpers import dossier_fields


class TestSiteSearchBox(unittest.TestCase):
    layer = ARCHIVE_FUNCTIONAL_TESTING

    def setUp(self):
        portal = self.layer["portal"]
        build_province(portal, commit=False)
        with api.env.adopt_user(username="reception"):
            self.dossier = receive_dossier(portal.dossiers[AGENCY], **dossier_fields(applicant_name="Trần Thị Bích"))
        transaction.commit()
        self.site_url = f"http://{self.layer['host']}:{self.layer['port']}/plone"

    def search(self, user, text):
        return requests.get(f"{self.site_url}/@@search", params={"SearchableText": text},
                            auth=(user, PASSWORD), timeout=30)

    def test_search_box_answers_on_the_archive_search_page(self):
        page = self.search("reception", "Bích")
        self.assertEqual(page.status_code, 200)
        self.assertIn("/@@archive-search?SearchableText=B", page.url)
        self.assertIn(self.dossier.dossier_code, page.text)

    def test_other_agency_finds_nothing(self):
        page = self.search("other_reception", "Bích")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(self.dossier.dossier_code, page.text)

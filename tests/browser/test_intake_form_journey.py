"""The demo reception officer receives a dossier through the intake form in a real browser:
the procedure picked by typing part of its name, two files uploaded, the due date seen before
saving, then the dossier page with its receipt. Screenshot: docs/screenshots/intake.png."""
import os
import re
import sys
import unittest

import pytest
import transaction
from archive.pdf import simple_pdf
from archive.testing import ARCHIVE_FUNCTIONAL_TESTING
from plone import api

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import add_demo_officers  # noqa: E402
from helpers import AGENCY  # noqa: E402
from helpers import build_province  # noqa: E402
from helpers import PROCEDURE  # noqa: E402

APPLICANT = "Lê Thị Minh Châu"
REQUIRED = ["Đơn đề nghị", "Bản vẽ thiết kế", "Giấy tờ về quyền sử dụng đất"]


@pytest.mark.usefixtures("officer")
class TestIntakeJourney(unittest.TestCase):
    layer = ARCHIVE_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        build_province(self.portal, commit=False)
        api.portal.set_registry_record("plone.available_languages", ["vi", "en"])
        api.portal.set_registry_record("plone.default_language", "vi")
        # The demo's reception officer and specialist, with the password the browser fixture logs in with.
        add_demo_officers((("tiepnhan", "reception"), ("chuyenvien", "specialists")))
        with api.env.adopt_roles(["Manager"]):
            procedure = self.portal.procedures[PROCEDURE]
            procedure.required_components = REQUIRED
            procedure.fee = 150000
        transaction.commit()

    def test_receive_with_two_files(self):
        page = self.open_as("tiepnhan")
        page.goto(self.site_url)
        page.click("a.desk-intake")
        page.wait_for_selector("#intake-form")

        page.fill("#intake-procedure-search", "phép xây")
        page.click(f"#intake-procedure-results .intake-procedure[data-code='{PROCEDURE}']")
        rows = page.locator("#intake-component-rows tr")
        rows.nth(2).wait_for()
        self.assertEqual(rows.nth(0).locator("input[type=text]").input_value(), REQUIRED[0])
        self.assertIn("150.000", page.inner_text("#intake-fee"))
        page.wait_for_function("document.getElementById('intake-due').textContent.match(/\\d\\d\\/\\d\\d\\/\\d{4}/)")
        due = page.inner_text("#intake-due")

        page.fill("#intake-applicant_id", "040199004321")
        page.fill("#intake-applicant_name", APPLICANT)
        page.fill("#intake-applicant_address", "Số 12, đường Trần Phú, phường Trường Thi, tỉnh Nghệ An")
        for number, name in ((0, "don-de-nghi.pdf"), (1, "ban-ve.pdf")):
            rows.nth(number).locator("input[type=file]").set_input_files(
                files=[{"name": name, "mimeType": "application/pdf", "buffer": simple_pdf(name)}])
        page.select_option("#intake-assignee", "chuyenvien")
        self.screenshot(page, "intake")
        page.click("#intake-submit")

        page.wait_for_selector("#slip-receipt")
        code = page.url.rstrip("/").rsplit("/", 1)[-1]
        self.assertTrue(re.match(re.escape(AGENCY) + r"-\d{6}-\d{4}$", code), page.url)
        transaction.begin()
        dossier = self.portal.dossiers[AGENCY][code]
        self.assertEqual(dossier.applicant_name, APPLICANT)
        self.assertEqual(dossier.assignee, "chuyenvien")
        self.assertIn(dossier.due.strftime("%d/%m/%Y"), due)  # the minute may have turned since
        self.assertEqual(sorted(c.file.filename for c in dossier.objectValues()), ["ban-ve.pdf", "don-de-nghi.pdf"])

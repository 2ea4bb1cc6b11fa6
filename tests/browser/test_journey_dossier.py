"""A dossier's journey through the one-stop desk in a real browser, as the officers do it:
intake with two uploaded components, the printed receipt (its PDF text holds the code, the
applicant and the due date), hand-over, a supplement request with its reason and missing
components, the leader's approval, and the return of the issued result; then the citizen's
status page reached through the receipt's QR code.

The result itself is drafted, signed and issued through the results' own workflow outside
this journey (in the test process); the desk's guards are what is shown here: return is
refused, and says why, until the result is issued.
"""
import os
import subprocess
import sys
import unittest
from datetime import date

import pytest
import transaction
from archive.content import clock
from archive.content.results import create_result
from archive.pdf import simple_pdf
from archive.testing import ARCHIVE_FUNCTIONAL_TESTING
from plone import api
from plone.namedfile.file import NamedBlobFile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import add_demo_officers  # noqa: E402
from helpers import AGENCY  # noqa: E402
from helpers import build_province  # noqa: E402
from helpers import PROCEDURE  # noqa: E402
from helpers import speak_vietnamese  # noqa: E402
from test_desk_slips import pdf_text  # noqa: E402
from test_desk_slips import qr_codes  # noqa: E402

APPLICANT = "Phạm Thị Hồng Nhung"


@pytest.mark.usefixtures("officer")
class TestDossierJourney(unittest.TestCase):
    layer = ARCHIVE_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        build_province(self.portal, commit=False)
        speak_vietnamese()
        # The officers of the demo, with the demo password the browser fixture logs in with.
        add_demo_officers((("tiepnhan", "reception"), ("chuyenvien", "specialists"), ("lanhdao", "leaders")))
        self.procedure = self.portal.procedures[PROCEDURE]
        with api.env.adopt_roles(["Manager"]):
            self.procedure.required_components = ["Đơn đề nghị", "Bản vẽ thiết kế", "Giấy tờ về quyền sử dụng đất"]
        transaction.commit()
        self.files = []
        for name in ("don-de-nghi.pdf", "ban-ve.pdf"):
            path = os.path.join(self.tmp(), name)
            with open(path, "wb") as out:
                out.write(simple_pdf(name, APPLICANT))
            self.files.append(path)

    def tmp(self):
        import tempfile

        folder = tempfile.mkdtemp(prefix="journey-")
        self.addCleanup(subprocess.run, ["rm", "-rf", folder])
        return folder

    def dossier(self, code):
        transaction.begin()
        brains = api.portal.get_tool("portal_catalog").unrestrictedSearchResults(portal_type="Dossier", dossier_code=code)
        return brains[0]._unrestrictedGetObject()

    def fire(self, page, transition, comment=None, missing=()):
        page.click(f"#action-{transition}")
        page.wait_for_selector("#transition-form")
        for item in missing:
            page.check(f"#transition-missing input[value='{item}']")
        if comment is not None:
            page.fill("#transition-comment", comment)
        page.click("#transition-submit")
        page.wait_for_load_state("load")

    def test_intake_receipt_supplement_approval_return(self):
        # Reception: intake through the add form, then the two components.
        page = self.open_as("tiepnhan")
        page.goto(f"{self.site_url}/dossiers/{AGENCY}/++add++Dossier")
        page.fill("#form-widgets-procedure_code", self.procedure.procedure_code)
        page.fill("#form-widgets-applicant_name", APPLICANT)
        page.fill("#form-widgets-applicant_id", "040301007777")
        page.fill("#form-widgets-applicant_address", "Số 12, đường Nguyễn Du, thành phố Vinh")
        page.click("#form-buttons-save")
        page.wait_for_selector("#dossier-fields")
        code = page.inner_text("#dossier-fields dd >> nth=0").strip()
        dossier_url = page.url.split("?")[0].rstrip("/")
        if dossier_url.endswith("/view"):
            dossier_url = dossier_url[:-5]
        for title, path, kind in (("Đơn đề nghị", self.files[0], "original"), ("Bản vẽ thiết kế", self.files[1], "copy")):
            page.goto(f"{dossier_url}/++add++DossierComponent")
            page.fill("#form-widgets-title", title)
            page.select_option("#form-widgets-kind", kind)
            page.set_input_files("input[type=file][name='form.widgets.file']", path)
            page.click("#form-buttons-save")
            page.wait_for_load_state("load")
        page.goto(dossier_url)
        self.assertEqual(page.locator("#dossier-components tbody tr").count(), 2)

        # The printed receipt.
        receipt = page.request.get(page.get_attribute("#slip-receipt", "href"))
        self.assertEqual(receipt.headers["content-type"], "application/pdf")
        text = pdf_text(receipt.body())
        dossier = self.dossier(code)
        due = clock.to_local_naive(dossier.due)
        self.assertIn(code, text)
        self.assertIn(APPLICANT, text)
        self.assertIn(f"{due:%H} giờ {due:%M} phút, ngày {due:%d/%m/%Y}", text)
        self.assertIn("Bản vẽ thiết kế", text)
        status_url = qr_codes(receipt.body())[0]
        self.screenshot(page, "dossier-received")

        self.fire(page, "start_processing")
        self.assertIn("Đang xử lý", page.inner_text("#dossier-state"))

        # The specialist asks for a supplement, with its reason and what is missing.
        page = self.open_as("chuyenvien")
        page.goto(dossier_url)
        missing = self.procedure.required_components[2]
        self.fire(page, "request_supplement", comment="Bản vẽ chưa có chữ ký của chủ đầu tư", missing=[missing])
        self.assertIn("Yêu cầu bổ sung", page.inner_text("#dossier-state"))
        self.assertIn(missing, page.inner_text("#dossier-supplements"))
        self.assertIn("Bản vẽ chưa có chữ ký của chủ đầu tư", page.inner_text("#dossier-history"))
        supplement = pdf_text(page.request.get(page.get_attribute("#slip-supplement", "href")).body())
        self.assertIn(missing, supplement)

        page = self.open_as("tiepnhan")
        page.goto(dossier_url)
        self.fire(page, "resume", comment="Công dân đã nộp bổ sung")

        # The specialist's result, drafted; the leader approves.
        transaction.begin()  # see what the server committed
        with api.env.adopt_roles(["Manager"]):
            result = create_result(self.portal.results[AGENCY], dossier_code=code, number_notation="77/GP-SXD",
                                   result_type=self.procedure.result_type, signer="Lê Văn Lãnh", issue_date=date.today(),
                                   file=NamedBlobFile(simple_pdf("Giấy phép"), filename="gp.pdf",
                                                      contentType="application/pdf"))
        transaction.commit()
        page = self.open_as("lanhdao")
        page.goto(dossier_url)
        self.fire(page, "finish", comment="Đồng ý cấp phép")
        self.assertIn("Đã giải quyết xong", page.inner_text("#dossier-state"))

        # Reception may not return a result that is not issued: the form says so.
        page = self.open_as("tiepnhan")
        page.goto(dossier_url)
        page.click("#action-return_result")
        self.assertIn("Kết quả chưa được ban hành", page.inner_text("#transition-precondition"))
        page.click("#transition-submit")
        self.assertIn("Kết quả chưa được ban hành", page.inner_text("#transition-error"))
        self.assertEqual(api.content.get_state(self.dossier(code)), "finished")

        workflow = api.portal.get_tool("portal_workflow")
        transaction.begin()
        result = self.portal.results[AGENCY][result.getId()]
        for transition, user in (("sign", "lanhdao"), ("issue", "tiepnhan")):
            with api.env.adopt_user(username=user):
                workflow.doActionFor(result, transition)
        transaction.commit()
        page.goto(dossier_url)
        self.fire(page, "return_result", comment="Đã trả kết quả tại quầy")
        self.assertEqual(api.content.get_state(self.dossier(code)), "returned")
        history = page.inner_text("#dossier-history")
        for actor in ("tiepnhan", "chuyenvien", "lanhdao"):
            self.assertIn(actor, history)
        self.screenshot(page, "dossier-returned")

        # The citizen scans the receipt's QR code.
        citizen = self.open_as(None)
        citizen.goto(status_url)
        self.assertIn("Đã trả kết quả", citizen.inner_text("#status-state"))
        self.assertNotIn(APPLICANT, citizen.content())

"""Dossier transitions are guarded: a returned dossier has an issued result, an approved one a
result, and the law's reasons are given; each refusal says in Vietnamese what is missing."""
import requests
import transaction
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

import translations  # noqa: F401 (compiles the .mo files first)
from helpers import AGENCY
from helpers import dossier_fields
from helpers import PASSWORD
from helpers import RestTestCase
from helpers import speak_vietnamese

RESULT = {"@type": "Result", "number_notation": "12/GP-SXD", "result_type": "Giấy phép xây dựng",
          "signer": "Lê Văn Lãnh", "issue_date": "2026-05-10",
          "file": {"data": "JVBERi0xLjQK", "encoding": "base64", "filename": "gp.pdf", "content-type": "application/pdf"}}


class VietnameseRestTestCase(RestTestCase):
    """REST calls from an officer's client that asks for Vietnamese."""

    def setUp(self):
        super().setUp()
        speak_vietnamese()
        transaction.commit()

    def call(self, method, path, user=None, **kwargs):
        auth = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD) if user == "admin" else (user, PASSWORD) if user else None
        url = path if path.startswith("http") else self.url + path
        headers = {"Accept": "application/json", "Accept-Language": "vi"}
        return requests.request(method, url, auth=auth, headers=headers, timeout=30, **kwargs)


class TestDossierGuards(VietnameseRestTestCase):
    def setUp(self):
        super().setUp()
        created = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields()})
        self.assertEqual(created.status_code, 201, created.text)
        self.dossier = created.json()
        self.url = self.dossier["@id"]

    def fire(self, transition, user, **body):
        return self.call("POST", f"{self.url}/@workflow/{transition}", user, json=body)

    def state(self):
        return self.call("GET", self.url, "leader").json()["review_state"]

    def test_reasons_are_required_where_the_law_wants_them(self):
        refused = self.fire("refuse", "reception")
        self.assertEqual(refused.status_code, 400, refused.text)
        self.assertIn("cần nêu lý do", refused.json()["error"]["message"])
        self.assertEqual(self.state(), "received")
        self.assertEqual(self.fire("withdraw", "reception", comment="  ").status_code, 400)
        self.assertEqual(self.fire("start_processing", "reception").status_code, 200)  # no reason needed

        no_reason = self.fire("request_supplement", "specialist")
        self.assertEqual(no_reason.status_code, 400)
        self.assertIn("thành phần còn thiếu", no_reason.json()["error"]["message"])
        self.assertEqual(self.state(), "processing")
        self.assertEqual(self.fire("stop", "leader").status_code, 400)
        asked = self.fire("request_supplement", "specialist", comment="Thiếu bản vẽ mặt bằng")
        self.assertEqual(asked.status_code, 200, asked.text)
        self.assertEqual(self.state(), "supplement_requested")
        stopped = self.fire("stop", "leader", comment="Quá hạn bổ sung")
        self.assertEqual(stopped.status_code, 200, stopped.text)

    def test_finish_needs_a_result_and_return_an_issued_one(self):
        self.assertEqual(self.fire("start_processing", "reception").status_code, 200)
        no_result = self.fire("finish", "leader")
        self.assertEqual(no_result.status_code, 400, no_result.text)
        self.assertIn("kết quả", no_result.json()["error"]["message"])
        self.assertEqual(self.state(), "processing")

        result = self.call("POST", f"/results/{AGENCY}", "specialist",
                           json={**RESULT, "dossier_code": self.dossier["dossier_code"]}).json()
        self.assertEqual(self.fire("finish", "leader").status_code, 200)  # a draft result may be approved
        draft = self.fire("return_result", "reception")
        self.assertEqual(draft.status_code, 400, draft.text)
        self.assertIn("chưa được ban hành", draft.json()["error"]["message"])
        self.assertEqual(self.state(), "finished")

        self.assertEqual(self.call("POST", result["@id"] + "/@workflow/sign", "leader").status_code, 200)
        signed = self.fire("return_result", "reception")
        self.assertEqual(signed.status_code, 400)  # signed is not yet issued
        self.assertEqual(self.call("POST", result["@id"] + "/@workflow/issue", "reception").status_code, 200)
        returned = self.fire("return_result", "reception")
        self.assertEqual(returned.status_code, 200, returned.text)
        self.assertEqual(self.state(), "returned")

    def test_a_revoked_result_is_no_result(self):
        self.assertEqual(self.fire("start_processing", "reception").status_code, 200)
        result = self.call("POST", f"/results/{AGENCY}", "specialist",
                           json={**RESULT, "dossier_code": self.dossier["dossier_code"]}).json()
        for transition, user, body in (("sign", "leader", {}), ("issue", "reception", {}),
                                       ("revoke", "leader", {"comment": "Cấp sai"})):
            self.assertEqual(self.call("POST", f"{result['@id']}/@workflow/{transition}", user, json=body).status_code, 200)
        self.assertEqual(self.fire("finish", "leader").status_code, 400)

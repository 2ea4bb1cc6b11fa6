"""Where dossiers can be added, over HTTP (issue 15 holes 1 and 2): the web add form on an
agency shard refuses another agency's procedure, and each archive folder takes only its
own types, so no dossier gets a real dossier's code from another folder's sequence."""
import re

import requests

from helpers import AGENCY
from helpers import OTHER_AGENCY
from helpers import PASSWORD
from helpers import RestTestCase
from helpers import dossier_fields


class TestAddForm(RestTestCase):
    def post_form(self, procedure_code):
        session = requests.Session()
        session.auth = ("reception", PASSWORD)
        form = session.get(f"{self.url}/dossiers/{AGENCY}/++add++Dossier", timeout=30)
        self.assertEqual(form.status_code, 200, form.text[:500])
        found = re.search(r'name="_authenticator"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="_authenticator"', form.text)
        self.assertIsNotNone(found, re.findall(r"<input[^>]*hidden[^>]*>", form.text)[:10])
        token = found.group(1) or found.group(2)
        fields = dossier_fields(procedure_code=procedure_code)
        data = {f"form.widgets.{name}": value for name, value in fields.items() if name != "channel"}
        data.update({"form.widgets.channel:list": "desk", "form.widgets.channel-empty-marker": "1",
                     "_authenticator": token, "form.buttons.save": "Save"})
        return session.post(f"{self.url}/dossiers/{AGENCY}/++add++Dossier", data=data, timeout=30,
                            allow_redirects=False)

    def test_add_form_refuses_another_agencys_procedure(self):
        refused = self.post_form("2.000488")
        self.assertEqual(refused.status_code, 200)  # the form again, with the error
        self.assertIn("another agency", refused.text)
        self.assertEqual(self.count("Dossier"), 0)
        stored = self.post_form("1.009972")
        self.assertEqual(stored.status_code, 302, stored.text[:2000])
        self.assertEqual(self.count("Dossier"), 1)


class TestAddableTypes(RestTestCase):
    def test_each_folder_takes_its_own_types(self):
        cases = (
            (f"/results/{AGENCY}", {"@type": "Dossier", **dossier_fields()}),
            ("/dossiers", {"@type": "Dossier", **dossier_fields()}),
            (f"/dossiers/{AGENCY}", {"@type": "Result", "dossier_code": "X", "number_notation": "1/GP",
                                      "result_type": "Giấy phép"}),
            ("/legal-documents", {"@type": "Result", "number_notation": "1/GP", "result_type": "Giấy phép"}),
            ("/legal-documents", {"@type": "Dossier", **dossier_fields()}),
            ("/agencies", {"@type": "Procedure", "procedure_code": "9.999999", "title": "X"}),
        )
        for path, body in cases:
            with self.subTest(path=path, type=body["@type"]):
                answer = self.call("POST", path, "admin", json=body)
                self.assertIn(answer.status_code, (400, 403), answer.text)
        self.assertEqual(self.count("Dossier") + self.count("Result") + self.count("Procedure"), 2)  # the province's
        listing = self.call("GET", f"/dossiers/{AGENCY}/@types", "reception").json()
        self.assertEqual([t["id"] for t in listing if t.get("addable")], ["Dossier"])
        self.assertEqual(self.call("POST", f"/dossiers/{AGENCY}", "admin",
                                   json={"@type": "Dossier", **dossier_fields()}).status_code, 201)
        self.assertEqual(self.call("POST", f"/dossiers/{OTHER_AGENCY}", "admin",
                                   json={"@type": "Dossier", **dossier_fields(procedure_code="2.000488")}).status_code, 201)

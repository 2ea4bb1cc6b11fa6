"""One-request intake over HTTP (POST @intake on an agency shard): a dossier with its
components stored whole or not at all, a bad component answered 400 naming it (issue 13
item 9), and `received` given as a number or in year 9999 answered 400 (item 12)."""
import base64
import hashlib

import requests
import transaction
from archive.content import clock

from helpers import AGENCY
from helpers import PASSWORD
from helpers import RestTestCase
from helpers import dossier_fields

PDF = b"%PDF-1.4\n% don de nghi\n%%EOF\n"
SCAN = b"%PDF-1.4\n% ban ve\n%%EOF\n"


def component(title, content, kind="original", digitised=False, **file_overrides):
    named = {"data": base64.b64encode(content).decode(), "encoding": "base64", "filename": "don.pdf",
             "content-type": "application/pdf"}
    named.update(file_overrides)
    return {"title": title, "kind": kind, "digitised": digitised, "file": named}


class TestOneRequestIntake(RestTestCase):
    def intake(self, components, user="reception", **overrides):
        return self.call("POST", f"/dossiers/{AGENCY}/@intake", user,
                         json={**dossier_fields(**overrides), "components": components})

    def test_dossier_with_components_in_one_request(self):
        answer = self.intake([component("Đơn đề nghị", PDF), component("Bản vẽ", SCAN, kind="copy", digitised=True)])
        self.assertEqual(answer.status_code, 201, answer.text)
        dossier = answer.json()
        self.assertEqual(dossier["dossier_code"], f"{AGENCY}-{clock.now():%y%m%d}-0001")
        self.assertEqual(answer.headers["Location"], dossier["@id"])
        items = {item["title"]: item for item in dossier["items"]}
        self.assertEqual(items["Đơn đề nghị"]["sha256"], hashlib.sha256(PDF).hexdigest())
        self.assertEqual((items["Bản vẽ"]["kind"], items["Bản vẽ"]["digitised"]), ("copy", True))
        download = self.call("GET", items["Bản vẽ"]["download"], "reception")
        self.assertEqual(download.content, SCAN)

    def test_a_bad_component_stores_nothing(self):
        cases = (
            ([component("Đơn", PDF), component("Bản vẽ", SCAN, data="not base64!")], "components[1].file.data"),
            ([component("Đơn", PDF, encoding="uuencode")], "components[0].file.encoding"),
            ([component("Đơn", PDF, kind="forged")], "components[0].kind"),
            ([component("", PDF)], "components[0].title"),
            ([component("Đơn", PDF), {"title": "Không có tệp"}], "components[1].file"),
            ([component("Đơn", b"")], "components[0].file.data"),
        )
        for components, field in cases:
            with self.subTest(field=field):
                answer = self.intake(components)
                self.assertEqual(answer.status_code, 400, answer.text)
                self.assertEqual(answer.json()["error"]["field"], field)
        self.assertEqual(self.count("Dossier"), 0)
        transaction.begin()
        self.assertEqual(len(self.portal.dossiers[AGENCY].objectIds()), 0)
        # Nothing was consumed either: the next intake gets the day's first number.
        answer = self.intake([component("Đơn", PDF)])
        self.assertEqual(answer.json()["dossier_code"], f"{AGENCY}-{clock.now():%y%m%d}-0001")

    def test_bad_fields_name_the_field(self):
        cases = (
            ({"received": 20261208}, "received"),
            ({"received": "9999-12-31T23:59:59+07:00"}, "received"),
            ({"received": "9999-12-31T23:59:59-12:00"}, "received"),
            ({"received": "yesterday"}, "received"),
            ({"applicant_id": "12"}, "applicant_id"),
            ({"procedure_code": "2.000488"}, "procedure_code"),
            ({"id": "index_html"}, "id"),
            ({"colour": "red"}, "colour"),
        )
        for overrides, field in cases:
            with self.subTest(field=field, value=overrides):
                answer = self.intake([component("Đơn", PDF)], **overrides)
                self.assertEqual(answer.status_code, 400, answer.text)
                self.assertEqual(answer.json()["error"]["field"], field)
        # The plain REST add answers the same for `received`.
        for received in (20261208, "9999-12-31T23:59:59+07:00"):
            answer = self.call("POST", f"/dossiers/{AGENCY}", "reception",
                               json={"@type": "Dossier", **dossier_fields(received=received)})
            self.assertEqual(answer.status_code, 400, answer.text)
            self.assertIn("received", answer.text)
        self.assertEqual(self.count("Dossier"), 0)

    def test_malformed_or_foreign_requests(self):
        for body in (b"{not json", b"[1, 2]"):
            answer = requests.post(f"{self.url}/dossiers/{AGENCY}/@intake", data=body, auth=("reception", PASSWORD),
                                   headers={"Accept": "application/json", "Content-Type": "application/json"}, timeout=30)
            self.assertEqual(answer.status_code, 400, answer.text[:300])
            self.assertIn("body", answer.text)
        other = self.intake([component("Đơn", PDF)], user="other_reception")
        self.assertIn(other.status_code, (401, 403))
        self.assertEqual(self.count("Dossier"), 0)

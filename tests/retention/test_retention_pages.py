"""The archivist's pages over real HTTP: the desk lists what is due, the legal-hold form works."""
import re

import transaction
from helpers import RestTestCase
from retention_helpers import at
from retention_helpers import closed_dossier


def authenticator(html):
    """The plone.protect token of the page's form."""
    tag = re.search(r'<input[^>]*name="_authenticator"[^>]*>', html).group(0)
    return re.search(r'value="([0-9a-f]+)"', tag).group(1)


class TestArchivistPages(RestTestCase):
    def test_desk_lists_what_is_due_and_completeness_names_missing_fields(self):
        due = closed_dossier(self.portal, closed_on=at(2010, 1, 3))
        digitised = closed_dossier(self.portal, digitised=True)
        transaction.commit()
        page = self.call("GET", "/@@archivist-desk", "admin")
        self.assertEqual(page.status_code, 200)
        self.assertIn(due.UID(), page.text.split('id="due-disposal"', 1)[1].split('id="disposal-lists"')[0])
        report = self.call("GET", "/@archival-completeness", "admin").json()
        missing = {item["@id"]: item["missing"] for item in report["items"]}
        self.assertEqual(missing[digitised.absolute_url()], ["paper_code"])
        self.assertNotIn(due.absolute_url(), missing)
    def test_completeness_page_and_the_archivists_metadata_form(self):
        digitised = closed_dossier(self.portal, digitised=True)
        transaction.commit()
        page = self.call("GET", "/@@archival-completeness", "admin")
        self.assertEqual(page.status_code, 200)
        self.assertIn(digitised.absolute_url(), page.text)
        self.assertIn("Paper original code", page.text)
        form_url = digitised.absolute_url() + "/@@archival-metadata-edit"
        self.assertEqual(self.call("GET", form_url, "specialist").status_code, 401)
        form = self.call("GET", form_url, "archivist")
        self.assertEqual(form.status_code, 200)
        self.assertIn("form.widgets.archival_paper_code", form.text)
        token = authenticator(form.text)
        saved = self.call("POST", form_url, "archivist", data={"_authenticator": token,
            "form.widgets.archival_paper_code": "HS-GIAY-0042",
            "form.widgets.archival_retention": "20", "form.buttons.apply": "Apply"})
        self.assertEqual(saved.status_code, 200, saved.text[:500])
        shown = self.call("GET", digitised.absolute_url() + "/@archival-metadata", "archivist").json()
        self.assertEqual(shown["metadata"]["paper_code"], "HS-GIAY-0042")
        self.assertEqual(shown["metadata"]["retention"], 20)
        self.assertEqual(shown["missing"], [])

    def test_legal_hold_form_and_its_action(self):
        dossier = closed_dossier(self.portal)
        transaction.commit()
        url = dossier.absolute_url() + "/@@legal-hold"
        self.assertEqual(self.call("GET", url, "leader").status_code, 401)
        actions = self.call("GET", dossier.absolute_url() + "/@actions", "archivist").json()
        self.assertIn("legal-hold", [action["id"] for action in actions["object"]])
        others = self.call("GET", dossier.absolute_url() + "/@actions", "specialist").json()
        self.assertNotIn("legal-hold", [action["id"] for action in others["object"]])
        form = self.call("GET", url, "archivist")
        token = authenticator(form.text)
        empty = self.call("POST", url, "archivist", data={"_authenticator": token, "action": "set", "reason": " "})
        self.assertEqual(empty.status_code, 400)
        held = self.call("POST", url, "archivist", data={"_authenticator": token, "action": "set",
                                                         "reason": "Thanh tra tỉnh yêu cầu"})
        self.assertEqual(held.status_code, 200)
        self.assertIn("Thanh tra tỉnh yêu cầu", held.text)
        self.assertTrue(self.call("GET", dossier.absolute_url() + "/@legal-hold", "archivist").json()["held"])

"""A refused @workflow POST (a role that may not, a state that does not allow it, a transition
that does not exist, a guard that wants a reason) answers 4xx in words and changes nothing:
neither `modified` nor the effective date move."""
import transaction
from plone import api

from helpers import AGENCY
from helpers import RestTestCase
from helpers import dossier_fields



class TestRefusedTransitions(RestTestCase):
    def stamps(self, url):
        """What the server committed: modification time, effective date, state."""
        transaction.begin()
        obj = self.portal.unrestrictedTraverse(url.replace(self.url + "/", ""))
        return {"modified": obj.modified().ISO8601(), "effective": obj.EffectiveDate(),
                "review_state": api.content.get_state(obj), "_p_serial": obj._p_serial}

    def assertRefusedAndUnchanged(self, url, transition, user, body=None):
        before = self.stamps(url)
        answer = self.call("POST", f"{url}/@workflow/{transition}", user, json=body or {})
        self.assertIn(answer.status_code, (400, 401, 403), answer.text)
        self.assertEqual(self.stamps(url), before, (user, transition, answer.text))
        self.assertNotIn("${", answer.text)
        if answer.status_code == 400:
            self.assertTrue(answer.json()["error"]["message"].strip(), answer.text)
        return answer

    def test_refusals_change_nothing(self):
        created = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields()})
        self.assertEqual(created.status_code, 201, created.text)
        url = created.json()["@id"]
        self.assertEqual(self.stamps(url)["effective"], "None")
        cases = (("start_processing", "auditor"),      # an auditor reads, never acts
                 ("finish", "leader"),                 # not from "received"
                 ("start_processing", "specialist"),   # the reception's transition
                 ("no-such-transition", "reception"),
                 ("refuse", "reception"))              # the guard wants a reason
        for transition, user in cases:
            answer = self.assertRefusedAndUnchanged(url, transition, user)
            if transition == "no-such-transition":
                self.assertIn("no-such-transition", answer.json()["error"]["message"])
        # A transition that may happen still does, and stamps the effective date.
        fired = self.call("POST", f"{url}/@workflow/start_processing", "reception")
        self.assertEqual(fired.status_code, 200, fired.text)
        after = self.stamps(url)
        self.assertEqual(after["review_state"], "processing")
        self.assertNotEqual(after["effective"], "None")

    def test_a_refused_result_signature_changes_nothing(self):
        dossier = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields()}).json()
        result = self.call("POST", f"/results/{AGENCY}", "specialist", json={
            "@type": "Result", "dossier_code": dossier["dossier_code"], "number_notation": "12/GP-SXD",
            "result_type": "Giấy phép xây dựng", "signer": "Lê Văn Lãnh", "issue_date": "2026-05-10"})
        self.assertEqual(result.status_code, 201, result.text)
        url = result.json()["@id"]
        self.assertRefusedAndUnchanged(url, "sign", "specialist")  # only a leader signs
        self.assertRefusedAndUnchanged(url, "sign", "auditor")

"""Someone who may not see a record cannot tell it from a missing one: not by its URL (JSON
or HTML, the record itself or a path below it), not through @relations or @linkintegrity."""
from urllib.parse import unquote

import requests
import transaction

from helpers import AGENCY
from helpers import PASSWORD
from helpers import RestTestCase
from helpers import dossier_fields

UNKNOWN_UID = "0123456789abcdef0123456789abcdef"


class TestUnseenIsMissing(RestTestCase):
    def setUp(self):
        super().setUp()
        created = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields()})
        self.assertEqual(created.status_code, 201, created.text)
        self.dossier = created.json()
        self.code = self.dossier["dossier_code"]
        self.existing = self.dossier["@id"]
        self.missing = f"{self.url}/dossiers/{AGENCY}/{AGENCY}-991231-9999"
        transaction.begin()  # see what the server committed
        self.uid = self.portal.unrestrictedTraverse(f"dossiers/{AGENCY}/{self.code}").UID()

    def get(self, url, user, accept):
        auth = (user, PASSWORD) if user else None
        return requests.get(url, auth=auth, headers={"Accept": accept}, allow_redirects=False, timeout=30)

    def assertAlike(self, seen, missing, existing_url, missing_url):
        self.assertEqual(seen.status_code, missing.status_code, (seen.text[:300], missing.text[:300]))
        self.assertEqual(unquote(seen.headers.get("Location", "")).replace(existing_url.split("/plone", 1)[1], "<path>"),
                         unquote(missing.headers.get("Location", "")).replace(missing_url.split("/plone", 1)[1], "<path>"))
        if "json" in seen.headers.get("Content-Type", ""):
            self.assertEqual(seen.text.replace(existing_url, "<url>"), missing.text.replace(missing_url, "<url>"))

    def test_urls_of_unseen_dossiers_answer_as_missing_ones(self):
        for user in (None, "citizen", "other_reception"):
            # Below the record too, for a caller without credentials (see archive.content.unseen).
            paths = ("", "/component-1", "/@workflow/start_processing", "/view", "/@@images/file") if user is None else (
                "", "/component-1", "/@no-such-service", "/@@no-such-view", "/no-such-name/@workflow")
            for below in paths:
                for accept in ("application/json", "text/html"):
                    existing, missing = self.existing + below, self.missing + below
                    seen = self.get(existing, user, accept)
                    self.assertIn(seen.status_code, (302, 401, 404), (user, below, accept))
                    self.assertAlike(seen, self.get(missing, user, accept), existing, missing)
        # Whoever may see the agency's dossiers still tells a typo from a record.
        self.assertEqual(self.get(self.existing, "reception", "application/json").status_code, 200)
        self.assertEqual(self.get(self.missing, "reception", "application/json").status_code, 404)
        self.assertEqual(self.get(self.missing, "reception", "text/html").status_code, 404)
        for below in ("/@no-such-service", "/@@no-such-view", "/no-such-name"):
            self.assertEqual(self.get(self.existing + below, "reception", "application/json").status_code, 404, below)
        self.assertEqual(self.get(self.existing + "/@workflow", "reception", "application/json").status_code, 200)

    def test_relations_say_nothing_of_unseen_items(self):
        self.assertTrue(self.uid)
        path = f"/dossiers/{AGENCY}/{self.code}"
        for user in (None, "citizen", "other_reception"):
            for seen, missing in ((self.uid, UNKNOWN_UID), (path, f"/dossiers/{AGENCY}/{AGENCY}-991231-9999")):
                a = self.call("GET", "/@relations", user, params={"source": seen})
                b = self.call("GET", "/@relations", user, params={"source": missing})
                self.assertEqual((a.status_code, a.text), (b.status_code, b.text), user)
                self.assertNotIn(self.code, a.text)
                c = self.call("GET", "/@relations", user, params={"target": seen})
                self.assertEqual(c.status_code, b.status_code)
            a = self.call("GET", "/@linkintegrity", user, params={"uids": self.uid})
            b = self.call("GET", "/@linkintegrity", user, params={"uids": UNKNOWN_UID})
            self.assertEqual(a.status_code, b.status_code, (user, a.text[:300], b.text[:300]))
            self.assertLess(a.status_code, 500)
            self.assertEqual(a.text.replace(self.uid, "<uid>"), b.text.replace(UNKNOWN_UID, "<uid>"))
            self.assertNotIn(self.code, a.text)
        # The agency's officer gets the answer plone.restapi gives.
        mine = self.call("GET", "/@linkintegrity", "reception", params={"uids": self.uid})
        self.assertEqual(mine.status_code, 200, mine.text)
        self.assertEqual([item["@id"] for item in mine.json()], [self.existing])
        self.assertEqual(self.call("GET", "/@relations", "reception", params={"source": self.uid}).status_code, 200)

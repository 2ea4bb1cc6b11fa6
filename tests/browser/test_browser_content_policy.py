"""The content security policy checked in a real browser: the officers' classic pages load with
nothing blocked (Debian's chromium through the session's shared Playwright)."""
import pytest
from helpers import AGENCY
from helpers import PASSWORD
from helpers import RestTestCase
from helpers import dossier_fields

RECORD_VIOLATIONS = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                     "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile));")


@pytest.fixture(autouse=True)
def _browser(request, chromium):
    request.instance.browser = chromium


class TestPolicyInABrowser(RestTestCase):
    def test_classic_pages_run_under_the_policy(self):
        """Every page carries the policy and nothing Plone's classic UI does (scripts, styles,
        patterns) is blocked."""
        response = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields()})
        self.assertEqual(response.status_code, 201, response.text)
        dossier_path = response.json()["@id"].replace(self.url, "")
        context = self.browser.new_context()
        try:
            context.add_init_script(RECORD_VIOLATIONS)
            page = context.new_page()
            page.goto(self.url + "/login")
            page.fill("#__ac_name", "reception")
            page.fill("#__ac_password", PASSWORD)
            page.click("#login-form button[type=submit], #login-form input[type=submit]")
            page.wait_for_load_state("load")
            for path in ("", f"/dossiers/{AGENCY}/folder_contents", dossier_path, dossier_path + "/edit",
                         "/@@archive-search?SearchableText=Nguyen"):
                response = page.goto(self.url + path)
                page.wait_for_load_state("networkidle")
                self.assertEqual(response.status, 200, path)
                self.assertIn("default-src 'self'", response.headers.get("content-security-policy", ""), path)
                self.assertEqual(page.evaluate("window.__csp"), [], path)
        finally:
            context.close()

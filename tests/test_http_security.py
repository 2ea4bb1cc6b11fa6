"""The archive's HTTP boundary over the real WSGI server: WebDAV closed, CSRF proof for
cookie-authenticated REST writes, escaped AJAX search, security headers, size limits and
client errors answered 4xx (issue 13, items 1, 5, 6, 11, 12)."""
import base64
import json

import requests
import transaction
from helpers import AGENCY
from helpers import PASSWORD
from helpers import RestTestCase
from helpers import dossier_fields
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

DAV_BODY = ('<?xml version="1.0"?><propfind xmlns="DAV:"><allprop/></propfind>')


class HttpSecurityTestCase(RestTestCase):
    def intake(self, **overrides):
        response = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields(**overrides)})
        self.assertEqual(response.status_code, 201, response.text)
        return response.json()

    def raw(self, method, path, user=None, **kwargs):
        """A request as a WebDAV client or browser sends it (no JSON Accept header)."""
        auth = {None: None, "admin": (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)}.get(user, (user, PASSWORD))
        url = path if path.startswith("http") else self.url + path
        return requests.request(method, url, auth=auth, timeout=30, **kwargs)

    def set_record(self, name, value):
        transaction.begin()
        api.portal.set_registry_record(name, value)
        transaction.commit()

    def login_session(self, user="reception"):
        """A browser-like session holding the login cookie (__ac) from the classic login form."""
        session = requests.Session()
        form = session.post(self.url + "/login", data={"__ac_name": user, "__ac_password": PASSWORD,
                                                       "buttons.login": "Log in", "came_from": self.url},
                            headers={"Origin": self.url.rsplit("/", 1)[0]}, allow_redirects=False, timeout=30)
        self.assertIn("__ac", session.cookies, (form.status_code, form.text[:500]))
        return session


class TestWebDav(HttpSecurityTestCase):
    def test_propfind_is_closed_and_tells_nothing(self):
        dossier = self.intake(applicant_name="Trần Thị Bí Mật")
        for user in ("citizen", "reception", "admin"):
            response = self.raw("PROPFIND", dossier["@id"], user, data=DAV_BODY, headers={"Depth": "1"})
            self.assertIn(response.status_code, (403, 405), (user, response.status_code))
            self.assertNotIn("Bí Mật", response.text)
            self.assertNotIn(dossier["dossier_code"], response.text)
        folder = self.raw("PROPFIND", f"{self.url}/dossiers/{AGENCY}", "citizen", headers={"Depth": "1"})
        self.assertIn(folder.status_code, (403, 405))
        self.assertNotIn(dossier["dossier_code"], folder.text)

    def test_other_webdav_methods_are_closed_and_change_nothing(self):
        dossier = self.intake()
        url = dossier["@id"]
        for method, kwargs in (
            ("PROPPATCH", {"data": DAV_BODY}),
            ("MKCOL", {}),
            ("LOCK", {"data": '<?xml version="1.0"?><lockinfo xmlns="DAV:"><lockscope><exclusive/></lockscope>'
                              '<locktype><write/></locktype></lockinfo>'}),
            ("UNLOCK", {"headers": {"Lock-Token": "<opaquelocktoken:x>"}}),
            ("MOVE", {"headers": {"Destination": f"{self.url}/dossiers/moved"}}),
            ("COPY", {"headers": {"Destination": f"{self.url}/dossiers/copied"}}),
        ):
            response = self.raw(method, url + ("/newcol" if method == "MKCOL" else ""), "admin", **kwargs)
            self.assertIn(response.status_code, (403, 405), (method, response.status_code, response.text[:300]))
        put = self.raw("PUT", f"/dossiers/{AGENCY}/dropped.txt", "admin", data=b"hello",
                       headers={"Content-Type": "text/plain"})
        self.assertIn(put.status_code, (403, 405), put.text[:300])
        transaction.begin()
        folder = self.portal.dossiers[AGENCY]
        self.assertNotIn("dropped.txt", folder.objectIds())
        self.assertNotIn("moved", self.portal.dossiers.objectIds())
        self.assertNotIn("copied", self.portal.dossiers.objectIds())
        # The REST API's own writes still work (PATCH and DELETE are not WebDAV's).
        self.assertEqual(self.call("PATCH", url, "reception", json={"applicant_phone": "0912345678"}).status_code, 204)

    def test_a_site_that_enables_webdav_still_obeys_view(self):
        self.set_record("archive.webdav_enabled", True)
        dossier = self.intake(applicant_name="Trần Thị Bí Mật")
        refused = self.raw("PROPFIND", dossier["@id"], "citizen", data=DAV_BODY, headers={"Depth": "0"})
        self.assertIn(refused.status_code, (401, 403), refused.status_code)
        self.assertNotIn("Bí Mật", refused.text)
        allowed = self.raw("PROPFIND", dossier["@id"], "reception", data=DAV_BODY, headers={"Depth": "0"})
        self.assertEqual(allowed.status_code, 207, allowed.text[:300])


class TestCsrf(HttpSecurityTestCase):
    """A REST write sent with the login cookie must prove it comes from the site's pages."""

    def post_dossier(self, session, headers):
        return session.post(f"{self.url}/dossiers/{AGENCY}", data=json.dumps({"@type": "Dossier", **dossier_fields()}),
                            headers={"Accept": "application/json", "Content-Type": "text/plain", **headers}, timeout=30)

    def test_cookie_write_from_a_foreign_origin_is_refused(self):
        session = self.login_session()
        site_origin = self.url.rsplit("/", 1)[0]
        for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {},
                        {"Referer": "https://evil.example/page"}, {"Origin": site_origin + "0"}):
            refused = self.post_dossier(session, headers)
            self.assertEqual(refused.status_code, 403, (headers, refused.text))
            self.assertIn("cross-site request forgery", refused.text)
        self.assertEqual(self.count("Dossier"), 0)
        # Nor is a PATCH or DELETE of an existing dossier carried out.
        dossier = self.intake()
        patched = session.patch(dossier["@id"], json={"applicant_phone": "0999999999"},
                                headers={"Accept": "application/json", "Origin": "https://evil.example"}, timeout=30)
        self.assertEqual(patched.status_code, 403)
        self.assertNotEqual(self.call("GET", dossier["@id"], "reception").json()["applicant_phone"], "0999999999")

    def test_cookie_write_from_the_site_itself_works(self):
        session = self.login_session()
        site_origin = self.url.rsplit("/", 1)[0]
        self.assertEqual(self.post_dossier(session, {"Origin": site_origin}).status_code, 201)
        self.assertEqual(self.post_dossier(session, {"Referer": self.url + "/dossiers"}).status_code, 201)
        self.assertEqual(self.count("Dossier"), 2)

    def test_token_authenticated_writes_need_no_origin(self):
        foreign = {"Origin": "https://evil.example"}
        basic = self.post_dossier(requests.Session(), foreign | {"Authorization": "Basic " + base64.b64encode(
            f"reception:{PASSWORD}".encode()).decode()})
        self.assertEqual(basic.status_code, 201, basic.text)
        token = self.call("POST", "/@login", json={"login": "reception", "password": PASSWORD}).json()["token"]
        bearer = self.post_dossier(requests.Session(), foreign | {"Authorization": f"Bearer {token}"})
        self.assertEqual(bearer.status_code, 201, bearer.text)
        self.assertEqual(self.count("Dossier"), 2)


PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


class TestPagesAndFiles(HttpSecurityTestCase):
    def test_ajax_search_escapes_titles(self):
        self.intake(applicant_name='Nguyễn <img src=x onerror="alert(1)">')
        response = self.raw("GET", "/@@ajax-search", "reception", params={"SearchableText": "Nguyễn"})
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        titles = [item["title"] for item in response.json()["items"]]
        self.assertEqual(len(titles), 1, response.text)
        self.assertIn("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;", titles[0])
        self.assertNotIn("<img", response.text)

    def test_files_are_served_with_nosniff(self):
        dossier = self.intake()
        component = self.call("POST", dossier["@id"], "reception", json={
            "@type": "DossierComponent", "title": "Ảnh", "kind": "original", "digitised": True,
            "file": {"data": "PGh0bWw+PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "encoding": "base64",
                     "filename": "x.txt", "content-type": "text/plain"}})
        self.assertEqual(component.status_code, 201, component.text)
        url = component.json()["@id"]
        for view in ("@@download/file", "@@display-file/file"):
            response = self.raw("GET", f"{url}/{view}", "reception")
            self.assertEqual(response.status_code, 200, (view, response.text[:300]))
            self.assertEqual(response.headers.get("X-Content-Type-Options"), "nosniff", view)
        image = self.call("POST", "/", "admin", json={"@type": "Image", "id": "seal", "title": "Seal", "image": {
            "data": base64.b64encode(PNG).decode(), "encoding": "base64", "filename": "seal.png", "content-type": "image/png"}})
        self.assertEqual(image.status_code, 201, image.text)
        for view in ("@@images/image", "@@images/image/thumb", "@@download/image"):
            response = self.raw("GET", f"{self.url}/seal/{view}", "admin")
            self.assertEqual(response.status_code, 200, (view, response.text[:300]))
            self.assertEqual(response.headers.get("X-Content-Type-Options"), "nosniff", view)

    def test_pages_carry_a_content_security_policy_and_still_render(self):
        dossier = self.intake(applicant_name="Lê Thị Hoa")
        for path, user, text in ((dossier["@id"], "reception", "Lê Thị Hoa"), ("/", "reception", "<html"),
                                 ("/login", None, "__ac_password"), ("/@@archive-search", "reception", "<form")):
            response = self.raw("GET", path, user)
            self.assertEqual(response.status_code, 200, (path, response.text[:300]))
            self.assertIn(text, response.text, path)
            policy = response.headers.get("Content-Security-Policy", "")
            self.assertIn("default-src 'self'", policy, path)
            self.assertIn("frame-ancestors 'self'", policy, path)
            self.assertNotIn("*", policy, path)
            self.assertEqual(response.headers.get("X-Content-Type-Options"), "nosniff", path)
        # The REST API's JSON has no page policy to carry.
        self.assertNotIn("Content-Security-Policy", self.call("GET", dossier["@id"], "reception").headers)

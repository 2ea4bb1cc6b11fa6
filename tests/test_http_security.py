"""The archive's HTTP boundary over the real WSGI server: WebDAV closed, CSRF proof for
cookie-authenticated REST writes, escaped AJAX search, security headers, size limits and
client errors answered 4xx (issue 13, items 1, 5, 6, 11, 12)."""
import base64
import json
import os
import re
import tempfile
import threading
import time

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
        response = self.call("POST", f"/dossiers/{AGENCY}", "reception",
                             json={"@type": "Dossier", **dossier_fields(**overrides)})
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
        # FTP-style reads (the whole item as one document) are closed too, even for its officer.
        for name in ("manage_DAVget", "manage_FTPget"):
            response = self.raw("GET", f"{dossier['@id']}/{name}", "reception")
            self.assertIn(response.status_code, (403, 405), (name, response.status_code))
            self.assertNotIn(dossier["applicant_id"], response.text)

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
        self.assertIn(self.raw("DELETE", url, "admin").status_code, (403, 405))
        self.assertEqual(self.count("Dossier"), 1)
        # The REST API's own writes still work (PATCH and DELETE are not WebDAV's).
        self.assertEqual(self.call("PATCH", url, "reception", json={"applicant_phone": "0912345678"}).status_code, 204)
        self.assertEqual(self.call("DELETE", url, "admin").status_code, 204)
        self.assertEqual(self.count("Dossier"), 0)

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

    def test_the_plone_protect_token_or_a_trusted_origin_is_proof_too(self):
        session = self.login_session()
        page = session.get(self.url, timeout=30).text
        token = re.search(r'id="protect-script"[^>]*data-token="([0-9a-f]+)"'
                          r'|data-token="([0-9a-f]+)"[^>]*id="protect-script"', page)
        self.assertIsNotNone(token, "no plone.protect token on the page")
        foreign = {"Origin": "https://desk.example"}
        self.assertEqual(self.post_dossier(session, foreign | {"X-CSRF-TOKEN": "0" * 40}).status_code, 403)
        proof = {"X-CSRF-TOKEN": token.group(1) or token.group(2)}
        self.assertEqual(self.post_dossier(session, foreign | proof).status_code, 201)
        self.assertEqual(self.post_dossier(session, foreign).status_code, 403)
        self.set_record("archive.trusted_origins", ["https://desk.example", "not a url"])
        self.assertEqual(self.post_dossier(session, foreign).status_code, 201)
        self.assertEqual(self.post_dossier(session, {"Origin": "garbage"}).status_code, 403)
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


PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E"
                       "rkJggg==")


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
            "data": base64.b64encode(PNG).decode(), "encoding": "base64", "filename": "seal.png",
            "content-type": "image/png"}})
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
        # Error pages too (they may echo what was asked).
        missing = self.raw("GET", "/no-such-page-<b>x</b>", "reception", headers={"Accept": "text/html"})
        self.assertEqual(missing.status_code, 404)
        self.assertIn("default-src 'self'", missing.headers.get("Content-Security-Policy", ""))
        self.assertEqual(missing.headers.get("X-Content-Type-Options"), "nosniff")
        # The REST API's JSON has no page policy to carry.
        self.assertNotIn("Content-Security-Policy", self.call("GET", dossier["@id"], "reception").headers)


def resident_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class TestLimits(HttpSecurityTestCase):
    def component(self, dossier_url, data, encoding="base64", user="reception"):
        return self.call("POST", dossier_url, user, json={
            "@type": "DossierComponent", "title": "Bản quét", "kind": "original", "digitised": True,
            "file": {"data": data, "encoding": encoding, "filename": "scan.pdf", "content-type": "application/pdf"}})

    def components(self, dossier_url):
        return self.call("GET", dossier_url, "reception").json()["items_total"]

    def test_defaults_are_in_the_registry(self):
        transaction.begin()
        self.assertEqual(api.portal.get_registry_record("archive.max_file_bytes"), 100 * 1024 * 1024)
        self.assertEqual(api.portal.get_registry_record("archive.max_text_chars"), 64 * 1024)
        self.assertGreater(api.portal.get_registry_record("archive.max_request_bytes"), 100 * 1024 * 1024 * 4 // 3)
        self.assertFalse(api.portal.get_registry_record("archive.webdav_enabled"))

    def test_a_request_over_the_limit_gets_413_before_its_body_is_read(self):
        dossier = self.intake()
        self.set_record("archive.max_request_bytes", 8 * 1024 * 1024)
        self.set_record("archive.max_file_bytes", 0)
        size = 48 * 1024 * 1024
        with open(self.tmpfile(size), "rb") as body:
            peak, response = self.sample_peak(lambda: requests.post(
                dossier["@id"], data=body, auth=("reception", PASSWORD), timeout=60,
                headers={"Accept": "application/json", "Content-Type": "application/json"}))
        self.assertEqual(response.status_code, 413, response.text[:300])
        self.assertIn("8388608", response.json()["message"])
        self.assertIn(str(os.path.getsize(body.name)), response.json()["message"])
        self.assertLess(peak, size // 2, "the server read the refused body into memory")
        self.assertEqual(self.components(dossier["@id"]), 0)

    def tmpfile(self, size):
        """A JSON body of about `size` bytes: a component whose file is `size` bytes of base64."""
        handle, path = tempfile.mkstemp(suffix=".json")
        self.addCleanup(os.remove, path)
        with os.fdopen(handle, "wb") as out:
            out.write(b'{"@type": "DossierComponent", "title": "x", "kind": "original", "digitised": true, '
                      b'"file": {"encoding": "base64", "filename": "big.pdf", "data": "')
            chunk = b"QUFB" * (1024 * 256)
            for _ in range(size // len(chunk)):
                out.write(chunk)
            out.write(b'"}}')
        return path

    def sample_peak(self, send):
        """Send a request while sampling this process's resident memory (the server runs in it)."""
        baseline = resident_bytes()
        samples = [baseline]
        done = threading.Event()

        def sample():
            while not done.is_set():
                samples.append(resident_bytes())
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            response = send()
        finally:
            done.set()
            sampler.join()
        return max(samples) - baseline, response

    def test_a_file_over_the_limit_gets_413_naming_the_field(self):
        dossier = self.intake()
        self.set_record("archive.max_file_bytes", 3000)
        refused = self.component(dossier["@id"], base64.b64encode(b"%PDF" * 1000).decode())
        self.assertEqual(refused.status_code, 413, refused.text)
        self.assertIn("file", refused.json()["message"])
        self.assertIn("3000", refused.json()["message"])
        self.assertEqual(self.components(dossier["@id"]), 0)
        accepted = self.component(dossier["@id"], base64.b64encode(b"%PDF" * 500).decode())
        self.assertEqual(accepted.status_code, 201, accepted.text)

    def test_a_form_upload_over_the_file_limit_gets_413(self):
        dossier = self.intake()
        self.set_record("archive.max_file_bytes", 3000)
        session = self.login_session()
        response = session.post(dossier["@id"] + "/++add++DossierComponent", timeout=30,
                                files={"form.widgets.file": ("scan.pdf", b"%PDF" * 1000, "application/pdf")},
                                data={"form.widgets.title": "Bản quét", "form.widgets.kind": "original",
                                      "form.buttons.save": "Save"},
                                headers={"Origin": self.url.rsplit("/", 1)[0]})
        self.assertEqual(response.status_code, 413, response.text[-1000:])
        self.assertEqual(response.text, "file: the file has 4000 bytes; at most 3000 bytes are accepted per file.")
        self.assertEqual(self.components(dossier["@id"]), 0)

    def test_too_long_text_gets_400_naming_the_field(self):
        too_long = {"notes": "x" * (64 * 1024 + 1), "applicant_name": "Nguyễn " + "A" * 300,
                    "applicant_address": "đường " * 200}
        for field, value in too_long.items():
            response = self.call("POST", f"/dossiers/{AGENCY}", "reception",
                                 json={"@type": "Dossier", **dossier_fields(**{field: value})})
            self.assertEqual(response.status_code, 400, (field, response.text[:300]))
            self.assertIn(field, response.text)
        self.assertEqual(self.count("Dossier"), 0)
        dossier = self.intake(notes="x" * 60000)
        patched = self.call("PATCH", dossier["@id"], "reception", json={"notes": "y" * (20 * 1024 * 1024)})
        self.assertEqual(patched.status_code, 400, patched.text[:300])
        self.assertIn("notes", patched.text)
        self.assertEqual(self.call("GET", dossier["@id"], "reception").json()["notes"], "x" * 60000)


class TestClientErrors(HttpSecurityTestCase):
    def post(self, path, body, content_type="application/json"):
        return requests.post(self.url + path, data=body, auth=("reception", PASSWORD), timeout=30,
                             headers={"Accept": "application/json", "Content-Type": content_type})

    def test_malformed_and_deeply_nested_json_get_400(self):
        dossier = self.intake()
        bodies = {
            "malformed": '{"@type": "Dossier", "applicant_name": ',
            "not an object": '["Dossier"]',
            "nested": '{"@type": "Dossier", "notes": ' + "[" * 100000 + "]" * 100000 + "}",
            "nested a little": '{"@type": "Dossier", "supplement_requests": ' + "[" * 40 + "]" * 40 + "}",
        }
        for name, body in bodies.items():
            for path in (f"/dossiers/{AGENCY}", dossier["@id"].replace(self.url, "") + "/@workflow/start_processing"):
                for content_type in ("application/json", "text/plain"):
                    response = self.post(path, body, content_type)
                    self.assertEqual(response.status_code, 400, (name, path, response.text[:300]))
                    self.assertIn("JSON", response.json()["message"], name)
            patched = requests.patch(dossier["@id"], data=body, auth=("reception", PASSWORD), timeout=30,
                                     headers={"Accept": "application/json", "Content-Type": "application/json"})
            self.assertEqual(patched.status_code, 400, (name, patched.text[:300]))
        self.assertEqual(self.count("Dossier"), 1)
        self.assertEqual(self.call("GET", dossier["@id"], "reception").json()["review_state"], "received")

    def test_an_unknown_file_encoding_gets_400_naming_the_field(self):
        dossier = self.intake()
        for encoding in ("no-such-codec", "bz2", "zlib", "rot13", 7):
            response = self.call("POST", dossier["@id"], "reception", json={
                "@type": "DossierComponent", "title": "Bản quét", "kind": "original", "digitised": True,
                "file": {"data": "QUJD", "encoding": encoding, "filename": "a.pdf", "content-type": "application/pdf"}})
            self.assertEqual(response.status_code, 400, (encoding, response.text[:300]))
            self.assertIn("file", response.text)
            self.assertIn("encoding", response.text)
        self.assertEqual(self.call("GET", dossier["@id"], "reception").json()["items_total"], 0)

    def test_tabular_view_of_an_agency_shard_works(self):
        self.intake()
        for user in ("reception", "admin"):
            response = self.raw("GET", f"/dossiers/{AGENCY}/@@tabular_view", user)
            self.assertIn(response.status_code, (200, 400), (user, response.text[-2000:]))
            if response.status_code == 400:
                self.assertIn("tabular_view", response.text)

"""The public status page: code and ID ending give the state and the appointment, nothing
personal; a missing code and a wrong ID read the same (no oracle); lookups are rate limited."""
import requests
import transaction
from archive.content import clock
from archive.content.intake import receive_dossier
from archive.public import status
from plone import api

import translations  # noqa: F401 (compiles the .mo files first)
from helpers import AGENCY
from helpers import dossier_fields
from helpers import RestTestCase


class TestStatusPage(RestTestCase):
    def setUp(self):
        super().setUp()
        api.portal.set_registry_record("plone.available_languages", ["vi", "en"])
        api.portal.set_registry_record("plone.default_language", "vi")
        with api.env.adopt_user(username="reception"):
            self.dossier = receive_dossier(self.portal.dossiers[AGENCY], **dossier_fields(applicant_id="040201009876"))
        transaction.commit()
        status.limiter.events.clear()  # the server runs in this process: start each test with a clean count
        self.addCleanup(status.limiter.events.clear)

    def look_up(self, code, id4):
        return requests.get(f"{self.url}/@@dossier-status", params={"code": code, "id4": id4}, timeout=30,
                            headers={"Accept-Language": "vi"})

    def test_state_and_appointment_without_personal_data(self):
        page = self.look_up(self.dossier.dossier_code, "9876")
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="status-answer"', page.text)
        self.assertIn("Đã tiếp nhận", page.text)
        due = clock.to_local_naive(self.dossier.due)
        self.assertIn(f"{due:%H:%M %d/%m/%Y}", page.text)
        for personal in ("Nguyễn Văn An", "040201009876", "Lê Lợi", "Cấp giấy phép xây dựng"):
            self.assertNotIn(personal, page.text)
        self.assertEqual(page.headers["Cache-Control"], "no-store")

    def test_missing_code_and_wrong_id_read_the_same(self):
        wrong_id = self.look_up(self.dossier.dossier_code, "1234")
        missing = self.look_up("000.00.12.H41-990101-0001", "9876")
        self.assertEqual((wrong_id.status_code, missing.status_code), (200, 200))
        for page in (wrong_id, missing):
            self.assertIn('id="status-not-found"', page.text)
            self.assertNotIn('id="status-answer"', page.text)
        self.assertEqual(wrong_id.text.replace(self.dossier.dossier_code, "CODE"),
                         missing.text.replace("000.00.12.H41-990101-0001", "CODE"))
        self.assertIn('id="status-not-found"', self.look_up(self.dossier.dossier_code, "").text)

    def test_rate_limited_per_client(self):
        for _ in range(status.LIMIT):
            self.assertEqual(self.look_up(self.dossier.dossier_code, "0000").status_code, 200)
        limited = self.look_up(self.dossier.dossier_code, "9876")  # even the right answer waits
        self.assertEqual(limited.status_code, 429)
        self.assertGreater(int(limited.headers["Retry-After"]), 0)
        self.assertNotIn('id="status-answer"', limited.text)
        self.assertIn('id="status-limited"', limited.text)
        # The form alone (no lookup) is not counted.
        self.assertEqual(requests.get(f"{self.url}/@@dossier-status", timeout=30).status_code, 200)


def test_rate_limiter_window():
    limiter = status.RateLimiter(limit=2, window=10)
    assert limiter.allow("a", now=0)[0] and limiter.allow("a", now=1)[0]
    assert limiter.allow("a", now=2) == (False, 9)
    assert limiter.allow("b", now=2)[0]  # per client
    assert limiter.allow("a", now=10.5)[0]  # the first lookup left the window

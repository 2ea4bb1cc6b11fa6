"""Due dates through the site: a dossier's supplement pauses push its appointment back, and
the registry's extra holidays and extra working days move it (over HTTP, the clock set)."""
import unittest.mock
from datetime import datetime

import transaction
from plone import api

from helpers import AGENCY
from helpers import RestTestCase
from helpers import dossier_fields

# June 2026 has no Vietnamese public holiday; the procedure takes 10 working days.
MONDAY = datetime(2026, 6, 1, 9, 0)
DUE = datetime(2026, 6, 15, 9, 0)  # ten working days later: Monday two weeks on


class TestDueDates(RestTestCase):

    def at(self, moment):
        """The site's clock (archive.content.clock) set to `moment`; the server runs in this process."""
        return unittest.mock.patch("archive.content.clock.now", return_value=moment)

    def receive(self, moment=MONDAY):
        with self.at(moment):
            answer = self.call("POST", f"/dossiers/{AGENCY}", "reception",
                               json={"@type": "Dossier", **dossier_fields()})
        self.assertEqual(answer.status_code, 201, answer.text[:500])
        return answer.json()["@id"]

    def fire(self, url, transition, user, moment):
        body = {"comment": "Thiếu bản vẽ thiết kế"} if transition == "request_supplement" else None
        with self.at(moment):
            answer = self.call("POST", f"{url}/@workflow/{transition}", user, json=body)
        self.assertEqual(answer.status_code, 200, answer.text[:500])

    def due(self, url):
        answer = self.call("GET", url, "leader")
        self.assertEqual(answer.status_code, 200, answer.text[:500])
        return datetime.fromisoformat(answer.json()["due"]).replace(tzinfo=None)

    def set_registry(self, name, dates):
        api.portal.set_registry_record(name, dates)
        transaction.commit()

    def test_without_pauses_or_overrides_ten_working_days(self):
        url = self.receive()
        self.assertEqual(self.due(url), DUE)

    def test_a_supplement_pause_moves_the_due_date_by_its_working_time(self):
        url = self.receive()
        self.fire(url, "start_processing", "reception", datetime(2026, 6, 2, 10, 0))
        # Wednesday 09:00 to Monday 09:00: three working days paused (the weekend costs nothing).
        self.fire(url, "request_supplement", "specialist", datetime(2026, 6, 3, 9, 0))
        self.fire(url, "resume", "reception", datetime(2026, 6, 8, 9, 0))
        self.assertEqual(self.due(url), datetime(2026, 6, 18, 9, 0))
        # A second pause adds its own: Thursday 09:00 to Friday 15:00 is 1.25 working days.
        self.fire(url, "request_supplement", "specialist", datetime(2026, 6, 11, 9, 0))
        self.fire(url, "resume", "specialist", datetime(2026, 6, 12, 15, 0))
        self.assertEqual(self.due(url), datetime(2026, 6, 19, 15, 0))

    def test_an_extra_holiday_in_the_registry_moves_the_due_date_later(self):
        self.set_registry("archive.calendar.extra_holidays", ["2026-06-05"])  # a Friday off
        url = self.receive()
        self.assertEqual(self.due(url), datetime(2026, 6, 16, 9, 0))

    def test_an_extra_working_day_in_the_registry_moves_the_due_date_earlier(self):
        self.set_registry("archive.calendar.extra_working_days", ["2026-06-06"])  # a Saturday worked
        url = self.receive()
        self.assertEqual(self.due(url), datetime(2026, 6, 12, 9, 0))

    def test_a_pause_over_an_extra_holiday_costs_nothing_for_that_day(self):
        self.set_registry("archive.calendar.extra_holidays", ["2026-06-04"])  # Thursday off
        url = self.receive()
        self.assertEqual(self.due(url), datetime(2026, 6, 16, 9, 0))
        self.fire(url, "start_processing", "reception", datetime(2026, 6, 2, 10, 0))
        # Wednesday 09:00 to Friday 09:00 spans one working day (Wednesday) and the day off.
        self.fire(url, "request_supplement", "specialist", datetime(2026, 6, 3, 9, 0))
        self.fire(url, "resume", "reception", datetime(2026, 6, 5, 9, 0))
        self.assertEqual(self.due(url), datetime(2026, 6, 17, 9, 0))

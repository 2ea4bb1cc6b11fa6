"""The desk's pages over HTTP without a browser: queue counts, the list's filters and exports,
the dashboard's figures and CSV, a 400 naming the parameter for a value that cannot be used,
and nothing of another agency."""
import csv
import io
from datetime import timedelta

import openpyxl
import requests
import transaction
from archive.content import clock
from archive.content.intake import receive_dossier
from lxml import html
from plone import api

from helpers import AGENCY
from helpers import PASSWORD
from helpers import RestTestCase
from helpers import dossier_fields


class TestDeskPages(RestTestCase):

    def setUp(self):
        super().setUp()
        shard = self.portal.dossiers[AGENCY]
        now = clock.now()
        with api.env.adopt_user(username="reception"):
            self.old = receive_dossier(shard, **dossier_fields(received=now - timedelta(days=40), channel="online"))
            self.new = receive_dossier(shard, **dossier_fields(received=now - timedelta(hours=1),
                                                               applicant_name="Trần Thị Bình"))
            self.handed = receive_dossier(shard, **dossier_fields(received=now - timedelta(days=2),
                                                                  assignee="specialist"))
            api.content.transition(self.handed, transition="start_processing")
        transaction.commit()

    def get(self, path, user="reception", **params):
        return requests.get(self.url + path, params=params, auth=(user, PASSWORD) if user else None,
                            headers={"Accept-Language": "en"}, timeout=30, allow_redirects=False)

    def count_on(self, page, element_id):
        return int(html.fromstring(page.text).get_element_by_id(element_id).find_class("queue-count")[0].text)

    def test_start_page_counts_queues_and_due_dates(self):
        page = self.get("/@@desk")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(self.count_on(page, "queue-to_hand_over"), 2)
        self.assertEqual(self.count_on(page, "due-overdue"), 1)  # received 40 days ago, 10 working days
        mine = self.get("/@@desk", user="specialist")
        self.assertEqual(self.count_on(mine, "queue-assigned"), 1)
        other = self.get("/@@desk", user="other_reception")
        self.assertEqual(self.count_on(other, "queue-to_hand_over"), 0)

    def test_list_filters_and_exports(self):
        path = f"/dossiers/{AGENCY}/@@dossier-list"
        rows = list(csv.reader(io.StringIO(self.get(path, format="csv").content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][:2], ["Dossier code", "Applicant"])
        self.assertEqual(len(rows), 4)
        online = list(csv.reader(io.StringIO(self.get(path, format="csv", channel="online").content.decode("utf-8-sig"))))
        self.assertEqual([r[0] for r in online[1:]], [self.old.dossier_code])
        overdue = self.get(path, format="csv", overdue="1").content.decode("utf-8-sig")
        self.assertIn(self.old.dossier_code, overdue)
        self.assertNotIn(self.new.dossier_code, overdue)
        book = openpyxl.load_workbook(io.BytesIO(self.get(path, format="xlsx", state="processing").content))
        values = list(book.active.iter_rows(values_only=True))
        self.assertEqual([v[0] for v in values[1:]], [self.handed.dossier_code])
        self.assertEqual(values[1][7], 4)  # the national portal's code of "being processed"
        # Another agency's officer: the shard is closed to him, the site-wide list holds none of them.
        self.assertNotIn(self.old.dossier_code, self.get(path, user="other_reception", format="csv").text)
        everything = self.get("/@@dossier-list", user="other_reception", format="csv").content.decode("utf-8-sig")
        self.assertEqual(everything.count("\n"), 1)

    def test_bad_filters_answer_400_naming_the_parameter(self):
        path = f"/dossiers/{AGENCY}/@@dossier-list"
        for params, field in (({"state": "lost"}, "state"), ({"start": "2026-13-01"}, "start"),
                              ({"channel": "fax"}, "channel"), ({"start": "2026-02-01", "end": "2026-01-01"}, "end"),
                              ({"format": "pdf"}, "format"), ({"queue": "mine"}, "queue")):
            answer = self.get(path, **params)
            self.assertEqual(answer.status_code, 400, params)
            self.assertIn(field + ":", answer.text)
        answer = self.get("/@@dashboard", user="leader", group="sector")
        self.assertEqual(answer.status_code, 400)
        self.assertIn("group:", answer.text)

    def test_dashboard_figures_and_csv(self):
        rows = list(csv.reader(io.StringIO(self.get("/@@dashboard", user="leader", format="csv").content.decode("utf-8-sig"))))
        header, agency, total = rows[0], rows[1], rows[-1]
        self.assertEqual(agency[0], AGENCY)
        figures = dict(zip(header, agency))
        self.assertEqual(figures["Received"], "3")
        self.assertEqual(figures["Overdue"], "1")
        self.assertEqual(figures["Online"], "1")
        self.assertEqual(figures["Online rate (%)"], "33.3")
        self.assertEqual(total[2:], agency[2:])

    def test_anonymous_gets_no_list(self):
        self.assertNotEqual(self.get(f"/dossiers/{AGENCY}/@@dossier-list", user=None).status_code, 200)
        self.assertNotEqual(self.get("/@@dashboard", user=None).status_code, 200)
        welcome = self.get("/@@desk", user=None)
        self.assertEqual(welcome.status_code, 200)
        self.assertIn('id="desk-login"', welcome.text)

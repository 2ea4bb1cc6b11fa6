"""Each demo officer's day in a real browser: the start page's queues, the dossier list with its
filters and exports, the centre dashboard, all in Vietnamese (English by the switch).

Expected figures are worked out here from the dossiers themselves (their state, agency and
appointment), not from the code under test. Screenshots go to docs/screenshots/.
"""
import csv
import io
import re
import unittest
from datetime import date

import openpyxl
import pytest
import transaction
from archive.content import clock
from archive.content.results import create_result
from archive.testing import ARCHIVE_DEMO_FUNCTIONAL_TESTING
from plone import api

AGENCY = "000.00.12.H41"  # the demo officers' agency (Sở Xây dựng)
OPEN = ("received", "processing", "supplement_requested", "payment_requested")

# English an officer must not meet on a Vietnamese page: Plone's chrome and our own defaults.
ENGLISH = ("Log out", "Contents", "Edit", "Add new", "State:", "Actions", "Internal", "Private", "Published",
           "Powered by Plone", "Plone Foundation", "Work desk", "My queues", "Received", "Assigned to me",
           "Waiting for", "Results ready", "Due today", "Due this week", "Overdue", "Appointments",
           "Dossier code", "Applicant", "Procedure", "Filter", "Export", "Centre dashboard", "Finished",
           "On time", "Early", "Late", "Online", "Total", "Group by", "Being processed", "by admin",
           "last modified", "Any")


def _dossiers(portal, **query):
    catalog = api.portal.get_tool("portal_catalog")
    return [b._unrestrictedGetObject() for b in
            catalog.unrestrictedSearchResults(portal_type="Dossier", agency_code=AGENCY, **query)]


@pytest.mark.usefixtures("officer")
class TestOfficerDesk(unittest.TestCase):
    layer = ARCHIVE_DEMO_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        processing = sorted(_dossiers(self.portal, review_state="processing"), key=lambda d: d.dossier_code)
        # As the intake assigns them: (at least) two dossiers to the demo specialist.
        self.assigned = processing[:2]
        for dossier in self.assigned:
            dossier.assignee = "chuyenvien"
            dossier.reindexObject()
        # The specialist drafts the result of a third: it waits for the leader's approval.
        self.awaiting = processing[2]
        with api.env.adopt_roles(["Manager"]):
            create_result(self.portal.results[AGENCY], dossier_code=self.awaiting.dossier_code,
                          result_code=f"KQ.{AGENCY}.{date.today():%Y}.900001",
                          number_notation="99/GP-12", result_type="Giấy phép xây dựng", signer="Lê Văn Lãnh",
                          issue_date=date.today())
        transaction.commit()
        self.now = clock.now()

    def expected_count(self, *states):
        return sum(len(_dossiers(self.portal, review_state=state)) for state in states)

    def overdue(self):
        return sum(1 for d in _dossiers(self.portal) if api.content.get_state(d) in OPEN and d.due < self.now)

    def queue_count(self, page, queue_id):
        return int(page.inner_text(f"#{queue_id} .queue-count"))

    def list_count(self, page):
        return int(page.inner_text("#list-count"))

    def assert_vietnamese(self, page):
        self.assertEqual(page.get_attribute("html", "lang"), "vi")
        for region in ("#edit-zone", "#content", "#portal-footer-wrapper", "#portal-logo"):
            if not page.locator(region).count():
                continue
            text = page.inner_text(region)
            for english in ENGLISH:
                self.assertIsNone(re.search(r"\b" + re.escape(english) + r"\b", text),
                                  f"English {english!r} in {region} of {page.url}")

    def test_reception_officer_start_page_queues_and_list(self):
        page = self.open_as("tiepnhan")
        page.goto(self.site_url)
        self.assertEqual(page.inner_text("h1.documentFirstHeading"), "Bàn làm việc")
        self.assertEqual(self.queue_count(page, "queue-to_hand_over"), self.expected_count("received"))
        self.assertEqual(self.queue_count(page, "queue-supplement"), self.expected_count("supplement_requested"))
        self.assertEqual(self.queue_count(page, "queue-to_return"), self.expected_count("finished"))
        self.assertEqual(self.queue_count(page, "queue-approval"), 1)
        self.assertEqual(self.queue_count(page, "due-overdue"), self.overdue())
        self.assertGreater(self.overdue(), 0)
        self.assert_vietnamese(page)
        self.screenshot(page, "start-page")

        page.click("#queue-to_hand_over")
        self.assertEqual(self.list_count(page), self.expected_count("received"))
        states = page.eval_on_selector_all("#dossier-list tbody tr", "rows => rows.map(r => r.dataset.state)")
        self.assertEqual(set(states), {"received"})
        self.assert_vietnamese(page)

        page.goto(self.site_url)
        page.click("#due-overdue")
        self.assertEqual(self.list_count(page), self.overdue())
        self.assertEqual(page.locator("#dossier-list tbody tr").count(),
                         page.locator("#dossier-list tbody .badge.bg-danger").count())

    def test_specialist_sees_what_is_assigned_to_him(self):
        page = self.open_as("chuyenvien")
        page.goto(self.site_url)
        mine = sorted(d.dossier_code for d in _dossiers(self.portal, review_state="processing")
                      if d.assignee == "chuyenvien")
        self.assertGreaterEqual(len(mine), 2)
        self.assertEqual(self.queue_count(page, "queue-assigned"), len(mine))
        # His own queue comes first.
        self.assertEqual(page.locator("#desk-queues a").first.get_attribute("id"), "queue-assigned")
        page.click("#queue-assigned")
        codes = page.eval_on_selector_all("#dossier-list tbody td:first-child a", "links => links.map(a => a.textContent)")
        self.assertEqual(sorted(codes), mine)

    def test_dossier_list_filters_pages_and_exports(self):
        page = self.open_as("tiepnhan")
        page.goto(f"{self.site_url}/dossiers/{AGENCY}")  # the shard opens on its list
        total = len(_dossiers(self.portal))
        self.assertEqual(self.list_count(page), total)
        self.assertEqual(page.locator("#dossier-list tbody tr").count(), 50)  # first page of a batch
        self.assertTrue(page.locator("nav.pagination, ul.pagination").count())
        self.screenshot(page, "dossier-list")

        page.select_option("#filter-state", "processing")
        page.select_option("#filter-channel", "desk")
        page.click("#filter-submit")
        expected = [d for d in _dossiers(self.portal, review_state="processing") if d.channel == "desk"]
        self.assertEqual(self.list_count(page), len(expected))

        page.goto(f"{self.site_url}/dossiers/{AGENCY}/@@dossier-list?state=processing&sort_on=code&reverse=0")
        codes = page.eval_on_selector_all("#dossier-list tbody td:first-child a", "links => links.map(a => a.textContent)")
        self.assertEqual(codes, sorted(d.dossier_code for d in _dossiers(self.portal, review_state="processing")))

        with page.expect_download() as info:
            page.click("#export-csv")
        rows = list(csv.reader(io.StringIO(open(info.value.path(), encoding="utf-8-sig").read())))
        self.assertEqual(rows[0][0], "Mã hồ sơ")
        self.assertEqual(sorted(r[0] for r in rows[1:]), codes)
        with page.expect_download() as info:
            page.click("#export-xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).active
        values = list(sheet.iter_rows(values_only=True))
        self.assertEqual(values[0][0], "Mã hồ sơ")
        self.assertEqual(sorted(v[0] for v in values[1:]), codes)

        bad = page.goto(f"{self.site_url}/dossiers/{AGENCY}/@@dossier-list?start=yesterday")
        self.assertEqual(bad.status, 400)
        self.assertIn("start", page.inner_text("#list-errors"))

    def test_leader_dashboard_and_approval_queue(self):
        page = self.open_as("lanhdao")
        page.goto(self.site_url)
        self.assertEqual(self.queue_count(page, "queue-approval"), 1)
        self.assertEqual(page.locator("#desk-queues a").first.get_attribute("id"), "queue-approval")

        page.click("#desk-dashboard")
        page.wait_for_selector("#dashboard-chart[data-drawn='6']")  # Chart.js drew the six series
        total = page.locator("#dashboard-total")
        cell = lambda figure: int(total.locator(f"td[data-figure={figure}]").inner_text())  # noqa: E731
        self.assertEqual(cell("received"), len(_dossiers(self.portal)))
        self.assertEqual(cell("finished"), self.expected_count("finished", "returned"))
        self.assertEqual(cell("overdue"), self.overdue())
        self.assertEqual(cell("supplement"), self.expected_count("supplement_requested"))
        self.assertEqual(cell("online"), sum(1 for d in _dossiers(self.portal) if d.channel == "online"))
        done = [d for d in _dossiers(self.portal) if d.timeliness]
        on_time = sum(1 for d in done if d.timeliness in ("early", "on_time"))
        self.assertEqual(page.inner_text("#rate-on_time_rate"), f"{round(100.0 * on_time / len(done), 1)} %")
        self.assert_vietnamese(page)
        self.screenshot(page, "dashboard")

        page.click("#dashboard-total td[data-figure=overdue] a")  # drill down
        self.assertEqual(self.list_count(page), self.overdue())

        page.goto(self.site_url + "/@@dashboard?group=procedure")
        codes = page.eval_on_selector_all("#dashboard-table tbody tr[data-code]", "rows => rows.map(r => r.dataset.code)")
        self.assertEqual(sorted(codes), sorted({d.procedure_code for d in _dossiers(self.portal)}))
        with page.expect_download() as info:
            page.click("#dashboard-csv")
        rows = list(csv.reader(io.StringIO(open(info.value.path(), encoding="utf-8-sig").read())))
        self.assertEqual(len(rows), len(codes) + 2)  # header, one row per procedure, total

    def test_english_by_the_language_switch(self):
        page = self.open_as("tiepnhan")
        page.goto(self.site_url)
        page.click("#portal-languageselector a:has-text('English')")
        page.goto(self.site_url)
        self.assertEqual(page.inner_text("h1.documentFirstHeading"), "Work desk")
        self.assertIn("Received, not handed over", page.inner_text("#desk-queues"))

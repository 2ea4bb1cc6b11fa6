"""A procedure with a fee puts the dossier in the portal's status 6 (financial obligation
requested) until the payments recorded at the desk cover the fee; a procedure without one
never offers the step, and confirming too early says in Vietnamese how much is still due."""
import transaction
from plone import api

import translations  # noqa: F401 (compiles the .mo files first)
from helpers import AGENCY
from helpers import authenticator
from helpers import browser_session
from helpers import dossier_fields
from helpers import PROCEDURE
from test_desk_guards import VietnameseRestTestCase


class TestFeeState(VietnameseRestTestCase):
    def setUp(self):
        super().setUp()
        with api.env.adopt_roles(["Manager"]):
            self.portal.procedures[PROCEDURE].fee = 150000
        transaction.commit()
        created = self.call("POST", f"/dossiers/{AGENCY}", "reception", json={"@type": "Dossier", **dossier_fields()})
        self.assertEqual(created.status_code, 201, created.text)
        self.page = created.json()["@id"]
        self.assertEqual(self.fire("start_processing", "reception").status_code, 200)

    def fire(self, transition, user, **body):
        return self.call("POST", f"{self.page}/@workflow/{transition}", user, json=body)

    def dossier(self):
        return self.call("GET", self.page, "leader").json()

    def transitions(self, user):
        found = self.call("GET", f"{self.page}/@workflow", user).json()["transitions"]
        return {t["@id"].rsplit("/", 1)[-1] for t in found}

    def browser(self, user):
        return browser_session(user)

    def pay(self, session, amount):
        form = session.get(f"{self.page}/@@dossier-payment", timeout=30)
        token = authenticator(form.text)
        return session.post(f"{self.page}/@@dossier-payment", timeout=30, allow_redirects=False, data={
            "form.submitted": "1", "_authenticator": token, "method": "cash", "amount": str(amount)})

    def test_status_6_until_the_fee_is_paid(self):
        self.assertIn("request_payment", self.transitions("specialist"))
        self.assertNotIn("request_payment", self.transitions("leader"))
        asked = self.fire("request_payment", "specialist")
        self.assertEqual(asked.status_code, 200, asked.text)
        dossier = self.dossier()
        self.assertEqual((dossier["review_state"], dossier["status_code"]), ("payment_requested", 6))
        self.assertEqual(self.transitions("reception"), {"confirm_payment", "withdraw"})

        page = self.browser("reception").get(self.page, timeout=30).text
        self.assertIn("Yêu cầu thực hiện nghĩa vụ tài chính", page)  # the state, in Vietnamese
        self.assertNotIn("Financial obligation requested", page)

        early = self.fire("confirm_payment", "reception")
        self.assertEqual(early.status_code, 400, early.text)
        self.assertIn("còn phải nộp 150.000 đồng", early.json()["error"]["message"])
        reception = self.browser("reception")
        form = reception.get(f"{self.page}/@@dossier-transition?transition=confirm_payment", timeout=30)
        self.assertIn("còn phải nộp 150.000 đồng", form.text)  # said before the officer tries

        part = self.pay(reception, 100000)
        self.assertEqual((part.status_code, part.headers["Location"]), (302, self.page))
        self.assertNotIn('id="payment-confirm"', reception.get(f"{self.page}/@@dossier-payment", timeout=30).text)
        self.assertIn("còn phải nộp 50.000 đồng", self.fire("confirm_payment", "specialist").json()["error"]["message"])
        self.assertEqual(self.dossier()["review_state"], "payment_requested")

        rest = self.pay(reception, 50000)  # the fee is covered: the form offers "payment received"
        self.assertEqual(rest.status_code, 302, rest.text)
        self.assertEqual(rest.headers["Location"], f"{self.page}/@@dossier-transition?transition=confirm_payment")
        self.assertIn('id="payment-confirm"', reception.get(f"{self.page}/@@dossier-payment", timeout=30).text)
        confirm = reception.get(rest.headers["Location"], timeout=30)
        self.assertIn("Xác nhận đã nộp phí, lệ phí", confirm.text)
        token = authenticator(confirm.text)
        done = reception.post(f"{self.page}/@@dossier-transition", timeout=30, allow_redirects=False, data={
            "transition": "confirm_payment", "form.submitted": "1", "_authenticator": token, "comment": ""})
        self.assertEqual(done.status_code, 302, done.text[:500])
        dossier = self.dossier()
        self.assertEqual((dossier["review_state"], dossier["status_code"]), ("processing", 4))
        self.assertNotIn("request_payment", self.transitions("specialist"))  # nothing left to pay

    def test_no_fee_no_payment_step(self):
        with api.env.adopt_roles(["Manager"]):
            self.portal.procedures[PROCEDURE].fee = 0
        transaction.commit()
        self.assertNotIn("request_payment", self.transitions("specialist"))
        self.assertNotEqual(self.fire("request_payment", "specialist").status_code, 200)
        form = self.browser("specialist").get(f"{self.page}/@@dossier-transition?transition=request_payment", timeout=30)
        self.assertEqual(form.status_code, 404)
        self.assertEqual(self.dossier()["review_state"], "processing")

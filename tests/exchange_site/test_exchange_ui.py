"""The exchange officer's pages over real HTTP: the send form goes through @exchange-send's code,
refuses who may not send (sending nothing), the status trail shows each recipient's answers, and
the inbox answers received documents (a refusal needs a reason) and hands out the signed evidence."""
import os
import re
import tempfile
from datetime import datetime

import transaction
from archive.exchange import edxml
from archive.exchange.axis_server import BackgroundServer
from archive.exchange.axis_server import register_agency
from archive.exchange.axis_server import set_locked

import test_exchange_site as base
import translations  # noqa: F401 (compiles the .mo files first)
from helpers import AGENCY
from helpers import authenticator
from helpers import OTHER_AGENCY
from helpers import speak_vietnamese


def token(html):
    found = authenticator(html)
    assert found, html[:500]
    return found


class TestExchangeUI(base.ExchangeSiteBase):

    def setUp(self):
        super().setUp()
        speak_vietnamese()
        transaction.commit()

    def page(self, method, url, user, headers=None, **kwargs):
        return self.call(method, url, user, headers={"Accept": "text/html", **(headers or {})},
                         allow_redirects=False, **kwargs)

    def form_token(self, url, user):
        answer = self.page("GET", url, user)
        self.assertEqual(answer.status_code, 200, answer.text[:300])
        return token(answer.text)

    def test_send_form_confirms_sends_and_shows_the_trail(self):
        form = self.page("GET", self.doc_url + "/@@exchange-send-form", "exchange")
        self.assertEqual(form.status_code, 200, form.text[:300])
        self.assertIn(f'value="{OTHER_AGENCY}"', form.text)
        self.assertNotIn(f'value="{AGENCY}"', form.text)  # not to itself
        self.assertIsNone(re.search(r"\son[a-z]+=", form.text))  # no inline event handlers (CSP)
        self.assertIn("default-src 'self'", form.headers.get("Content-Security-Policy", ""))
        secret = token(form.text)
        review = self.page("POST", self.doc_url + "/@@exchange-send-form", "exchange",
                           data={"to:list": OTHER_AGENCY, "form.buttons.review": "1", "_authenticator": secret})
        self.assertEqual(review.status_code, 200, review.text[:300])
        self.assertIn('id="exchange-confirm-form"', review.text)
        self.assertEqual(self.outbox(), [])  # nothing before the confirmation
        sent = self.page("POST", self.doc_url + "/@@exchange-send-form", "exchange",
                         data={"to:list": OTHER_AGENCY, "form.buttons.send": "1", "_authenticator": secret})
        self.assertEqual(sent.status_code, 302, sent.text[:300])
        [queued] = self.outbox()
        self.assertEqual((queued["kind"], queued["to"]), ("edoc", [OTHER_AGENCY]))
        document_id = queued["document_id"]
        # The partner refuses with a reason: the trail shows it under that recipient.
        organ, day, number, notation = edxml.parse_document_id(document_id)
        refusal = base.sign(self.b, edxml.StatusMessage(
            response_for=edxml.ResponseFor(AGENCY, f"{number}/{notation}", day, document_id),
            from_=edxml.Organization(OTHER_AGENCY), status_code="02",
            timestamp=datetime.now(edxml.VIETNAM_TZ).replace(tzinfo=None, microsecond=0),
            description="Thiếu chữ ký số của lãnh đạo"))
        self.assertEqual(self.inbox(base.status(self.b, document_id, AGENCY, "01")).status_code, 200)
        self.assertEqual(self.inbox(refusal).status_code, 200)
        item = self.page("GET", self.doc_url, "exchange", headers={"Accept-Language": "vi"})
        self.assertEqual(item.status_code, 200)
        trail = item.text[item.text.index('id="exchange-trail"'):]
        self.assertIn(f'data-organ-id="{OTHER_AGENCY}"', trail)
        self.assertRegex(trail, r'exchange-step-reached" data-code="01"')
        self.assertRegex(trail, r'exchange-step-pending" data-code="06"')
        self.assertIn("Thiếu chữ ký số của lãnh đạo", trail[trail.index("exchange-refused"):])
        self.assertIn("Trạng thái liên thông", trail)  # in Vietnamese
        self.assertIn("02 Từ chối tiếp nhận", trail)

    def test_recipients_are_the_partners_the_axis_lists(self):
        db = os.path.join(tempfile.mkdtemp(dir=self.keys), "axis.sqlite")
        for organ_id in (AGENCY, OTHER_AGENCY):
            register_agency(db, organ_id, f"system-{organ_id}", f"secret-{organ_id}", name=organ_id)
        axis = BackgroundServer(db)
        self.addCleanup(axis.close)
        self.addCleanup(base._unset, ("ARCHIVE_AXIS_URL", "ARCHIVE_AXIS_SYSTEM_ID", "ARCHIVE_AXIS_SECRET"))
        os.environ.update(ARCHIVE_AXIS_URL=axis.url, ARCHIVE_AXIS_SYSTEM_ID=f"system-{AGENCY}",
                          ARCHIVE_AXIS_SECRET=f"secret-{AGENCY}")
        url = self.doc_url + "/@@exchange-send-form"
        self.assertIn(f'value="{OTHER_AGENCY}"', self.page("GET", url, "exchange").text)
        set_locked(db, OTHER_AGENCY)  # the axis no longer delivers to it
        locked = self.page("GET", url, "exchange").text
        self.assertNotIn(f'value="{OTHER_AGENCY}"', locked)
        self.assertIn('id="exchange-no-recipient"', locked)
        axis.close()  # the axis away: the site's partner list serves
        self.assertIn(f'value="{OTHER_AGENCY}"', self.page("GET", url, "exchange").text)

    def test_send_form_refuses_who_may_not_send_and_sends_nothing(self):
        secret = self.form_token(self.doc_url + "/@@exchange-send-form", "exchange")
        cases = [
            (self.doc_url, "reception", "login"),  # may view, may not send: Plone asks for another login
            (self.draft_url, "exchange", 404),     # may send, may not view the draft
            (self.doc_url, None, "login"),
        ]
        for url, user, expected in cases:
            got = self.page("GET", url + "/@@exchange-send-form", user)
            posted = self.page("POST", url + "/@@exchange-send-form", user,
                               data={"to:list": OTHER_AGENCY, "form.buttons.send": "1", "_authenticator": secret})
            for answer in (got, posted):
                if expected == "login":
                    self.assertEqual(answer.status_code, 302, (url, user, answer.text[:200]))
                    self.assertIn("require_login", answer.headers["Location"])
                else:
                    self.assertEqual(answer.status_code, expected, (url, user, answer.text[:200]))
        forged = self.page("POST", self.doc_url + "/@@exchange-send-form", "exchange",
                           data={"to:list": OTHER_AGENCY, "form.buttons.send": "1"})  # no CSRF token
        self.assertEqual(forged.status_code, 403, forged.text[:200])
        unknown = self.page("POST", self.doc_url + "/@@exchange-send-form", "exchange",
                            data={"to:list": "000.00.99.H41", "form.buttons.send": "1", "_authenticator": secret})
        self.assertEqual(unknown.status_code, 400, unknown.text[:200])
        self.assertEqual(self.outbox(), [])
        # The action shows for the exchange officer only.
        self.assertIn("/@@exchange-send-form", self.page("GET", self.doc_url, "exchange").text)
        self.assertNotIn("/@@exchange-send-form", self.page("GET", self.doc_url, "reception").text)

    def test_inbox_answers_with_a_reason_and_serves_the_evidence(self):
        data = base.sign(self.b, base.edoc(OTHER_AGENCY, AGENCY))
        received = self.inbox(data)
        self.assertEqual(received.status_code, 201, received.text)
        uid = received.json()["uid"]
        inbox_url = self.url + "/@@exchange-inbox"
        page = self.page("GET", inbox_url, "exchange")
        self.assertEqual(page.status_code, 200, page.text[:300])
        self.assertIn(f'id="received-{uid}"', page.text)
        self.assertEqual(page.text.count('class="card mb-3 exchange-received"'), 1)  # not its attachments
        secret = token(page.text)
        [arrived] = self.outbox()  # 01 arrived, sent on registration
        self.assertEqual(arrived["status_code"], "01")
        refused = self.page("POST", inbox_url, "exchange",
                            data={"uid": uid, "action": "refuse", "reason": "  ", "_authenticator": secret})
        self.assertEqual(refused.status_code, 400, refused.text[:300])
        self.assertIn('id="exchange-inbox-error"', refused.text)
        self.assertEqual([m["status_code"] for m in self.outbox()], ["01"])
        unassigned = self.page("POST", inbox_url, "exchange",
                               data={"uid": uid, "action": "assign", "_authenticator": secret})
        self.assertEqual(unassigned.status_code, 400, unassigned.text[:300])
        self.assertEqual([m["status_code"] for m in self.outbox()], ["01"])
        no_token = self.page("POST", inbox_url, "exchange", data={"uid": uid, "action": "accept"})
        self.assertEqual(no_token.status_code, 403)
        for action, extra, code in (("accept", {}, "03"), ("assign", {"assignee": "Trần Thị B"}, "04"),
                                    ("refuse", {"reason": "Sai thẩm quyền"}, "02")):
            done = self.page("POST", inbox_url, "exchange",
                             data={"uid": uid, "action": action, "_authenticator": secret, **extra})
            self.assertEqual(done.status_code, 302, (action, re.sub(r"<[^>]+>", " ", done.text)[-3000:]))
            self.assertEqual(self.outbox()[-1]["status_code"], code)
        history = self.call("GET", received.json()["@id"].replace("http://nohost/plone", self.url)
                            + "/@exchange-history", "exchange").json()["items"]
        self.assertEqual(history[-1]["description"], "Sai thẩm quyền")
        self.assertEqual(history[-2]["description"], "Trần Thị B")
        # The signed message exactly as it arrived, as a download.
        page = self.page("GET", inbox_url, "exchange").text
        [href] = re.findall(r'href="([^"]*@@exchange-evidence-file\?n=0)"', page)
        evidence = self.page("GET", href.replace("http://nohost/plone", self.url), "exchange")
        self.assertEqual(evidence.status_code, 200)
        self.assertEqual(evidence.content, data)
        self.assertIn("attachment", evidence.headers["Content-Disposition"])
        # Someone who may not read the item gets neither the item nor its evidence.
        anonymous = self.page("GET", href.replace("http://nohost/plone", self.url), None)
        self.assertEqual(anonymous.status_code, 302)  # to the login form
        self.assertIn("login", anonymous.headers["Location"])

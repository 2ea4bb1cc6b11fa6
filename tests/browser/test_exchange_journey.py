"""The exchange officer's journey in a real browser, in Vietnamese: from a published legal
document, "Gửi liên thông" opens the send form, the partner agency is picked and the send
confirmed; the partner's signed answers (01 arrived, 03 accepted) then show in the item's
status trail under that agency. No page of the journey breaks the Content Security Policy."""
import os
import sys
from datetime import datetime

import pytest
import transaction
from archive.exchange import edxml

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TESTS, "exchange_site"))
sys.path.insert(0, TESTS)
import test_exchange_site as base  # noqa: E402
from helpers import add_demo_officers  # noqa: E402
from helpers import AGENCY  # noqa: E402
from helpers import OTHER_AGENCY  # noqa: E402
from helpers import speak_vietnamese  # noqa: E402

OFFICER = "lienthong"


def answer(party, document_id, code):
    """The partner's signed status message about a document this site sent it."""
    organ, day, number, notation = edxml.parse_document_id(document_id)
    return base.sign(party, edxml.StatusMessage(
        response_for=edxml.ResponseFor(AGENCY, f"{number}/{notation}", day, document_id),
        from_=edxml.Organization(party.organ_id), status_code=code,
        timestamp=datetime.now(edxml.VIETNAM_TZ).replace(tzinfo=None, microsecond=0),
        description="Đã tiếp nhận, vào sổ văn bản đến" if code == "03" else "Đã đến"))


@pytest.mark.usefixtures("officer")
class TestExchangeJourney(base.ExchangeSiteBase):

    def setUp(self):
        super().setUp()
        speak_vietnamese()
        add_demo_officers(((OFFICER, "exchange"),))
        transaction.commit()

    def test_officer_sends_a_published_document_and_sees_the_trail(self):
        page = self.open_as(OFFICER)
        violations = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(self.doc_url)
        page.click("#contentview-exchange-send a")
        page.wait_for_selector("#exchange-send-form")
        assert page.locator("h1.documentFirstHeading").inner_text() == "Gửi liên thông"
        page.locator("#exchange-send-form label", has_text=OTHER_AGENCY).click()
        page.click("#exchange-review")
        page.wait_for_selector("#exchange-confirm-form")
        assert OTHER_AGENCY in page.locator("#exchange-confirm-recipients").inner_text()
        self.screenshot(page, "exchange-send-confirm")
        page.click("#exchange-confirm")
        page.wait_for_selector("#exchange-trail")
        party = page.locator(f'.exchange-party[data-organ-id="{OTHER_AGENCY}"]')
        assert "Đã ký số, chờ gửi" in party.inner_text()
        [queued] = self.outbox()
        assert queued["to"] == [OTHER_AGENCY]
        # The partner agency answers through the axis: arrived, then accepted.
        for code in ("01", "03"):
            got = self.inbox(answer(self.b, queued["document_id"], code))
            assert got.status_code == 200, got.text
        page.reload()
        reached = page.locator(f'.exchange-party[data-organ-id="{OTHER_AGENCY}"] .exchange-step-reached')
        assert reached.all_inner_texts() == ["01 Đã đến", "03 Đã tiếp nhận, vào sổ"]
        assert "Trạng thái liên thông" in page.locator("#exchange-trail h2").inner_text()
        self.screenshot(page, "exchange-status-trail")
        assert violations == []

    def test_officer_answers_a_received_document_from_the_inbox(self):
        received = self.inbox(base.sign(self.b, base.edoc(OTHER_AGENCY, AGENCY)))
        assert received.status_code == 201, received.text
        uid = received.json()["uid"]
        page = self.open_as(OFFICER)
        violations = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(self.site_url + "/incoming")
        page.click("#contentview-exchange-inbox a")
        card = page.locator(f"#received-{uid}")
        assert OTHER_AGENCY in card.inner_text()
        assert card.locator(".exchange-last-status").inner_text() == "01 Đã đến"
        assert card.locator("a.exchange-evidence").inner_text().startswith("Văn bản mới ")
        self.screenshot(page, "exchange-inbox")
        card.locator("button[value=refuse]").click()  # no reason given
        assert page.locator("#exchange-inbox-error").inner_text() == "Từ chối tiếp nhận phải ghi rõ lý do."
        card = page.locator(f"#received-{uid}")
        card.locator("input[name=reason]").fill("Văn bản gửi sai thẩm quyền")
        card.locator("button[value=refuse]").click()
        page.wait_for_selector(".portalMessage")
        assert page.locator(f"#received-{uid} .exchange-last-status").inner_text() == "02 Từ chối tiếp nhận"
        assert [m["status_code"] for m in self.outbox()] == ["01", "02"]
        assert violations == []

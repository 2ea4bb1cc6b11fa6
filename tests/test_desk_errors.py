"""A refused request reads well: each validation error once, in Vietnamese, the field named
apart from its message (no `field: ` prefix), and no traceback at ERROR level in the log."""
import logging

import requests
import transaction

import translations  # noqa: F401 (compiles the .mo files first)
from helpers import AGENCY
from helpers import dossier_fields
from helpers import OTHER_AGENCY
from helpers import PASSWORD
from helpers import RestTestCase
from helpers import speak_vietnamese


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


class TestValidationErrors(RestTestCase):
    def setUp(self):
        super().setUp()
        speak_vietnamese()
        transaction.commit()
        self.log = Records()
        logging.getLogger().addHandler(self.log)
        self.addCleanup(logging.getLogger().removeHandler, self.log)

    def post(self, path, user, body):
        return requests.post(self.url + path, json=body, auth=(user, PASSWORD), timeout=30,
                             headers={"Accept": "application/json", "Accept-Language": "vi"})

    def test_each_error_once_in_vietnamese_with_its_field(self):
        fields = dossier_fields(applicant_id="12", procedure_code="2.000488")
        del fields["applicant_name"]
        response = self.post(f"/dossiers/{AGENCY}", "reception", {"@type": "Dossier", **fields})
        self.assertEqual(response.status_code, 400, response.text)
        error = response.json()
        errors = error["errors"]
        fields = [e.get("field") for e in errors]
        self.assertNotIn(None, fields, errors)  # every error names its field
        self.assertEqual(len(fields), len(set(fields)), errors)  # each once
        by_field = {e.get("field"): e["message"] for e in errors}
        self.assertIn("applicant_id", by_field)
        self.assertIn("applicant_name", by_field)
        self.assertIn("procedure_code", by_field)
        for field, message in by_field.items():
            self.assertFalse(message.startswith(f"{field}:"), message)
            self.assertNotIn("Required input is missing", message)
        self.assertIn("Số định danh không hợp lệ", by_field["applicant_id"])
        self.assertEqual(error["message"].count(by_field["applicant_id"]), 1)
        self.assertNotIn("[{", error["message"])
        self.assertEqual(self.count("Dossier"), 0)

        # An invariant (a cross-field rule) names its field too, once.
        result = self.post(f"/results/{AGENCY}", "specialist", {
            "@type": "Result", "dossier_code": "NO-SUCH", "number_notation": "1/GP", "result_type": "Giấy phép",
            "signer": "Lê Văn Lãnh", "issue_date": "2026-05-10", "valid_until": "2026-05-01"})
        self.assertEqual(result.status_code, 400)
        errors = result.json()["errors"]
        self.assertEqual([e.get("field") for e in errors].count("valid_until"), 1, errors)
        until = [e["message"] for e in errors if e.get("field") == "valid_until"][0]
        self.assertFalse(until.startswith("valid_until"), until)

    def test_a_400_writes_no_traceback_at_error_level(self):
        # The error log's subscriber, as a Zope instance loads it (the test layers do not).
        from Products.SiteErrorLog.SiteErrorLog import IPubFailureSubscriber
        from zope.component import getGlobalSiteManager
        from ZPublisher.interfaces import IPubFailure
        registry = getGlobalSiteManager()
        registry.registerHandler(IPubFailureSubscriber, (IPubFailure,))
        self.addCleanup(registry.unregisterHandler, IPubFailureSubscriber, (IPubFailure,))
        self.assertEqual(self.post(f"/dossiers/{OTHER_AGENCY}", "other_reception", {
            "@type": "Dossier", **dossier_fields(applicant_id="x")}).status_code, 400)
        loud = [r for r in self.log.records if r.levelno >= logging.ERROR]
        self.assertEqual(loud, [], [r.getMessage()[:200] for r in loud])
        # A server fault is still logged: the error log itself is not silenced.
        self.assertTrue(self.portal.error_log.copy_to_zlog)
        self.assertNotIn("ConflictError", self.portal.error_log.getProperties()["ignored_exceptions"])

"""Small builders shared by the tests: an agency with officers, a procedure, a legal document;
a base for tests that call the real WSGI app over HTTP."""
import os
import re
import unittest
from datetime import date

import requests
import transaction
from archive.security import agency_group_id
from archive.testing import ARCHIVE_FUNCTIONAL_TESTING
from archive.testing import ARCHIVE_INTEGRATION_TESTING
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID

PASSWORD = "secret-password-1"
AGENCY = "000.00.12.H41"
OTHER_AGENCY = "000.00.17.H41"
PROCEDURE = "1.009972"

# user id -> (agency or None, function group or province group)
OFFICERS = {
    "reception": (AGENCY, "reception"),
    "specialist": (AGENCY, "specialists"),
    "leader": (AGENCY, "leaders"),
    "archivist": (AGENCY, "archivists"),
    "exchange": (AGENCY, "exchange"),
    "other_reception": (OTHER_AGENCY, "reception"),
    "other_leader": (OTHER_AGENCY, "leaders"),
    "auditor": (None, "archive-auditors"),
    "drafter": (None, "archive-legal-drafters"),
    "reviewer": (None, "archive-legal-reviewers"),
    "approver": (None, "archive-legal-approvers"),
    "citizen": (None, None),
}


def build_province(portal, commit=True):
    """Two agencies, their officers and two procedures; committed so HTTP sees them."""
    with api.env.adopt_roles(["Manager"]):
        for code, name in ((AGENCY, "Sở Xây dựng"), (OTHER_AGENCY, "Sở Tư pháp")):
            if code not in portal.agencies:
                api.content.create(container=portal.agencies, type="Agency", id=code, title=name,
                                   agency_code=code, level="department")
        for code, title, agency in ((PROCEDURE, "Cấp giấy phép xây dựng", AGENCY),
                                    ("2.000488", "Cấp Phiếu lý lịch tư pháp", OTHER_AGENCY)):
            if code not in portal.procedures:
                api.content.create(container=portal.procedures, type="Procedure", id=code, procedure_code=code,
                                   title=title, sector="Xây dựng", agency_code=agency, processing_days=10.0,
                                   result_type="Giấy phép", online_level="partial")
        for user_id, (agency, group) in OFFICERS.items():
            if api.user.get(username=user_id) is None:
                api.user.create(email=f"{user_id}@example.org", username=user_id, password=PASSWORD)
            if group:
                group_id = agency_group_id(agency, group) if agency else group
                api.group.add_user(groupname=group_id, username=user_id)
    if commit:
        transaction.commit()


def issued_result_for(portal, dossier):
    """An issued result of the dossier, which approving and returning it need (workflow guards)."""
    from archive.content.results import create_result

    result = create_result(portal.results[dossier.agency_code], dossier_code=dossier.dossier_code,
                           number_notation="1/GP", result_type="Giấy phép", signer="Lê Văn Lãnh",
                           issue_date=date(2026, 5, 10))
    for transition in ("sign", "issue"):
        api.content.transition(obj=result, transition=transition)
    return result


def dossier_fields(**overrides):
    fields = dict(procedure_code=PROCEDURE, applicant_name="Nguyễn Văn An", applicant_id="040201001234",
                  applicant_address="Số 5, đường Lê Lợi, thành phố Vinh", channel="desk")
    fields.update(overrides)
    return fields


class ProvinceTestCase(unittest.TestCase):
    """A site with the test province, the test user a Manager (in process, no HTTP)."""

    layer = ARCHIVE_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        build_province(self.portal, commit=False)


class RestTestCase(unittest.TestCase):
    """A province's site served over HTTP; `call` as a user of OFFICERS, "admin" or anonymous."""

    layer = ARCHIVE_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        build_province(self.portal)
        self.url = f"http://{self.layer['host']}:{self.layer['port']}/plone"

    def call(self, method, path, user=None, **kwargs):
        auth = None
        if user == "admin":
            auth = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
        elif user:
            auth = (user, PASSWORD)
        url = path if path.startswith("http") else self.url + path
        return requests.request(method, url, auth=auth, headers={"Accept": "application/json"}, timeout=30, **kwargs)

    def count(self, portal_type):
        transaction.begin()  # see what the server committed
        return len(api.portal.get_tool("portal_catalog").unrestrictedSearchResults(portal_type=portal_type))


def speak_vietnamese():
    """Let the site answer in Vietnamese by default, or in English where a request's Accept-Language asks."""
    api.portal.set_registry_record("plone.available_languages", ["vi", "en"])
    api.portal.set_registry_record("plone.default_language", "vi")
    api.portal.set_registry_record("plone.use_request_negotiation", True)


def browser_session(user, language="vi"):
    """A requests session for HTML pages, logged in as `user` of OFFICERS and asking for `language`."""
    session = requests.Session()
    session.auth = (user, PASSWORD)
    session.headers["Accept-Language"] = language
    return session


def authenticator(html):
    """The CSRF token (`_authenticator`) of the form in the page, or None where it has none."""
    found = re.search(r'name="_authenticator" value="([^"]+)"', html)
    return found.group(1) if found else None


def add_demo_officers(officers, agency=AGENCY):
    """Give each (user id, group) of `officers` an account with the demo password the browser tests
    log in with (ARCHIVE_DEMO_PASSWORD), in that group of `agency`."""
    for user_id, group in officers:
        if api.user.get(username=user_id) is None:
            api.user.create(email=f"{user_id}@example.org", username=user_id,
                            password=os.environ["ARCHIVE_DEMO_PASSWORD"])
        api.group.add_user(groupname=agency_group_id(agency, group), username=user_id)

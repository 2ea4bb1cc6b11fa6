"""How workers reach the Zope site: its URL and the service account they act as
(ARCHIVE_SITE_URL, ARCHIVE_SERVICE_AUTH as user:password)."""
import os

import requests


def site_url():
    return os.environ["ARCHIVE_SITE_URL"].rstrip("/")


def service_auth():
    user, _, password = os.environ["ARCHIVE_SERVICE_AUTH"].partition(":")
    return user, password


def post(service, timeout):
    """POST to one of the site's REST services (e.g. "@audit-seal"); its JSON answer."""
    answer = requests.post(f"{site_url()}/{service}", auth=service_auth(), headers={"Accept": "application/json"},
                           timeout=timeout)
    answer.raise_for_status()
    return answer.json()

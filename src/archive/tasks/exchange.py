"""Worker tasks of the edXML exchange: send Zope's exchange outbox to the axis, poll the axis into Zope.

Like the search tasks, these never open the ZODB: they talk to the site over HTTP with a
service account (ARCHIVE_SITE_URL, ARCHIVE_SERVICE_AUTH) and to the axis with the agency's
system credentials (ARCHIVE_AXIS_URL, ARCHIVE_AXIS_SYSTEM_ID, ARCHIVE_AXIS_SECRET).
A message leaves Zope's outbox only once the axis has taken it (or refused it for good),
so an axis outage delays messages and loses none; the receiver is idempotent on
DocumentId, so a message sent twice after a lost acknowledgement registers once.
"""
import base64
import logging
import os

import requests

from archive.exchange.axis_client import AxisClient
from archive.exchange.axis_client import PermanentAxisError
from archive.exchange.axis_client import TransientAxisError
from archive.tasks import site
from archive.tasks.app import app

logger = logging.getLogger("archive.tasks.exchange")
BATCH = int(os.environ.get("ARCHIVE_EXCHANGE_BATCH", "20"))
HEADERS = {"Accept": "application/json"}


def config():
    return {
        "site": site.site_url(),
        "auth": site.service_auth(),
        "axis": os.environ["ARCHIVE_AXIS_URL"],
        "system_id": os.environ["ARCHIVE_AXIS_SYSTEM_ID"],
        "secret": os.environ["ARCHIVE_AXIS_SECRET"],
    }


def axis_client(cfg):
    return AxisClient(cfg["axis"], cfg["system_id"], cfg["secret"], timeout=(3.0, 30.0))


class ZopeUnavailable(Exception):
    """The site did not answer as expected: try again later, the axis keeps the message."""


def send_once(cfg, client=None, session=None):
    """One batch of the outbox. Returns (settled, transient_error or None)."""
    session = session or requests.Session()
    client = client or axis_client(cfg)
    answer = session.get(f"{cfg['site']}/@exchange-outbox", params={"limit": BATCH}, auth=cfg["auth"],
                         headers=HEADERS, timeout=60)
    answer.raise_for_status()
    settled = 0
    for item in answer.json()["items"]:
        report = {}
        try:
            result = client.send(base64.b64decode(item["data"]), item["kind"])
            report["done"] = [{"id": item["id"], "axis_ids": result.ids}]
        except PermanentAxisError as exc:
            logger.error("The axis refused %s %s: %s", item["kind"], item["document_id"], exc)
            report["refused"] = [{"id": item["id"], "code": exc.code, "message": str(exc)}]
        except TransientAxisError as exc:
            # Keep the order: later messages (statuses) wait for the earlier ones.
            session.post(f"{cfg['site']}/@exchange-outbox", json={"failed": [{"id": item["id"], "error": str(exc)}]},
                         auth=cfg["auth"], headers=HEADERS, timeout=60)
            return settled, exc
        # Settled one by one: a crash between send and settle resends one message at most.
        session.post(f"{cfg['site']}/@exchange-outbox", json=report, auth=cfg["auth"], headers=HEADERS,
                     timeout=60).raise_for_status()
        settled += 1
    return settled, None


def poll_once(cfg, client=None, session=None):
    """Fetch every pending delivery and post it to the site's inbox. Returns the number handled."""
    session = session or requests.Session()
    client = client or axis_client(cfg)
    handled = 0
    for delivery in client.list_received(status="pending"):
        data = client.get(delivery.id)
        answer = session.post(f"{cfg['site']}/@exchange-inbox", data=data, auth=cfg["auth"],
                              headers={**HEADERS, "Content-Type": "application/xml"}, timeout=120)
        if answer.status_code in (200, 201):
            client.update_status(delivery.id, "done", answer.json().get("document_id", ""))
        elif answer.status_code == 400:
            error = answer.json().get("error", {})
            logger.warning("Refused delivery %s from %s: %s", delivery.id, delivery.sender, error)
            client.update_status(delivery.id, "fail", f"{error.get('reason')}: {error.get('message', '')}"[:2000])
        else:
            raise ZopeUnavailable(f"@exchange-inbox answered HTTP {answer.status_code}")
        handled += 1
    return handled


def _backoff(retries):
    return min(30, 2 ** min(retries, 5))


@app.task(name="archive.exchange.send", bind=True, max_retries=None)
def send(self, periodic=False):
    """Send until the outbox is empty; on an axis or site outage retry with backoff
    (the periodic run does not retry: the next period is its retry, so none pile up)."""
    cfg = config()
    client = axis_client(cfg)
    total = 0
    try:
        while True:
            settled, transient = send_once(cfg, client)
            total += settled
            if transient is not None:
                raise transient
            if settled == 0:
                return total
    except Exception as exc:  # noqa: BLE001 - the outbox keeps the messages; try again later
        logger.warning("Exchange send interrupted after %d messages: %s", total, exc)
        if periodic:
            return total
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries))
    finally:
        client.close()


@app.task(name="archive.exchange.poll")
def poll():
    """Periodic: bring new deliveries from the axis into the site (the axis keeps them until done)."""
    cfg = config()
    client = axis_client(cfg)
    try:
        return poll_once(cfg, client)
    except Exception as exc:  # noqa: BLE001 - the next period tries again; nothing is acknowledged
        logger.warning("Exchange poll interrupted: %s", exc)
        return -1
    finally:
        client.close()

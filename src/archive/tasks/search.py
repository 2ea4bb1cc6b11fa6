"""Worker task: move documents from Zope's search outbox into Elasticsearch, in batches."""
import logging
import os

import requests

from archive.search.client import SearchClient
from archive.search.mapping import alias_name
from archive.tasks.app import app

logger = logging.getLogger("archive.tasks.search")
BATCH = int(os.environ.get("ARCHIVE_DRAIN_BATCH", "500"))


def _config():
    user, _, password = os.environ["ARCHIVE_SERVICE_AUTH"].partition(":")
    return {
        "site": os.environ["ARCHIVE_SITE_URL"].rstrip("/"),
        "auth": (user, password),
        "es": os.environ["ARCHIVE_ES_URL"].split(",")[0],
        "prefix": os.environ.get("ARCHIVE_ES_PREFIX", "plone"),
    }


def drain_once(config, session=None):
    """One batch: fetch, bulk-index, acknowledge. Returns the number acknowledged."""
    session = session or requests.Session()
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    answer = session.get(f"{config['site']}/@search-outbox", params={"limit": BATCH},
                         auth=config["auth"], headers=headers, timeout=60)
    answer.raise_for_status()
    items = answer.json()["items"]
    if not items:
        return 0
    actions = []
    for item in items:
        if item["action"] == "delete":
            actions.append({"action": "delete", "id": item["uid"]})
        else:
            actions.append({"action": "index", "id": item["uid"], "doc": item["doc"], "version": item["version"]})
    client = SearchClient(config["es"])
    client.ensure_index(config["prefix"])
    result = client.bulk(alias_name(config["prefix"]), actions, require_alias=True)
    retry = set(result.retryable)
    for error in result.errors:
        if not error["retryable"]:
            # Resending cannot help (e.g. a mapping error); `archive search reconcile` reports it.
            logger.error("Elasticsearch refused %s: %s %s", error["id"], error["type"], error["reason"])
    done = [[item["uid"], item["stamp"]] for item in items if item["uid"] not in retry]
    if done:
        session.post(f"{config['site']}/@search-outbox", json={"done": done}, auth=config["auth"],
                     headers=headers, timeout=60).raise_for_status()
    return len(done)


@app.task(name="archive.search.drain", bind=True, max_retries=None)
def drain(self):
    """Drain until the outbox is empty; on an outage retry with backoff (the outbox keeps it)."""
    config = _config()
    total = 0
    try:
        while True:
            done = drain_once(config)
            total += done
            if done < 1:
                break
    except Exception as exc:  # noqa: BLE001 - Elasticsearch or Zope down: try again later
        logger.warning("Drain interrupted after %d documents: %s", total, exc)
        raise self.retry(exc=exc, countdown=min(60, 2 ** min(self.request.retries, 6)))
    return total

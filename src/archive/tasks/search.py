"""Worker task: move documents from Zope's search outbox into Elasticsearch, in batches."""
import logging
import os
from concurrent.futures import ThreadPoolExecutor

import requests

from archive.search.client import SearchClient
from archive.search.mapping import alias_name
from archive.tasks import site
from archive.tasks.app import app

logger = logging.getLogger("archive.tasks.search")
BATCH = int(os.environ.get("ARCHIVE_DRAIN_BATCH", "1000"))
# Bulk requests in flight at once for one batch: Elasticsearch indexes one bulk request
# to a shard on one write thread, so a single request keeps one core busy at most.
BULK_PARALLEL = max(1, int(os.environ.get("ARCHIVE_BULK_PARALLEL", "2")))


def _config():
    return {
        "site": site.site_url(),
        "auth": site.service_auth(),
        "es": os.environ["ARCHIVE_ES_URL"].split(",")[0],
        "prefix": os.environ.get("ARCHIVE_ES_PREFIX", "plone"),
    }


HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


def fetch(config, session, after=None):
    """The next batch of pending entries, each with its document (those after UID ``after``)."""
    params = {"limit": BATCH}
    if after:
        params["after"] = after
    answer = session.get(f"{config['site']}/@search-outbox", params=params, auth=config["auth"],
                         headers=HEADERS, timeout=120)
    answer.raise_for_status()
    return answer.json()["items"]


def _bulk(client, config, items):
    actions = []
    for item in items:
        if item["action"] == "delete":
            actions.append({"action": "delete", "id": item["uid"]})
        else:
            actions.append({"action": "index", "id": item["uid"], "doc": item["doc"], "version": item["version"]})
    return client.bulk(alias_name(config["prefix"]), actions, require_alias=True, timeout=120)


def index(client, config, items, pool=None, others=()):
    """Bulk-write a batch; return the ``[uid, stamp]`` pairs Elasticsearch now holds (or refused for good).

    With a thread ``pool`` and ``others`` (clients of their own: a session is not shared
    between threads) the batch goes in that many more bulk requests at once. An item is
    in one request only, so the versions still decide between two writes of the same item.
    """
    parts = len(others) + 1 if pool is not None else 1
    size = max(1, -(-len(items) // parts))
    slices = [items[start:start + size] for start in range(0, len(items), size)] or [[]]
    pending = [pool.submit(_bulk, other, config, part) for other, part in zip(others, slices[1:])]
    results = [_bulk(client, config, slices[0])] + [future.result() for future in pending]
    retry = set()
    for result in results:
        retry.update(result.retryable)
        for error in result.errors:
            if not error["retryable"]:
                # Resending cannot help (e.g. a mapping error); `archive search reconcile` reports it.
                logger.error("Elasticsearch refused %s: %s %s", error["id"], error["type"], error["reason"])
    return [[item["uid"], item["stamp"]] for item in items if item["uid"] not in retry]


def acknowledge(config, session, done):
    session.post(f"{config['site']}/@search-outbox", json={"done": done}, auth=config["auth"],
                 headers=HEADERS, timeout=120).raise_for_status()


def drain_once(config, session=None):
    """One batch: fetch, bulk-index, acknowledge. Returns the number acknowledged."""
    session = session or requests.Session()
    items = fetch(config, session)
    if not items:
        return 0
    client = SearchClient(config["es"])
    client.ensure_index(config["prefix"])
    done = index(client, config, items)
    if done:
        acknowledge(config, session, done)
    return len(done)


def drain_all(config):
    """Drain until a pass over the outbox acknowledges nothing; returns the number acknowledged.

    Pipelined: while Elasticsearch indexes one batch (in ``BULK_PARALLEL`` requests at
    once), the site already builds the next (fetched in a second thread, after the last
    UID of this one), so the two work side by side instead of taking turns. A pass walks the outbox in UID order to its end;
    the next pass starts again from the beginning, for entries recorded meanwhile and
    for those Elasticsearch asked to resend.
    """
    client = SearchClient(config["es"], timeout=120)
    client.ensure_index(config["prefix"])
    others = [SearchClient(config["es"], timeout=120) for _ in range(BULK_PARALLEL - 1)]
    session, fetch_session = requests.Session(), requests.Session()
    total = 0
    with ThreadPoolExecutor(max_workers=1) as pool, ThreadPoolExecutor(max_workers=max(1, len(others))) as bulks:
        while True:
            acknowledged = 0
            upcoming = pool.submit(fetch, config, fetch_session)
            while upcoming is not None:
                items = upcoming.result()
                if not items:
                    break
                full = len(items) >= BATCH
                upcoming = pool.submit(fetch, config, fetch_session, items[-1]["uid"]) if full else None
                done = index(client, config, items, bulks, others)
                if done:
                    acknowledge(config, session, done)
                acknowledged += len(done)
            total += acknowledged
            if not acknowledged:
                return total


@app.task(name="archive.search.drain", bind=True, max_retries=None)
def drain(self):
    """Drain until the outbox is empty; on an outage retry with backoff (the outbox keeps it)."""
    config = _config()
    try:
        return drain_all(config)
    except Exception as exc:  # noqa: BLE001 - Elasticsearch or Zope down: try again later
        logger.warning("Drain interrupted: %s", exc)
        raise self.retry(exc=exc, countdown=min(60, 2 ** min(self.request.retries, 6)))

"""Reconcile and reindex: compare the site with the index, repair the difference, rebuild.

Runs outside Zope (the `archive search` command, or a worker), talking to the site's
@search-inventory / @search-outbox over HTTP and to Elasticsearch directly.
"""
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import requests

from archive.search import mapping
from archive.search.client import SearchClient
from archive.search.client import SearchError
from archive.search.mapping import alias_name

PAGE = 1000


@dataclass
class Config:
    site: str
    auth: tuple
    es: str
    prefix: str = "plone"

    @classmethod
    def from_env(cls, site=None, auth=None, es=None, prefix=None):
        auth = auth or os.environ.get("ARCHIVE_SERVICE_AUTH", "")
        user, _, password = auth.partition(":")
        return cls(site=(site or os.environ["ARCHIVE_SITE_URL"]).rstrip("/"), auth=(user, password),
                   es=(es or os.environ["ARCHIVE_ES_URL"]).split(",")[0],
                   prefix=prefix or os.environ.get("ARCHIVE_ES_PREFIX", "plone"))


@dataclass
class Differences:
    missing: list = field(default_factory=list)  # in the site, not in the index
    stale: list = field(default_factory=list)  # in both, older in the index
    orphaned: list = field(default_factory=list)  # in the index, gone from the site

    @property
    def total(self):
        return len(self.missing) + len(self.stale) + len(self.orphaned)


def _get(config, path, **params):
    answer = requests.get(config.site + path, params=params, auth=config.auth,
                          headers={"Accept": "application/json"}, timeout=120)
    answer.raise_for_status()
    return answer.json()


def inventory_pages(config, documents=False):
    """The site's searched items in UID order, a page at a time (each page after the last
    UID of the previous one: the site walks its UID index instead of sorting every item)."""
    after = ""
    while True:
        items = _get(config, "/@search-inventory", after=after, b_size=PAGE, documents=int(documents))["items"]
        yield items
        if len(items) < PAGE:
            return
        after = items[-1]["uid"]


def site_inventory(config, documents=False):
    for items in inventory_pages(config, documents):
        yield from items


def _seconds(value):
    if not value:
        return None
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def compare(config):
    client = SearchClient(config.es)
    client.ensure_index(config.prefix)
    indexed = {uid: _seconds(modified) for uid, modified in client.iter_ids(alias_name(config.prefix))}
    differences = Differences()
    for item in site_inventory(config):
        seen = indexed.pop(item["uid"], "absent")
        if seen == "absent":
            differences.missing.append(item["uid"])
        elif seen is None or seen < item["modified"]:
            differences.stale.append(item["uid"])
    differences.orphaned = sorted(indexed)
    return differences


def repair(config, differences):
    """Write the site's current document for missing and stale items, drop orphans.

    Written without an external version on purpose: a repair must win even over a
    delete's tombstone or a version the index got wrong."""
    client = SearchClient(config.es)
    alias = alias_name(config.prefix)
    todo = differences.missing + differences.stale
    for start in range(0, len(todo), 200):
        chunk = todo[start:start + 200]
        page = _get(config, "/@search-inventory", uids=",".join(chunk), documents=1, b_size=len(chunk))
        client.bulk(alias, [{"action": "index", "id": item["uid"], "doc": item["doc"]} for item in page["items"]])
    if differences.orphaned:
        client.bulk(alias, [{"action": "delete", "id": uid} for uid in differences.orphaned])
    client.refresh(alias)  # so the check that follows sees the repair


def reindex(config):
    """Build a new versioned index from the site and swap the alias to it: searches keep
    answering from the old index until the swap. Returns (new index, documents).

    The new index is built without refreshes (nobody searches it yet) and the site
    builds the next page of documents while Elasticsearch indexes this one."""
    client = SearchClient(config.es, timeout=120)
    client.ensure_index(config.prefix)
    new_index = client.create_versioned_index(config.prefix,
                                              body=mapping.index_body(refresh_interval="-1", replicas=0))
    count = 0
    pages = inventory_pages(config, documents=True)
    with ThreadPoolExecutor(max_workers=1) as pool:
        upcoming = pool.submit(next, pages, None)
        while True:
            items = upcoming.result()
            if items is None:
                break
            upcoming = pool.submit(next, pages, None)
            result = client.bulk(new_index, [{"action": "index", "id": item["uid"], "doc": item["doc"],
                                              "version": item["version"]} for item in items])
            if result.errors:
                client.delete_index(new_index)
                raise SearchError(f"reindex stopped, the alias still points to the old index: "
                                  f"{len(result.errors)} documents refused, e.g. {result.errors[0]}")
            count += len(items)
    # Back to the usual settings: the default refresh interval, replicas as mapping.settings() sets them.
    client.request("PUT", f"/{new_index}/_settings",
                   body={"index": {"refresh_interval": None, "auto_expand_replicas": "0-1"}})
    client.refresh(new_index)
    client.swap_alias(alias_name(config.prefix), new_index, delete_old=True)
    return new_index, count

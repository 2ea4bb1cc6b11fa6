"""A small Elasticsearch REST client on ``requests`` for the archive index.

Covers what indexing, reconciling and searching need: health, versioned index
creation, bulk writes, listing ids with their ``modified`` date, atomic alias
swaps, count and search.  Connection failures, timeouts, 5xx and 429 answers
raise ``SearchUnavailable`` (retry later); other refusals raise ``SearchError``.
"""

import json
import time

import requests

from archive.search import mapping

# How long an index the alias has left stays, for searches already on their way to it.
OLD_INDEX_GRACE_SECONDS = 3


class SearchError(Exception):
    """Elasticsearch refused a request (4xx other than 429)."""

    def __init__(self, message, status=None, body=None):
        super().__init__(message)
        self.status = status
        self.body = body


class SearchUnavailable(SearchError):
    """Elasticsearch cannot be reached or cannot serve now; the caller may retry later."""


class BulkResult:
    """Outcome of one bulk request.

    ``errors`` lists failed items as dicts ``{"id", "action", "status", "type",
    "reason", "retryable"}``; deleting a missing document and writing an older
    external version than the stored one (409) are not errors: the index is
    already in the wanted or a newer state (``skipped`` counts the latter).
    """

    def __init__(self, items=None, errors=None, skipped=0, took=0):
        self.items = items or []
        self.errors = errors or []
        self.skipped = skipped
        self.took = took

    @property
    def ok(self):
        return not self.errors

    @property
    def retryable(self):
        """Ids whose failure was transient (429/5xx): send them again later."""
        return [error["id"] for error in self.errors if error["retryable"]]

    def __repr__(self):
        return f"<BulkResult items={len(self.items)} errors={len(self.errors)} skipped={self.skipped}>"


def _transient(status):
    return status == 429 or status >= 500


class SearchClient:
    """Talks to one Elasticsearch base URL, e.g. ``http://127.0.0.1:9200``."""

    def __init__(self, url, timeout=10.0, session=None, auth=None):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        if auth is not None:
            self.session.auth = auth

    # -- transport -------------------------------------------------------

    def request(self, method, path, body=None, params=None, ok=(), timeout=None, ndjson=None):
        """Send one request; return the decoded JSON (or None for HEAD/empty bodies).

        Statuses in ``ok`` are returned as ``{"status": N, ...body}`` instead of raising.
        """
        headers = {}
        data = None
        if ndjson is not None:
            headers["Content-Type"] = "application/x-ndjson"
            data = ndjson.encode("utf-8")
        elif body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            response = self.session.request(
                method,
                self.url + path,
                data=data,
                params=params,
                headers=headers,
                timeout=self.timeout if timeout is None else timeout,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise SearchUnavailable(f"Elasticsearch at {self.url} unreachable: {exc}") from exc
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = {"raw": response.text}
        status = response.status_code
        if status < 300:
            return payload
        if status in ok:
            result = payload if isinstance(payload, dict) else {}
            result = dict(result)
            result["status"] = status
            return result
        reason = _error_reason(payload) or response.reason
        message = f"{method} {path} -> {status}: {reason}"
        if _transient(status):
            raise SearchUnavailable(message, status, payload)
        raise SearchError(message, status, payload)

    # -- cluster ---------------------------------------------------------

    def ping(self):
        """True if Elasticsearch answers at all."""
        try:
            self.request("GET", "/", timeout=min(self.timeout, 5.0))
        except SearchError:
            return False
        return True

    def health(self, index=None, wait_for_status=None, timeout="5s"):
        """The cluster (or index) health document."""
        path = "/_cluster/health" + (f"/{index}" if index else "")
        params = {"timeout": timeout}
        if wait_for_status:
            params["wait_for_status"] = wait_for_status
        return self.request("GET", path, params=params, ok=(408,))

    def is_healthy(self):
        """Whether the cluster is green or yellow (red or unreachable is not)."""
        try:
            return self.health().get("status") in ("green", "yellow")
        except SearchError:
            return False

    # -- indices and aliases ----------------------------------------------

    def index_exists(self, name):
        return self.request("HEAD", f"/{name}", ok=(404,)) is None

    def create_index(self, name, body=None):
        """Create ``name`` with the archive settings and mapping (or ``body``)."""
        return self.request("PUT", f"/{name}", body=body or mapping.index_body())

    def index_versions(self, prefix):
        """Sorted versions of the existing ``{prefix}-archive-v{N}`` indices."""
        result = self.request(
            "GET", f"/{mapping.alias_name(prefix)}-v*", params={"filter_path": "*.settings.index.provided_name"}
        ) or {}
        versions = []
        for name in result:
            parsed = mapping.parse_index_name(name)
            if parsed and parsed[0] == prefix:
                versions.append(parsed[1])
        return sorted(versions)

    def create_versioned_index(self, prefix, version=None, body=None):
        """Create ``{prefix}-archive-v{N}`` (N = newest existing + 1 by default); return its name."""
        if version is None:
            existing = self.index_versions(prefix)
            version = (existing[-1] + 1) if existing else 1
        name = mapping.index_name(prefix, version)
        self.create_index(name, body)
        return name

    def alias_indices(self, alias):
        """Names of the indices ``alias`` points to (empty if it does not exist)."""
        result = self.request("GET", f"/_alias/{alias}", ok=(404,))
        if not result or result.get("status") == 404:
            return []
        return sorted(name for name in result if name != "status")

    def swap_alias(self, alias, index, delete_old=False):
        """Point ``alias`` at ``index`` only, in one atomic ``_aliases`` call.

        Searches through the alias see the old index until the new one, never
        nothing.  Returns the indices the alias left; deletes them if ``delete_old``,
        after OLD_INDEX_GRACE_SECONDS: a search that resolved the alias to an old index
        just before the swap must still find it there.
        """
        old = [name for name in self.alias_indices(alias) if name != index]
        actions = [{"remove": {"index": name, "alias": alias}} for name in old]
        actions.append({"add": {"index": index, "alias": alias, "is_write_index": True}})
        self.request("POST", "/_aliases", body={"actions": actions})
        if delete_old and old:
            time.sleep(OLD_INDEX_GRACE_SECONDS)
            for name in old:
                self.delete_index(name)
        return old

    def ensure_index(self, prefix):
        """Make sure ``{prefix}-archive`` points to an index; return that index's name."""
        alias = mapping.alias_name(prefix)
        current = self.alias_indices(alias)
        if current:
            return current[-1]
        name = self.create_versioned_index(prefix)
        self.swap_alias(alias, name)
        return name

    def delete_index(self, name):
        """Delete an index; a missing one is fine."""
        self.request("DELETE", f"/{name}", ok=(404,))

    def refresh(self, index):
        self.request("POST", f"/{index}/_refresh")

    # -- documents -------------------------------------------------------

    def bulk(self, index, actions, refresh=None, require_alias=False, timeout=None):
        """Apply index/delete actions; return a ``BulkResult``.

        Each action is a dict: ``{"action": "index", "id": uid, "doc": {...}}``
        or ``{"action": "delete", "id": uid}``, optionally with ``"version"`` (an
        integer that only grows, e.g. modified time in ms) so a late, older write
        cannot overwrite a newer one.  Replaying the same actions is harmless.
        ``refresh`` is passed through (``True``, ``"wait_for"``).  With
        ``require_alias`` a missing alias fails instead of auto-creating an index.
        """
        lines = []
        order = []
        for action in actions:
            kind = action.get("action", "index")
            if kind not in ("index", "delete"):
                raise ValueError(f"unknown bulk action {kind!r}")
            meta = {"_id": str(action["id"])}
            if action.get("index"):
                meta["_index"] = action["index"]
            if action.get("version") is not None:
                meta["version"] = int(action["version"])
                meta["version_type"] = "external_gte"
            lines.append(json.dumps({kind: meta}, ensure_ascii=False))
            if kind == "index":
                lines.append(json.dumps(action["doc"], ensure_ascii=False))
            order.append((kind, meta["_id"]))
        if not lines:
            return BulkResult()
        params = {}
        if refresh is not None:
            params["refresh"] = "true" if refresh is True else str(refresh)
        if require_alias:
            params["require_alias"] = "true"
        result = self.request(
            "POST", f"/{index}/_bulk", params=params, ndjson="\n".join(lines) + "\n", timeout=timeout
        )
        return _bulk_result(result, order)

    def get(self, index, doc_id):
        """The ``_source`` of one document, or None."""
        result = self.request("GET", f"/{index}/_doc/{doc_id}", ok=(404,))
        if not result or result.get("status") == 404 or not result.get("found"):
            return None
        return result["_source"]

    def _scan(self, index, page_size, keep_alive="2m", **body):
        """Yield pages of hits of a point-in-time snapshot, walked with search_after.

        The snapshot is consistent even while writes go on; it is closed afterwards.
        """
        pit = self.request("POST", f"/{index}/_pit", params={"keep_alive": keep_alive})["id"]
        search_after = None
        try:
            while True:
                request = {"size": page_size, "sort": [{"_shard_doc": "asc"}],
                           "pit": {"id": pit, "keep_alive": keep_alive}, **body}
                if search_after is not None:
                    request["search_after"] = search_after
                result = self.request("POST", "/_search", body=request)
                pit = result.get("pit_id", pit)
                hits = result["hits"]["hits"]
                yield hits
                if len(hits) < page_size:
                    return
                search_after = hits[-1]["sort"]
        finally:
            try:
                self.request("DELETE", "/_pit", body={"id": pit}, ok=(404,))
            except SearchError:
                pass

    def iter_ids(self, index, field="modified", page_size=1000, keep_alive="2m"):
        """Yield ``(id, value of field)`` for every document.

        Used to reconcile the index with the site (find missing, stale and orphaned documents).
        """
        body = {"_source": False, "fields": [field] if field else [], "track_total_hits": False}
        for hits in self._scan(index, page_size, keep_alive, **body):
            for hit in hits:
                values = hit.get("fields", {}).get(field) if field else None
                yield hit["_id"], (values[0] if values else None)

    def ids_modified(self, index, field="modified"):
        """``{id: modified}`` for all documents of ``index`` (or alias)."""
        return dict(self.iter_ids(index, field=field))

    # -- queries ---------------------------------------------------------

    def count(self, index, query=None):
        body = {"query": query} if query else None
        return self.request("POST", f"/{index}/_count", body=body)["count"]

    def search(self, index, body, timeout=None):
        """Run a search body (see ``archive.search.query.build_query``); return the raw answer."""
        return self.request("POST", f"/{index}/_search", body=body, timeout=timeout)


def _error_reason(payload):
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return error


def _bulk_result(result, order):
    items = []
    errors = []
    skipped = 0
    for (kind, doc_id), item in zip(order, result.get("items", [])):
        outcome = item.get(kind, {})
        status = outcome.get("status", 0)
        items.append({"id": doc_id, "action": kind, "status": status, "result": outcome.get("result")})
        if status < 300 or (kind == "delete" and status == 404):
            continue
        error = outcome.get("error") or {}
        if status == 409 and error.get("type") == "version_conflict_engine_exception":
            skipped += 1
            continue
        errors.append(
            {
                "id": doc_id,
                "action": kind,
                "status": status,
                "type": error.get("type"),
                "reason": error.get("reason"),
                "retryable": _transient(status),
            }
        )
    return BulkResult(items=items, errors=errors, skipped=skipped, took=result.get("took", 0))

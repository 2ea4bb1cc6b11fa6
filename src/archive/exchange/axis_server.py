"""Reference document axis (trục liên thông): a small WSGI exchange hub over SQLite.

It stands in for a provincial LGSP / the national VDXP in tests and demonstrations.
It routes edXML between registered agencies; it checks the edXML structure but not
signatures, which receivers verify end to end (see trust.py).

JSON API (every JSON answer carries "code" (axis error code) and "message"):

    POST /api/v1/auth
        body {"system_id": "...", "secret": "..."}
        -> {"code": 0, "token": "...", "token_type": "Bearer", "expires_in": 3600, "organ_id": "..."}
    POST /api/v1/messages?type=edoc|status          Authorization: Bearer TOKEN
        body: the edXML bytes (Content-Type application/xml)
        -> {"code": 0, "ids": [delivery ids], "receivers": [OrganIds], "message_id": n}
        Routing: edoc -> every MessageHeader/To/OrganId; status -> Status/ResponseFor/OrganId.
        From/OrganId must be the authenticated agency.
    GET  /api/v1/messages?since=ISO-8601[&status=pending|processing|done|fail]
        -> {"code": 0, "messages": [{"id", "message_id", "sender", "type", "document_id",
            "received_at", "status", "status_at", "size", "sha256"}]}
        Deliveries to the authenticated agency received strictly after `since`
        (UTC if no offset given), oldest first.
    GET  /api/v1/messages/{id}
        -> 200 with the edXML bytes (application/xml; headers X-Axis-Message-Type,
           X-Axis-Sender, X-Axis-Sha256); errors in JSON.
    POST /api/v1/messages/{id}/status
        body {"status": "processing|done|fail", "description": "..."} -> {"code": 0}
    GET  /api/v1/agencies
        -> {"code": 0, "agencies": [{"organ_id", "name", "locked"}]}

Error codes (from a provincial axis): 0 OK, 10 invalid file, 15 bad credentials,
18 unknown receiver, 19 sender not registered, 20 system error, 21 file-processing
error, 22 edXML not in the required format, 23 receiver locked. Requests the list does
not cover (malformed JSON, unknown id or route) answer code 10 with HTTP 400/404.

Agencies are registered with `register_agency()` or a JSON file loaded by
`load_config()`: {"agencies": [{"organ_id", "name", "system_id", "secret", "locked"}]}.
"""

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs

from . import edxml
from .errors import ExchangeError

log = logging.getLogger(__name__)

OK = 0
INVALID_FILE = 10
BAD_CREDENTIALS = 15
UNKNOWN_RECEIVER = 18
SENDER_NOT_REGISTERED = 19
SYSTEM_ERROR = 20
FILE_PROCESSING_ERROR = 21
BAD_EDXML = 22
RECEIVER_LOCKED = 23

ERROR_MESSAGES = {
    OK: "OK",
    INVALID_FILE: "invalid file",
    BAD_CREDENTIALS: "bad credentials",
    UNKNOWN_RECEIVER: "unknown receiver",
    SENDER_NOT_REGISTERED: "sender not registered",
    SYSTEM_ERROR: "system error",
    FILE_PROCESSING_ERROR: "file-processing error",
    BAD_EDXML: "edXML not in the required format",
    RECEIVER_LOCKED: "receiver locked",
}

HTTP_STATUS = {
    OK: "200 OK",
    INVALID_FILE: "400 Bad Request",
    BAD_CREDENTIALS: "401 Unauthorized",
    UNKNOWN_RECEIVER: "404 Not Found",
    SENDER_NOT_REGISTERED: "403 Forbidden",
    SYSTEM_ERROR: "500 Internal Server Error",
    FILE_PROCESSING_ERROR: "422 Unprocessable Entity",
    BAD_EDXML: "422 Unprocessable Entity",
    RECEIVER_LOCKED: "423 Locked",
}

DELIVERY_STATES = ("processing", "done", "fail")
PBKDF2_ROUNDS = 100_000
MAX_JSON_BYTES = 64 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS agencies (
    organ_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    system_id TEXT NOT NULL UNIQUE,
    secret_salt BLOB NOT NULL,
    secret_hash BLOB NOT NULL,
    locked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    organ_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sender TEXT NOT NULL,
    type TEXT NOT NULL,
    document_id TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    receiver TEXT NOT NULL,
    received_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    status_at TEXT,
    description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS deliveries_receiver ON deliveries (receiver, received_at);
"""


class AxisFailure(Exception):
    def __init__(self, code, message=None):
        super().__init__(message or ERROR_MESSAGES[code])
        self.code = code
        self.message = message or ERROR_MESSAGES[code]


# --------------------------------------------------------------------------- storage


def connect(db_path):
    conn = sqlite3.connect(db_path, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def init_db(db_path):
    with connect(db_path) as conn:
        conn.executescript(SCHEMA)


def _hash_secret(secret, salt):
    return hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), salt, PBKDF2_ROUNDS)


def register_agency(db_path, organ_id, system_id, secret, *, name="", locked=False):
    """Create or update an agency and its credentials (the secret is stored hashed)."""
    init_db(db_path)
    salt = os.urandom(16)
    with connect(db_path) as conn:
        conn.execute(
            "INSERT INTO agencies (organ_id, name, system_id, secret_salt, secret_hash, locked)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(organ_id) DO UPDATE SET name=excluded.name,"
            " system_id=excluded.system_id, secret_salt=excluded.secret_salt,"
            " secret_hash=excluded.secret_hash, locked=excluded.locked",
            (organ_id, name, system_id, salt, _hash_secret(secret, salt), int(bool(locked))),
        )


def set_locked(db_path, organ_id, locked=True):
    with connect(db_path) as conn:
        conn.execute("UPDATE agencies SET locked = ? WHERE organ_id = ?", (int(bool(locked)), organ_id))


def load_config(db_path, config_path):
    """Register the agencies listed in a JSON config file; returns how many."""
    with open(config_path, encoding="utf-8") as fh:
        config = json.load(fh)
    agencies = config.get("agencies", [])
    for a in agencies:
        register_agency(
            db_path, a["organ_id"], a["system_id"], a["secret"], name=a.get("name", ""), locked=a.get("locked", False)
        )
    return len(agencies)


def _now_iso():
    # Fixed-width UTC ISO strings compare correctly as text, which `since` relies on.
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _parse_since(value):
    if not value:
        return "0000"
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AxisFailure(INVALID_FILE, f"since={value!r} is not an ISO 8601 timestamp") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


# --------------------------------------------------------------------------- WSGI app


class AxisApp:
    """The WSGI application. One SQLite connection per request (waitress serves from threads)."""

    def __init__(self, db_path, *, max_message_bytes=edxml.DEFAULT_LIMITS.max_message_bytes, token_ttl=3600):
        self.db_path = db_path
        self.limits = edxml.Limits(max_message_bytes=max_message_bytes)
        self.token_ttl = token_ttl
        init_db(db_path)

    routes = [
        ("POST", re.compile(r"^/api/v1/auth$"), "auth"),
        ("POST", re.compile(r"^/api/v1/messages$"), "send"),
        ("GET", re.compile(r"^/api/v1/messages$"), "list_received"),
        ("GET", re.compile(r"^/api/v1/messages/(\d+)$"), "get"),
        ("POST", re.compile(r"^/api/v1/messages/(\d+)/status$"), "update_status"),
        ("GET", re.compile(r"^/api/v1/agencies$"), "agencies"),
    ]

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        try:
            for verb, pattern, name in self.routes:
                m = pattern.match(path)
                if m and verb == method:
                    return getattr(self, name)(environ, start_response, *m.groups())
            return self._json(start_response, {"code": INVALID_FILE, "message": "no such endpoint"}, "404 Not Found")
        except AxisFailure as exc:
            return self._error(start_response, exc)
        except Exception:  # the axis must answer, never drop the connection
            log.exception("axis system error")
            return self._error(start_response, AxisFailure(SYSTEM_ERROR))

    # -- plumbing

    def _json(self, start_response, payload, status="200 OK"):
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body]

    def _error(self, start_response, exc):
        return self._json(start_response, {"code": exc.code, "message": exc.message}, HTTP_STATUS[exc.code])

    def _body(self, environ, limit):
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise AxisFailure(INVALID_FILE, "bad Content-Length") from None
        if length > limit:
            raise AxisFailure(INVALID_FILE, f"request body is {length} bytes, limit is {limit}")
        data = environ["wsgi.input"].read(length) if length else b""
        return data

    def _json_body(self, environ):
        try:
            payload = json.loads(self._body(environ, MAX_JSON_BYTES) or b"{}")
        except ValueError:
            raise AxisFailure(INVALID_FILE, "request body is not JSON") from None
        if not isinstance(payload, dict):
            raise AxisFailure(INVALID_FILE, "request body must be a JSON object")
        return payload

    def _authenticated(self, environ, conn):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if not auth.startswith("Bearer "):
            raise AxisFailure(BAD_CREDENTIALS, "missing bearer token")
        token_hash = hashlib.sha256(auth[7:].strip().encode()).hexdigest()
        row = conn.execute(
            "SELECT organ_id FROM tokens WHERE token_hash = ? AND expires_at > ?", (token_hash, time.time())
        ).fetchone()
        if row is None:
            raise AxisFailure(BAD_CREDENTIALS, "invalid or expired token")
        return row["organ_id"]

    # -- operations

    def auth(self, environ, start_response):
        payload = self._json_body(environ)
        system_id, secret = str(payload.get("system_id", "")), str(payload.get("secret", ""))
        with connect(self.db_path) as conn:
            row = conn.execute("SELECT * FROM agencies WHERE system_id = ?", (system_id,)).fetchone()
            # Hash even for unknown ids so timing does not reveal which system ids exist.
            salt = row["secret_salt"] if row else b"\0" * 16
            ok = hmac.compare_digest(_hash_secret(secret, salt), row["secret_hash"] if row else b"")
            if not (row and ok):
                raise AxisFailure(BAD_CREDENTIALS)
            token = secrets.token_urlsafe(32)
            now = time.time()
            conn.execute("DELETE FROM tokens WHERE expires_at <= ?", (now,))
            conn.execute(
                "INSERT INTO tokens VALUES (?, ?, ?)",
                (hashlib.sha256(token.encode()).hexdigest(), row["organ_id"], now + self.token_ttl),
            )
        return self._json(
            start_response,
            {
                "code": OK,
                "message": "OK",
                "token": token,
                "token_type": "Bearer",
                "expires_in": self.token_ttl,
                "organ_id": row["organ_id"],
            },
        )

    def _check_message(self, data, declared_type):
        try:
            root = edxml.safe_fromstring(data, self.limits)
        except edxml.MessageTooLarge as exc:
            raise AxisFailure(INVALID_FILE, str(exc)) from None
        except ExchangeError as exc:
            raise AxisFailure(INVALID_FILE, f"{exc.reason_code}: {exc}") from None
        try:
            msg = edxml.read_tree(root, self.limits)
        except edxml.BadBase64 as exc:
            raise AxisFailure(FILE_PROCESSING_ERROR, str(exc)) from None
        except edxml.MessageTooLarge as exc:
            raise AxisFailure(INVALID_FILE, str(exc)) from None
        except ExchangeError as exc:
            raise AxisFailure(BAD_EDXML, str(exc)) from None
        if declared_type and declared_type != msg.message_type:
            raise AxisFailure(BAD_EDXML, f"declared type {declared_type!r} but the message is {msg.message_type!r}")
        return msg

    def send(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        declared = (query.get("type") or [""])[0]
        if declared and declared not in (edxml.EDOC, edxml.STATUS):
            raise AxisFailure(INVALID_FILE, "type must be edoc or status")
        with connect(self.db_path) as conn:
            agency = self._authenticated(environ, conn)
        data = self._body(environ, self.limits.max_message_bytes)
        if not data:
            raise AxisFailure(INVALID_FILE, "empty body")
        msg = self._check_message(data, declared)
        sender = edxml.sender_of(msg)
        receivers = list(dict.fromkeys(edxml.receivers_of(msg)))
        with connect(self.db_path) as conn:
            if conn.execute("SELECT 1 FROM agencies WHERE organ_id = ?", (sender,)).fetchone() is None:
                raise AxisFailure(SENDER_NOT_REGISTERED, f"From/OrganId {sender} is not registered on the axis")
            if sender != agency:
                raise AxisFailure(SENDER_NOT_REGISTERED, f"From/OrganId {sender} is not the authenticated system")
            for r in receivers:
                row = conn.execute("SELECT locked FROM agencies WHERE organ_id = ?", (r,)).fetchone()
                if row is None:
                    raise AxisFailure(UNKNOWN_RECEIVER, f"receiver {r} is not registered on the axis")
                if row["locked"]:
                    raise AxisFailure(RECEIVER_LOCKED, f"receiver {r} is locked")
            now = _now_iso()
            cur = conn.execute(
                "INSERT INTO messages (sender, type, document_id, sha256, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    sender,
                    msg.message_type,
                    msg.document_id if msg.message_type == edxml.EDOC else msg.response_for.document_id,
                    hashlib.sha256(data).hexdigest(),
                    data,
                    now,
                ),
            )
            message_id = cur.lastrowid
            ids = []
            for r in receivers:
                cur = conn.execute(
                    "INSERT INTO deliveries (message_id, receiver, received_at) VALUES (?, ?, ?)", (message_id, r, now)
                )
                ids.append(cur.lastrowid)
        return self._json(
            start_response,
            {"code": OK, "message": "OK", "message_id": message_id, "ids": ids, "receivers": receivers},
        )

    def list_received(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        since = _parse_since((query.get("since") or [""])[0])
        status = (query.get("status") or [""])[0]
        with connect(self.db_path) as conn:
            agency = self._authenticated(environ, conn)
            sql = (
                "SELECT d.id, d.message_id, d.received_at, d.status, d.status_at, m.sender, m.type,"
                " m.document_id, m.sha256, length(m.body) AS size FROM deliveries d JOIN messages m"
                " ON m.id = d.message_id WHERE d.receiver = ? AND d.received_at > ?"
            )
            args = [agency, since]
            if status:
                sql += " AND d.status = ?"
                args.append(status)
            rows = conn.execute(sql + " ORDER BY d.received_at, d.id", args).fetchall()
        return self._json(start_response, {"code": OK, "message": "OK", "messages": [dict(r) for r in rows]})

    def _delivery(self, conn, agency, delivery_id):
        row = conn.execute(
            "SELECT d.*, m.sender, m.type, m.sha256, m.body FROM deliveries d JOIN messages m ON m.id = d.message_id"
            " WHERE d.id = ? AND d.receiver = ?",
            (int(delivery_id), agency),
        ).fetchone()
        if row is None:
            # Deliveries of other agencies look exactly like missing ones.
            raise AxisFailure(INVALID_FILE, f"no message {delivery_id} for {agency}")
        return row

    def get(self, environ, start_response, delivery_id):
        with connect(self.db_path) as conn:
            agency = self._authenticated(environ, conn)
            row = self._delivery(conn, agency, delivery_id)
        body = bytes(row["body"])
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/xml"),
                ("Content-Length", str(len(body))),
                ("X-Axis-Message-Type", row["type"]),
                ("X-Axis-Sender", row["sender"]),
                ("X-Axis-Sha256", row["sha256"]),
            ],
        )
        return [body]

    def update_status(self, environ, start_response, delivery_id):
        payload = self._json_body(environ)
        status = payload.get("status")
        if status not in DELIVERY_STATES:
            raise AxisFailure(INVALID_FILE, f"status must be one of {', '.join(DELIVERY_STATES)}")
        with connect(self.db_path) as conn:
            agency = self._authenticated(environ, conn)
            self._delivery(conn, agency, delivery_id)
            conn.execute(
                "UPDATE deliveries SET status = ?, status_at = ?, description = ? WHERE id = ?",
                (status, _now_iso(), str(payload.get("description", ""))[:2000], int(delivery_id)),
            )
        return self._json(start_response, {"code": OK, "message": "OK"})

    def agencies(self, environ, start_response):
        with connect(self.db_path) as conn:
            self._authenticated(environ, conn)
            rows = conn.execute("SELECT organ_id, name, locked FROM agencies ORDER BY organ_id").fetchall()
        agencies = [{"organ_id": r["organ_id"], "name": r["name"], "locked": bool(r["locked"])} for r in rows]
        return self._json(start_response, {"code": OK, "message": "OK", "agencies": agencies})


def make_app(db_path, **kw):
    return AxisApp(db_path, **kw)


# --------------------------------------------------------------------------- serving


def serve(host, port, db_path, *, config=None, threads=4, **kw):
    """Serve the axis with waitress until interrupted (blocking)."""
    import waitress

    if config:
        init_db(db_path)
        load_config(db_path, config)
    waitress.serve(make_app(db_path, **kw), host=host, port=port, threads=threads)


class BackgroundServer:
    """The axis served by waitress from a daemon thread; port 0 picks a free port."""

    def __init__(self, db_path, host="127.0.0.1", port=0, *, threads=4, **kw):
        from waitress.server import create_server

        self.app = make_app(db_path, **kw)
        # A short loop timeout lets close() end the serving thread quickly.
        self.server = create_server(self.app, host=host, port=port, threads=threads, asyncore_loop_timeout=0.1)
        self.host, self.port = host, self.server.effective_port
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.run, name="axis-server", daemon=True)
        self.thread.start()

    def close(self):
        from waitress import wasyncore

        def stop():
            # Runs inside the serving thread (closing sockets from another thread races with
            # select()); an empty asyncore map ends server.run().
            wasyncore.close_all(self.server._map, ignore_all=True)

        if self.thread.is_alive():
            self.server.trigger.pull_trigger(stop)
            self.thread.join(timeout=5)
        self.server.task_dispatcher.shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def main(argv=None):
    import argparse

    p = argparse.ArgumentParser(prog="archive-axis", description="reference document axis")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8790)
    p.add_argument("--db", required=True, help="SQLite file")
    p.add_argument("--config", help="JSON file of agencies")
    args = p.parse_args(argv)
    serve(args.host, args.port, args.db, config=args.config)

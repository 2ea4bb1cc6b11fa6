"""HTTP client of the document axis JSON API (see axis_server for the endpoints and codes).

Errors are typed and carry the axis error code. `TransientAxisError` (network failure,
timeout, HTTP 5xx, code 20) is worth retrying with backoff; `PermanentAxisError`
(everything else) is not: the message or the configuration must change first.
"""

from dataclasses import dataclass
from datetime import datetime, timezone

import requests

from .axis_server import (  # noqa: F401  (re-exported: one source for the codes)
    BAD_CREDENTIALS,
    BAD_EDXML,
    FILE_PROCESSING_ERROR,
    INVALID_FILE,
    OK,
    RECEIVER_LOCKED,
    SENDER_NOT_REGISTERED,
    SYSTEM_ERROR,
    UNKNOWN_RECEIVER,
)


class AxisError(Exception):
    """An axis call failed. `code` is the axis error code (None when the axis never answered)."""

    transient = False

    def __init__(self, message, *, code=None, http_status=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status

    def __str__(self):
        return f"[axis {self.code}] {self.message}" if self.code is not None else self.message


class TransientAxisError(AxisError):
    transient = True


class PermanentAxisError(AxisError):
    transient = False


class AxisUnavailable(TransientAxisError):
    """Network error, timeout or HTTP 5xx without an axis answer."""


class AxisSystemError(TransientAxisError):
    """Code 20."""


class InvalidFileError(PermanentAxisError):
    """Code 10."""


class AuthenticationError(PermanentAxisError):
    """Code 15."""


class UnknownReceiverError(PermanentAxisError):
    """Code 18."""


class SenderNotRegisteredError(PermanentAxisError):
    """Code 19."""


class FileProcessingError(PermanentAxisError):
    """Code 21."""


class InvalidEdxmlError(PermanentAxisError):
    """Code 22."""


class ReceiverLockedError(PermanentAxisError):
    """Code 23: needs an operator to unlock the receiver, so no automatic retry."""


ERRORS_BY_CODE = {
    INVALID_FILE: InvalidFileError,
    BAD_CREDENTIALS: AuthenticationError,
    UNKNOWN_RECEIVER: UnknownReceiverError,
    SENDER_NOT_REGISTERED: SenderNotRegisteredError,
    SYSTEM_ERROR: AxisSystemError,
    FILE_PROCESSING_ERROR: FileProcessingError,
    BAD_EDXML: InvalidEdxmlError,
    RECEIVER_LOCKED: ReceiverLockedError,
}


@dataclass(frozen=True)
class ReceivedItem:
    id: int
    message_id: int
    sender: str
    type: str
    document_id: str
    received_at: str
    status: str
    status_at: str | None
    size: int
    sha256: str


@dataclass(frozen=True)
class SendResult:
    message_id: int
    ids: list
    receivers: list


class AxisClient:
    """Client of one agency. Authenticates lazily and once more when the token has expired."""

    def __init__(self, endpoint, system_id, secret, *, timeout=(5.0, 60.0), session=None, verify_tls=True):
        self.endpoint = endpoint.rstrip("/")
        self.system_id = system_id
        self.secret = secret
        self.timeout = timeout
        self.session = session or requests.Session()
        self.verify_tls = verify_tls
        self.token = None
        self.organ_id = None

    # -- plumbing

    def _url(self, path):
        return f"{self.endpoint}/api/v1/{path}"

    def _request(self, method, path, *, auth=True, **kw):
        headers = kw.pop("headers", {})
        if auth:
            if self.token is None:
                self.authenticate()
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            resp = self.session.request(
                method, self._url(path), headers=headers, timeout=self.timeout, verify=self.verify_tls, **kw
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise AxisUnavailable(f"axis unreachable: {exc}") from exc
        except requests.RequestException as exc:
            raise AxisUnavailable(f"axis request failed: {exc}") from exc
        if resp.headers.get("Content-Type", "").startswith("application/json"):
            try:
                payload = resp.json()
            except ValueError:
                payload = None
        else:
            payload = None
        if payload is not None and payload.get("code", OK) != OK:
            code = payload["code"]
            cls = ERRORS_BY_CODE.get(code, TransientAxisError if resp.status_code >= 500 else PermanentAxisError)
            raise cls(payload.get("message", ""), code=code, http_status=resp.status_code)
        if resp.status_code >= 500:
            raise AxisUnavailable(f"axis answered HTTP {resp.status_code}", http_status=resp.status_code)
        if resp.status_code >= 400:
            raise PermanentAxisError(f"axis answered HTTP {resp.status_code}", http_status=resp.status_code)
        return resp, payload

    def _authed(self, method, path, **kw):
        try:
            return self._request(method, path, **kw)
        except AuthenticationError:
            # The token may have expired: one fresh login, then give up.
            if self.token is None:
                raise
            self.token = None
            return self._request(method, path, **kw)

    # -- operations

    def authenticate(self):
        """Exchange system id + secret for a bearer token; returns the token."""
        _, payload = self._request(
            "POST", "auth", auth=False, json={"system_id": self.system_id, "secret": self.secret}
        )
        self.token = payload["token"]
        self.organ_id = payload.get("organ_id")
        return self.token

    def send(self, data, message_type="edoc"):
        """Send edXML bytes (`edoc` or `status`); returns SendResult with one id per receiver."""
        if message_type not in ("edoc", "status"):
            raise ValueError("message_type must be 'edoc' or 'status'")
        _, payload = self._authed(
            "POST",
            "messages",
            params={"type": message_type},
            data=bytes(data),
            headers={"Content-Type": "application/xml"},
        )
        return SendResult(payload["message_id"], payload["ids"], payload["receivers"])

    def list_received(self, since=None, status=None):
        """Deliveries to this agency received after `since` (datetime or ISO string), oldest first."""
        params = {}
        if since is not None:
            if isinstance(since, datetime):
                since = (since if since.tzinfo else since.replace(tzinfo=timezone.utc)).isoformat()
            params["since"] = since
        if status:
            params["status"] = status
        _, payload = self._authed("GET", "messages", params=params)
        fields = ReceivedItem.__dataclass_fields__
        return [ReceivedItem(**{k: v for k, v in m.items() if k in fields}) for m in payload["messages"]]

    def get(self, delivery_id):
        """The edXML bytes of one received message."""
        resp, _ = self._authed("GET", f"messages/{int(delivery_id)}")
        return resp.content

    def update_status(self, delivery_id, status, description=""):
        """Acknowledge a delivery: status is processing, done or fail."""
        if status not in ("processing", "done", "fail"):
            raise ValueError("status must be processing, done or fail")
        self._authed("POST", f"messages/{int(delivery_id)}/status", json={"status": status, "description": description})

    def agencies(self):
        """Registered agencies: list of {"organ_id", "name", "locked"}."""
        _, payload = self._authed("GET", "agencies")
        return payload["agencies"]

    def close(self):
        self.session.close()

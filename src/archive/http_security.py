"""The archive's HTTP boundary: side doors closed, CSRF proof, body limits and security headers.

Every check runs on the requests of a site with the archive installed (those marked with
`IArchiveLayer`), from two publication events:

- after traversal (the user is known, the request body is still unread):
  WebDAV and FTP-style methods are refused unless `archive.webdav_enabled` is on, and then
  require View on their object; a request body larger than `archive.max_request_bytes` is
  refused with 413; a plone.restapi write authenticated by the login cookie must prove that
  it comes from the site's own pages (Origin or Referer, or the plone.protect token);
  the JSON body of a REST write must parse and stay shallow, or it gets 400.
  A file uploaded with a form larger than `archive.max_file_bytes` is refused with 413 too.
- before commit, and before abort (error pages, which may echo what was asked):
  `X-Content-Type-Options: nosniff` on every answer, and a content security policy on
  HTML pages.
"""
import json
import logging
from urllib.parse import urlsplit

from AccessControl import getSecurityManager
from plone.protect.authenticator import check as check_csrf_token
from plone.rest.errors import ErrorHandling
from plone.rest.interfaces import IAPIRequest
from plone.rest.interfaces import IService
from Products.Five.browser import BrowserView
from Products.CMFCore.permissions import View
from zExceptions import BadRequest
from zExceptions import Forbidden
from zExceptions import HTTPRequestEntityTooLarge
from zExceptions import MethodNotAllowed
from zExceptions import Unauthorized
from zope.i18n import translate
from ZPublisher.HTTPRequest import FileUpload

from archive import patches
from archive.config import registry_value
from archive.i18n import _
from archive.interfaces import IArchiveLayer

logger = logging.getLogger(__name__)

# The body limits below hold only if nothing reads a body during traversal (patches.py);
# ZCML imports this module in every Zope process, so the patches are applied here.
patches.apply()

# Methods only WebDAV (and FTP-style access through Zope) answers.
DAV_METHODS = frozenset(("PROPFIND", "PROPPATCH", "MKCOL", "LOCK", "UNLOCK", "MOVE", "COPY"))
# Names of WebDAV/FTP handlers on content; PUT and DELETE are WebDAV's only when they reach
# these handlers (plone.restapi's own PUT/DELETE are services).
DAV_HANDLERS = DAV_METHODS | frozenset((
    "PUT", "DELETE", "manage_DAVget", "manage_FTPget", "manage_FTPlist", "manage_FTPstat", "listDAVObjects",
))
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
DEFAULT_MAX_REQUEST_BYTES = 150 * 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_JSON_DEPTH = 32
# Content types plone.restapi reads as JSON although they do not say so: none, and the
# text/plain of a form or fetch() that a foreign page may send without a CORS preflight.
MAYBE_JSON = frozenset(("", "text/plain"))
DEFAULT_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
               "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
               "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; "
               "form-action 'self'; frame-ancestors 'self'")


class RequestEntityTooLarge(HTTPRequestEntityTooLarge):
    """413. ZPublisher (and plone.rest's error view) find an exception's status by its class
    name, and know "RequestEntityTooLarge" but not zExceptions' "HTTPRequestEntityTooLarge"."""


def _message(request, msgid, default, **mapping):
    return translate(_(msgid, default=default, mapping=mapping), context=request)


# --- after traversal ------------------------------------------------------------------------

def after_traversal(event):
    request = event.request
    if not IArchiveLayer.providedBy(request):
        return
    published = request.get("PUBLISHED")
    close_side_doors(request, published)
    limit_body_size(request)
    limit_uploaded_files(request)
    if IService.providedBy(published) and request.get("REQUEST_METHOD", "GET").upper() in WRITE_METHODS:
        require_same_origin(request)
        check_json_body(request)


def _dav_handler(published):
    """The content object a WebDAV/FTP handler belongs to, or None for anything else."""
    name = getattr(published, "__name__", None)
    owner = getattr(published, "__self__", None)
    if name in DAV_HANDLERS and owner is not None and not IService.providedBy(owner):
        return owner
    return None


def close_side_doors(request, published):
    method = request.get("REQUEST_METHOD", "GET").upper()
    owner = _dav_handler(published)
    if owner is None and method not in DAV_METHODS:
        return
    if not registry_value("archive.webdav_enabled", False):
        raise MethodNotAllowed(_message(
            request, "webdav_closed", "WebDAV and FTP-style access (${method}) are closed on this archive.",
            method=method if owner is None else published.__name__))
    if owner is None:
        owner = request["PARENTS"][0]
    if not getSecurityManager().checkPermission(View, owner):
        raise Unauthorized(_message(request, "webdav_no_view", "You may not view this item."))


def limit_body_size(request):
    try:
        length = int(request.environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequest(_message(request, "bad_content_length", "The Content-Length header is not a number."))
    limit = registry_value("archive.max_request_bytes", DEFAULT_MAX_REQUEST_BYTES)
    if limit and length > limit:
        raise RequestEntityTooLarge(_message(
            request, "request_too_large",
            "The request body has ${size} bytes; this archive accepts at most ${limit} bytes in one request.",
            size=length, limit=limit))


def _uploads(value):
    if isinstance(value, FileUpload):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _uploads(item)


def limit_uploaded_files(request):
    """A file uploaded with a form (the classic add and edit forms) obeys the per-file limit
    too; Zope has already spooled it to disk, so its size is known without reading it."""
    if not (request.getHeader("Content-Type") or "").lower().startswith("multipart/form-data"):
        return
    limit = registry_value("archive.max_file_bytes", DEFAULT_MAX_FILE_BYTES)
    if not limit:
        return
    for name, value in request.form.items():
        for upload in _uploads(value):
            upload.seek(0, 2)
            size = upload.tell()
            upload.seek(0)
            if size > limit:
                field = name.rsplit(".", 1)[-1]
                raise RequestEntityTooLarge(_message(
                    request, "file_too_large",
                    "${field}: the file has ${size} bytes; at most ${limit} bytes are accepted per file.",
                    field=field, size=size, limit=limit))


def _origin(url):
    """(host, port) of a URL, the port None when it is its scheme's default. The scheme is
    left out: behind a proxy that ends TLS, Zope may see http where the browser says https."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    if port == {"http": 80, "https": 443}.get(parts.scheme.lower()):
        port = None
    return (parts.hostname.lower(), port)


def _cookie_authenticated(request):
    """True when the login cookie is what authenticates this request: the cookie is there,
    no Authorization header (Basic or Bearer, which a foreign page cannot send without a
    CORS preflight) is, and the user is not anonymous."""
    if request.getHeader("Authorization"):
        return False
    cookie_name = "__ac"
    for parent in request.get("PARENTS", ()):
        plugin = getattr(getattr(parent, "acl_users", None), "session", None)
        if plugin is not None and getattr(plugin, "cookie_name", None):
            cookie_name = plugin.cookie_name
            break
    if not request.cookies.get(cookie_name):
        return False
    user = getSecurityManager().getUser()
    return user is not None and user.getUserName() != "Anonymous User"


def require_same_origin(request):
    if not _cookie_authenticated(request):
        return
    trusted = {_origin(request["SERVER_URL"])}
    trusted.update(_origin(url) for url in registry_value("archive.trusted_origins", ()) or ())
    trusted.discard(None)  # a malformed Origin must not match a malformed trusted entry
    origin = request.getHeader("Origin")
    if origin and origin != "null":
        if _origin(origin) in trusted:
            return
    elif not origin:
        referer = request.getHeader("Referer")
        if referer and _origin(referer) in trusted:
            return
    try:
        check_csrf_token(request)
        return
    except Forbidden:
        pass
    logger.warning("Refused a cookie-authenticated %s to %s from origin %r (referer %r)",
                   request.get("REQUEST_METHOD"), request.get("ACTUAL_URL"), origin, request.getHeader("Referer"))
    raise Forbidden(_message(
        request, "csrf_refused",
        "This change was sent with the login cookie but not from this site's pages (Origin or Referer "
        "header of this site, or the X-CSRF-TOKEN header); refused to protect against cross-site request "
        "forgery. Scripts should authenticate with a token (Authorization header) instead."))


def _depth(value):
    """How deep lists and objects nest in a parsed JSON value (without recursion)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_json_body(request):
    """A REST write's JSON body parses to an object and nests at most MAX_JSON_DEPTH deep,
    or the request gets 400 saying what is wrong (plone.restapi would answer 500)."""
    content_type = (request.getHeader("Content-Type") or "").split(";")[0].strip().lower()
    declared_json = content_type == "application/json" or content_type.endswith("+json")
    if not declared_json and content_type not in MAYBE_JSON:
        return  # XML for the exchange inbox, a ZIP for package import, a TUS chunk, a form...
    body = request.get("BODY")
    if not body or not body.strip():
        return
    if not declared_json and body.lstrip()[:1] not in (b"{", b"[", "{", "["):
        return  # text that does not even look like JSON is for the service to judge
    try:
        data = json.loads(body)
    except RecursionError:
        data = None
        depth = MAX_JSON_DEPTH + 1
    except ValueError as exc:
        raise BadRequest(_message(request, "json_malformed",
                                  "The request body is not valid JSON: ${error}.", error=str(exc)))
    else:
        depth = _depth(data)
    if depth > MAX_JSON_DEPTH:
        raise BadRequest(_message(request, "json_too_deep",
                                  "The request body's JSON nests deeper than ${limit} levels.", limit=MAX_JSON_DEPTH))
    if not isinstance(data, dict):
        raise BadRequest(_message(request, "json_not_object", "The request body must be a JSON object."))


# --- before commit or abort -----------------------------------------------------------------

def security_headers(event):
    request = event.request
    if not IArchiveLayer.providedBy(request):
        return
    response = request.response
    response.setHeader("X-Content-Type-Options", "nosniff")
    content_type = (response.getHeader("Content-Type") or "").lower()
    if content_type.startswith("text/html") and not response.getHeader("Content-Security-Policy"):
        policy = registry_value("archive.content_security_policy", DEFAULT_CSP)
        if policy:
            response.setHeader("Content-Security-Policy", policy)


class TooLargeView(BrowserView):
    """How a 413 reads: plone.rest's JSON for REST clients, the message itself for a person
    whose form upload was refused (Plone's error page would only name the exception)."""

    def __call__(self):
        if IAPIRequest.providedBy(self.request):
            return ErrorHandling(self.context, self.request)()
        response = self.request.response
        response.setStatus(413)
        response.setHeader("Content-Type", "text/plain; charset=utf-8")
        return str(self.context)

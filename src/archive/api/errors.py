"""How a refused request reads: each validation error once, in the request's language, its field apart.

plone.restapi refuses bad input with a BadRequest holding a list of errors, which plone.rest
renders as the list's Python repr: invariant errors come twice (a supermodel schema keeps
the invariants of the interface it is based on, and the interface has them too), a
message carries its field as a `field: ` prefix, and zope.schema's own messages stay in
English. This view renders that list as

    {"type": "BadRequest", "message": "<the messages, once each>",
     "errors": [{"field": "applicant_id", "message": "..."}, ...], "context": ...}

A 400 is the client's mistake, not the server's: `quiet_client_errors` keeps the site's
error log from writing its traceback at ERROR level into the server log.
"""
import re

from plone.rest.errors import ErrorHandling
from plone.rest.interfaces import IAPIRequest
from zExceptions import BadRequest
from zope.component import adapter
from zope.i18n import translate

PREFIX = re.compile(r"^([a-z][a-z0-9_]*):\s+(.+)$", re.S)

# Exceptions the site's error log need not keep or log: answers to the client's request.
CLIENT_ERRORS = ("Unauthorized", "NotFound", "Redirect", "BadRequest", "Forbidden", "MethodNotAllowed")


def _field(item):
    """The field an error entry names: restapi's own, or an invariant's FieldInvalid.field."""
    field = item.get("field") or getattr(item.get("error"), "field", None)
    return field if isinstance(field, str) or field is None else getattr(field, "__name__", None)


def _text(item, request):
    """The field and message of one restapi error entry, translated, without a `field: ` prefix.

    An invariant's entry reaches here as text only; the field it names is its prefix."""
    field = _field(item)
    message = item.get("message")
    # zope.schema's messages arrive as plain text: the archive domain translates them too
    text = str(translate(message, domain="archive", context=request)).strip() if message is not None else ""
    prefixed = PREFIX.match(text)
    if prefixed and (field is None or prefixed.group(1) == field):
        field, text = prefixed.group(1), prefixed.group(2).strip()
    return field, text


def validation_errors(exception, request):
    """[{"field", "message"}] of a restapi BadRequest, each once; None for any other BadRequest."""
    items = exception.args[0] if exception.args else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return None
    seen, errors = set(), []
    for item in items:
        field, text = _text(item, request)
        if (field, text) not in seen:
            seen.add((field, text))
            errors.append({"field": field, "message": text} if field else {"message": text})
    return errors


@adapter(BadRequest, IAPIRequest)
class BadRequestView(ErrorHandling):
    def render_exception(self, exception):
        result = super().render_exception(exception)
        errors = validation_errors(exception, self.request)
        if result is not None and errors is not None:
            result["errors"] = errors
            result["message"] = " ".join(
                e["message"] if e["message"].endswith((".", "!", "?")) else e["message"] + "."
                for e in errors)
            result.pop("traceback", None)
        return result


def quiet_client_errors(portal):
    """The site's error log ignores client errors (they are answers, not faults)."""
    error_log = portal.get("error_log")
    if error_log is None:
        return
    properties = error_log.getProperties()
    ignored = tuple(properties.get("ignored_exceptions", ()))
    missing = tuple(name for name in CLIENT_ERRORS if name not in ignored)
    if missing:
        error_log.setProperties(properties["keep_entries"], properties["copy_to_zlog"], ignored + missing)

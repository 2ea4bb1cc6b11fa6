"""Every adjustment of Plone or Zope internals, declared and logged (keep it short).

Each patch says what it changes, why, and the version it was written against. `apply()`
runs once in every Zope process, when its ZCML loads archive.http_security (which depends
on these patches), and logs each patch. It is not run on `import archive`: the CLI, the
Celery workers and the exchange library stay free of Zope's imports.
"""
import logging

logger = logging.getLogger(__name__)
_applied = []

# plone.restapi's JWT plugin reads login credentials from JSON bodies; real ones are tiny.
CREDENTIALS_BODY_LIMIT = 64 * 1024


def _body_length(request):
    try:
        return int(request.environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _bearer_credentials(request):
    """What the JWT plugin extracts when a body holds no login: a Bearer token."""
    auth = request.environ.get("HTTP_AUTHORIZATION") or ""
    if auth[:7].lower() == "bearer ":
        return {"token": auth.split()[-1]}
    return None


def jwt_plugin_reads_only_small_bodies():
    """plone.restapi 10.0.4, plone.restapi.pas.plugin.JWTAuthenticationPlugin.extractCredentials.

    The plugin parses the JSON body of every `application/json` request while the user is
    being authenticated, i.e. during traversal, before any size check or service runs: a
    150 MB upload is read into memory and parsed once more than needed, and a deeply nested
    body raises RecursionError there (HTTP 500). Login bodies are small, so a body larger
    than CREDENTIALS_BODY_LIMIT is not read for credentials, and one too deep to parse
    holds none; a Bearer token is still extracted as the plugin does.
    """
    from plone.restapi.pas.plugin import JWTAuthenticationPlugin

    original = JWTAuthenticationPlugin.extractCredentials

    def extractCredentials(self, request):
        if _body_length(request) > CREDENTIALS_BODY_LIMIT:
            return _bearer_credentials(request)
        try:
            return original(self, request)
        except RecursionError:
            return _bearer_credentials(request)

    extractCredentials.__doc__ = original.__doc__
    JWTAuthenticationPlugin.extractCredentials = extractCredentials


PATCHES = (jwt_plugin_reads_only_small_bodies,)


def apply():
    for patch in PATCHES:
        if patch.__name__ in _applied:
            continue
        patch()
        _applied.append(patch.__name__)
        logger.info("Patched: %s (%s)", patch.__name__, patch.__doc__.strip().splitlines()[0])

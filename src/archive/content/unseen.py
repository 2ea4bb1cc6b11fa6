"""Answers that do not tell which archive records exist to someone who may not see them.

Zope answers a name missing in a folder with 404 during traversal, before it knows who
asks, and an existing item the requester may not see with a login challenge (302 to the
login form, or 401 for REST) after authenticating: an anonymous caller could tell existing
dossier codes from missing ones. So a name that traversal would not find inside an archive
record (a section, an agency's shard, a dossier, ...) is traversed to the view
`@@archive-unseen` of that record instead: it is protected by View on the record, and
answers an anonymous caller with the challenge too. Whoever may see the record and is
logged in gets 404, as before. Services refuse an item the caller may not see the same
way (`refuse_unseen`).

A path that goes on below a record (/<code>/@workflow/x, /<code>/component-1) could still
end in a 404 raised below an existing record; so a caller who sends no credentials at all
is stopped with the challenge at the first record Anonymous may not view
(`stop_anonymous`). A logged-in caller is only known once traversal has ended: one who
may not see an agency's shard gets the challenge for its records and for missing names
alike, and so for a missing name, @service or @@view below a record; only a service that
itself refuses the rest of the path (GET /<code>/@workflow/x) can still answer 404 below an
existing record they may not see.
"""
from AccessControl import getSecurityManager
from AccessControl import Unauthorized
from Acquisition import aq_inner
from Acquisition import aq_parent
from plone import api
from AccessControl.PermissionRole import rolesForPermissionOn
from Products.CMFCore.DynamicType import DynamicType
from Products.CMFCore.utils import getToolByName
from Products.PluggableAuthService.interfaces.plugins import IExtractionPlugin
from Products.Five import BrowserView
from plone.rest.interfaces import IAPIRequest
from zExceptions import NotFound
from zope.component import queryMultiAdapter

VIEW_NAME = "archive-unseen"
CREDENTIALS_KEY = "archive.sends_credentials"


def _no_view_or_service(obj, request, name):
    """Whether `name` (@@view, @service or @view) names no view or REST service of `obj`."""
    if name.startswith("@@"):
        return queryMultiAdapter((obj, request), name=name[2:]) is None
    service_id = getattr(request, "_rest_service_id", None)  # plone.rest: method and media type
    if service_id and queryMultiAdapter((obj, request), name=service_id + name) is not None:
        return False
    return queryMultiAdapter((obj, request), name=name) is None


def _missing(obj, request, name):
    """Whether default traversal would answer `name` on `obj` with NotFound."""
    if not name or name[0] in "+_" or name == "(Default)":
        return False  # namespaces and forbidden names: traversal knows them
    if name[0] == "@":
        return _no_view_or_service(obj, request, name)
    if request.get("REQUEST_METHOD", "GET") not in ("GET", "POST", "HEAD", "PURGE") \
            and not IAPIRequest.providedBy(request):
        return False  # WebDAV: Zope makes a NullResource of a missing name (http_security closes it)
    if getattr(obj, name, None) is not None:  # an item, an attribute or something acquired
        return False
    return queryMultiAdapter((obj, request), name=name) is None


def hide_missing(obj, request):
    """Called before traversal goes on from `obj`: a missing next name becomes the unseen view.

    The rest of the path goes with it, so that /missing/@workflow/x and /missing answer alike."""
    stack = request.get("TraversalRequestNameStack") if hasattr(request, "get") else None
    if stack and _missing(obj, request, stack[-1]):
        stack[:] = [VIEW_NAME]  # not @@: plone.rest finds views by plain name on the content itself


def refuse_unseen(item):
    """Raise what a request for a missing name next to `item` gets (see UnseenView)."""
    parent = aq_parent(aq_inner(item))
    if api.user.is_anonymous() or parent is None or not getSecurityManager().checkPermission("View", parent):
        raise Unauthorized("You are not authorized to access this resource.")
    raise NotFound("Resource not found")


def can_see(item):
    return bool(getSecurityManager().checkPermission("View", item))


class UnseenView(BrowserView):
    """Where traversal puts a missing name (protected by View on the record that lacks it)."""

    def __call__(self):
        # Error pages name the URL traversed; it is to be the one asked for, as for any item.
        self.request["URL"] = self.request["ACTUAL_URL"]
        if api.user.is_anonymous():
            raise Unauthorized("You are not authorized to access this resource.")
        raise NotFound("Resource not found")


def _extracts(plugin, request):
    """One extractor's answer; one that fails finds nothing, as PAS itself treats it (the
    cookie plugin cannot read plone.session's `__ac` ticket and raises UnicodeDecodeError)."""
    try:
        return bool(plugin.extractCredentials(request))
    except Exception:
        return False


def _sends_credentials(obj, request):
    """Whether any of the site's credential extractors finds something in the request
    (extraction only, no authentication: that comes when traversal ends). Asked once."""
    known = request.get(CREDENTIALS_KEY)
    if known is None:
        acl_users = getToolByName(obj, "acl_users")
        extractors = acl_users.plugins.listPlugins(IExtractionPlugin) if hasattr(acl_users, "plugins") else ()
        known = any(_extracts(plugin, request) for _id, plugin in extractors)
        request.set(CREDENTIALS_KEY, known)
    return known


def stop_anonymous(obj, request):
    """A caller without credentials goes no further than a record Anonymous may not view:
    whatever lies below it (a service, a view, a name that is missing) answers as the record."""
    stack = request.get("TraversalRequestNameStack") if hasattr(request, "get") else None
    if stack and "Anonymous" not in rolesForPermissionOn("View", obj) and not _sends_credentials(obj, request):
        raise Unauthorized("You are not authorized to access this resource.")


def before_publishing_traverse(self, arg1, arg2=None):
    """The archive content classes' traversal hook: CMF's (method aliases), then ours."""
    DynamicType.__before_publishing_traverse__(self, arg1, arg2)
    request = arg2 or arg1
    stop_anonymous(self, request)
    hide_missing(self, request)

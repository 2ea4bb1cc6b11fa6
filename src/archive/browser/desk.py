"""The officer's start page (`@@desk`, the site's front page): his queues and due dates, with counts.

Each figure is one catalog count (indexes only) and a link to the dossier list filtered
the same way. Which queues come first depends on the officer's functions in his agency
(reception, specialist, leader); a visitor who is not logged in gets the way in.
"""
from urllib.parse import urlencode

from archive.i18n import _
from archive.reports import queries
from plone import api
from Products.Five.browser import BrowserView
from zope.i18n import translate

DUE_TITLES = (
    ("today", _("due_today", default="Due today")),
    ("week", _("due_this_week", default="Due this week")),
    ("overdue", _("due_overdue", default="Overdue")),
)
FUNCTION_TITLES = {
    "reception": _("function_reception", default="Reception officer"),
    "specialists": _("function_specialist", default="Specialist"),
    "leaders": _("function_leader", default="Leader"),
    "archivists": _("function_archivist", default="Archivist"),
    "exchange": _("function_exchange", default="Exchange officer"),
}


def user_functions(user):
    """The agency functions (reception, specialists, leaders...) the user holds through groups."""
    functions = []
    for group in api.group.get_groups(user=user):
        group_id = group.getId()
        for function in FUNCTION_TITLES:
            if group_id.startswith("archive-") and group_id.endswith("-" + function) and function not in functions:
                functions.append(function)
    return functions


class Desk(BrowserView):

    def update(self):
        self.anonymous = api.user.is_anonymous()
        if self.anonymous:
            return
        self.user = api.user.get_current()
        self.functions = user_functions(self.user)
        self.list_base = api.portal.get().absolute_url() + "/@@dossier-list"

    def __call__(self):
        self.update()
        return self.index()

    def t(self, msgid):
        return translate(msgid, domain="archive", context=self.request)

    def fullname(self):
        return self.user.getProperty("fullname") or self.user.getId()

    def function_titles(self):
        return [self.t(FUNCTION_TITLES[f]) for f in self.functions]

    def link(self, **params):
        return self.list_base + "?" + urlencode(params)

    def queues(self):
        """[{id, title, count, url, mine}] with the queues of the officer's functions first."""
        user_id = self.user.getId()
        result = []
        for qid, title, _query, roles in queries.QUEUES:
            count = queries.count(dict(queries.queue_query(qid, user_id), portal_type="Dossier"))
            result.append({"id": qid, "title": self.t(title), "count": count, "url": self.link(queue=qid),
                           "mine": bool(set(roles) & set(self.functions))})
        result.sort(key=lambda q: not q["mine"])
        return result

    def due(self):
        result = []
        now = queries.clock.now()
        for window, title in DUE_TITLES:
            count = queries.count(queries.dossier_query({"due": window}, now=now))
            result.append({"id": window, "title": self.t(title), "count": count, "url": self.link(due=window)})
        return result

    def dashboard_url(self):
        return api.portal.get().absolute_url() + "/@@dashboard"

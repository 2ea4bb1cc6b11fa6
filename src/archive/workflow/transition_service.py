"""POST @workflow on an archive site: a refused transition changes nothing and says why in words.

plone.restapi's transition service stamps the effective date (and with it `modified`)
before it asks the workflow, and answers a refusal with 400 without undoing that stamp;
the refusal's text is CMF's message template with `${action_id}` left in. Here a refusal
dooms the transaction (Zope aborts it instead of committing) and is told as a sentence.
"""
import transaction
from plone.restapi.services.workflow.transition import WorkflowTransition as RestapiWorkflowTransition
from Products.CMFCore.WorkflowCore import WorkflowException
from zope.i18n import translate

from archive.i18n import _


class WorkflowTransition(RestapiWorkflowTransition):
    def reply(self):
        answer = super().reply()
        if self.request.response.getStatus() >= 400:
            transaction.doom()
        return answer

    def recurse_transition(self, objs, comment, publication_dates, include_children=False):
        try:
            return super().recurse_transition(objs, comment, publication_dates, include_children)
        except WorkflowException as exc:
            message = _("error_transition_unavailable",
                        default="The action \"${action_id}\" cannot be done here: it does not exist, the item's "
                                "state does not allow it, or you may not do it.",
                        mapping={"action_id": self.transition})
            raise WorkflowException(translate(message, context=self.request)) from exc

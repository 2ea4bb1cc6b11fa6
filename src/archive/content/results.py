"""Results: issuing the result code and linking the result to its dossier."""
from Acquisition import aq_base
from archive.content import clock
from archive.content import result_link
from archive.content import sequences
from plone import api
from plone.dexterity.utils import createContent

DEFAULT_TEMPLATE = "KQ.{agency}.{date:%Y}.{seq:06d}"


def issue_result_code(container, result):
    if getattr(aq_base(result), "result_code", None):
        return result.result_code
    template = api.portal.get_registry_record("archive.result_code_template", default=None) or DEFAULT_TEMPLATE
    issued = result.issue_date or clock.now().date()
    seq = sequences.next_number(container, f"result:{issued.year}")
    result.result_code = template.format(agency=container.agency_code, date=issued, seq=seq)
    if not result.title:
        result.title = f"{result.result_type} {result.number_notation}"
    return result.result_code


def result_added(result, event):
    if event.newParent is None or event.oldParent is not None:
        return
    issue_result_code(event.newParent, result)
    result_link.link(result)


def create_result(container, **fields):
    """Create a result in an agency's results shard, named by its issued code."""
    result = createContent("Result", **fields)
    code = issue_result_code(container, result)
    result.id = code
    container._setObject(code, result)
    return container._getOb(code)

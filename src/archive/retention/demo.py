"""Retention demo data: closed dossiers dated long ago, a disposal list in each state and an item under hold."""
import logging

from archive.content.intake import receive_dossier
from archive.retention.hold import set_hold
from archive.retention.setup import SECTION
from archive.retention.sources import DOSSIER_CLOSING_STATES
from DateTime import DateTime
from plone import api

logger = logging.getLogger("archive.retention")
# Closed long enough ago to be past the default 10 years.
EXPIRED_CLOSING = DateTime("2012/03/15 10:00:00 GMT+7")


def _expire(obj):
    """Date the dossier's closing back to 2012, as if it had long been in the archive."""
    for workflow_id, history in obj.workflow_history.items():
        entries = [dict(entry) for entry in history]
        for entry in entries:
            entry["time"] = EXPIRED_CLOSING
        obj.workflow_history[workflow_id] = tuple(entries)
    obj.reindexObject()


def _list(section, number, title, items, opinion=None, transitions=()):
    disposal_list = api.content.create(container=section, type="DisposalList", id=f"danh-muc-huy-{number}",
                                       title=title, safe_id=False,
                                       items=[item.UID() for item in items],
                                       explanation="Hồ sơ đã hết thời hạn bảo quản theo bảng thời hạn.")
    if opinion:
        disposal_list.appraisal_opinion = opinion
        disposal_list.decision = "Quyết định số 15/QĐ-TTPVHCC ngày 02/12/2026"
    for transition in transitions:
        api.content.transition(obj=disposal_list, transition=transition)
    return disposal_list


def create_retention_demo(portal):
    with api.env.adopt_roles(["Manager"]):
        section = portal[SECTION]
        catalog = api.portal.get_tool("portal_catalog")
        returned = [brain._unrestrictedGetObject()
                    for brain in catalog.unrestrictedSearchResults(portal_type="Dossier", sort_on="id",
                                                                   review_state=list(DOSSIER_CLOSING_STATES))[:5]]
        for dossier in returned:
            _expire(dossier)
        # One more, refused at intake long ago: the executed list destroys it.
        model = returned[0]
        doomed = receive_dossier(model.aq_parent, procedure_code=model.procedure_code, applicant_name="Trần Văn Bình",
                                 applicant_id="040201009999", applicant_address="Số 1, đường Lê Lợi, tỉnh Nghệ An",
                                 channel="desk")
        api.content.transition(obj=doomed, transition="refuse", comment="Không thuộc thẩm quyền")
        _expire(doomed)
        opinion = "Hội đồng xác định giá trị tài liệu thống nhất hủy các hồ sơ trong danh mục."
        _list(section, 1, "Danh mục hồ sơ hết giá trị đợt 1/2027 (đang lập)", returned[:1])
        _list(section, 2, "Danh mục hồ sơ hết giá trị đợt 2/2027 (đã thẩm định)", returned[1:2], opinion, ["appraise"])
        _list(section, 3, "Danh mục hồ sơ hết giá trị đợt 3/2027 (đã phê duyệt)", returned[2:3], opinion,
              ["appraise", "approve"])
        _list(section, 4, "Danh mục hồ sơ hết giá trị đợt 4/2026 (đã hủy)", [doomed], opinion,
              ["appraise", "approve", "execute"])
        _list(section, 5, "Danh mục hồ sơ đợt 5/2026 (không được phê duyệt)", returned[3:4], opinion,
              ["appraise", "reject"])
        set_hold(returned[4], "Hồ sơ liên quan vụ khiếu nại số 27/KN-UBND đang giải quyết")
    logger.info("Retention demo: 5 disposal lists, 1 item under legal hold")

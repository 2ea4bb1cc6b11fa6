"""Install step of retention: the disposal section and the group of leaders who approve disposal."""
from plone import api
from plone.dexterity.utils import createContentInContainer

SECTION = "disposal"
APPROVERS = "archive-disposal-approvers"
MARKER = "archive-retention.txt"


def ensure_disposal_section(portal):
    if SECTION not in portal:
        createContentInContainer(portal, "ArchiveFolder", checkConstraints=False, id=SECTION,
                                 title="Hủy tài liệu hết giá trị / Disposal")
    if api.group.get(groupname=APPROVERS) is None:
        api.group.create(groupname=APPROVERS, title="Lãnh đạo phê duyệt hủy tài liệu / Disposal approvers")
    section = portal[SECTION]
    section.manage_setLocalRoles(APPROVERS, ["Leader"])
    section.manage_setLocalRoles("archive-archivists", ["Archivist"])
    section.reindexObjectSecurity()
    return section


def import_step(context):
    if context.readDataFile(MARKER) is None:
        return
    ensure_disposal_section(api.portal.get())

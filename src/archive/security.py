"""Who may do what, per agency: each agency gets its shards and one group per function,
and the groups hold local roles on that agency's shards only."""
from archive.content import sequences
from plone import api

# Function groups of an agency and the local role each one holds on the agency's shards.
AGENCY_FUNCTIONS = {
    "reception": ("ReceptionOfficer", "Reception officers", "Cán bộ tiếp nhận và trả kết quả"),
    "specialists": ("Specialist", "Specialists", "Chuyên viên thụ lý"),
    "leaders": ("Leader", "Leaders", "Lãnh đạo"),
    "archivists": ("Archivist", "Archivists", "Văn thư lưu trữ"),
    "exchange": ("ExchangeOfficer", "Exchange officers", "Cán bộ liên thông văn bản"),
}

# Province-wide groups: (id, title, role, where) — where None means a global role.
PROVINCE_GROUPS = (
    ("archive-auditors", "Thanh tra / Auditors", "Auditor", None),
    ("archive-legal-drafters", "Soạn thảo văn bản / Legal drafters", "Specialist", "legal-documents"),
    ("archive-legal-reviewers", "Thẩm định pháp chế / Legal reviewers", "LegalReviewer", "legal-documents"),
    ("archive-legal-approvers", "Lãnh đạo ban hành / Legal approvers", "Leader", "legal-documents"),
    ("archive-archivists", "Lưu trữ tỉnh / Provincial archivists", "Archivist", None),
)

SHARD_SECTIONS = ("dossiers", "results")


def agency_group_id(agency_code, function):
    return f"archive-{agency_code}-{function}"


def _ensure_group(group_id, title, roles=()):
    group = api.group.get(groupname=group_id)
    if group is None:
        group = api.group.create(groupname=group_id, title=title, roles=list(roles))
    return group


def ensure_province_groups(portal):
    for group_id, title, role, where in PROVINCE_GROUPS:
        _ensure_group(group_id, title, roles=[role] if where is None else [])
        if where is not None:
            portal[where].manage_setLocalRoles(group_id, [role])
            portal[where].reindexObjectSecurity()


def ensure_agency_shards(portal, agency):
    """Create the agency's dossier and result shards and its function groups (idempotent)."""
    code = agency.agency_code
    for section_id in SHARD_SECTIONS:
        section = portal[section_id]
        if code not in section:
            shard = api.content.create(
                container=section, type="ArchiveFolder", id=code, title=agency.title, safe_id=False
            )
            shard.agency_code = code
            sequences.ensure_counters(shard)
        shard = section[code]
        for function, (role, title_en, title_vi) in AGENCY_FUNCTIONS.items():
            group_id = agency_group_id(code, function)
            _ensure_group(group_id, f"{agency.title}: {title_vi} / {title_en}")
            shard.manage_setLocalRoles(group_id, [role])
        shard.reindexObjectSecurity()


def agency_added(agency, event):
    if event.newParent is None or event.oldParent is not None:
        return
    portal = api.portal.get()
    if all(section in portal for section in SHARD_SECTIONS):
        ensure_agency_shards(portal, agency)

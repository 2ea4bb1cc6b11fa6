"""Install and uninstall steps: the archive's sections and province-wide groups."""
from archive.api.errors import quiet_client_errors
from archive.exchange.site.inbox import ensure_exchange_site
from archive.exchange.site.settings import get_settings as exchange_settings
from archive.security import ensure_province_groups
from plone import api
from plone.base.interfaces import INonInstallable
from plone.dexterity.utils import createContentInContainer
from zope.interface import implementer

# id, title (content, so shown as stored: in the officers' language), public?
SECTIONS = (
    ("agencies", "Cơ quan", True),
    ("procedures", "Thủ tục hành chính", True),
    ("dossiers", "Hồ sơ thủ tục hành chính", False),
    ("results", "Kết quả giải quyết", False),
    ("legal-documents", "Văn bản quy phạm pháp luật", True),
)


@implementer(INonInstallable)
class HiddenProfiles:
    def getNonInstallableProfiles(self):
        return ["archive:uninstall"]


def create_sections(portal):
    for section_id, title, public in SECTIONS:
        if section_id in portal:
            continue
        # Sections are made by the add-on itself: ArchiveFolder is not addable at the root.
        section = createContentInContainer(
            portal, "ArchiveFolder", checkConstraints=False, id=section_id, title=title
        )
        if public:
            api.content.transition(obj=section, transition="make_public")


def post_install(context):
    portal = api.portal.get()
    create_sections(portal)
    ensure_province_groups(portal)
    # The exchange inbox, and the exchange officers' roles if this site's OrganId is known
    # already (ARCHIVE_EXCHANGE_ORGAN_ID); otherwise POST @exchange-setup once it is.
    ensure_exchange_site(portal, exchange_settings().organ_id)
    # A 400 is the client's mistake: no traceback at ERROR level in the server log.
    quiet_client_errors(portal)


def post_uninstall(context):
    """Content stays (it is the archive); types and workflows go with the profile."""

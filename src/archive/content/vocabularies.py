"""Fixed vocabularies of the content model; values are stable identifiers, titles are translated."""
from archive.i18n import _
from zope.interface import provider
from zope.schema.interfaces import IVocabularyFactory
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary


def _vocabulary(pairs):
    terms = [SimpleTerm(value=value, token=value, title=title) for value, title in pairs]
    vocabulary = SimpleVocabulary(terms)

    @provider(IVocabularyFactory)
    def factory(context=None):
        return vocabulary

    return factory


AGENCY_LEVELS = (
    ("central", _("level_central", default="Central (ministry or government body)")),
    ("province", _("level_province", default="Province")),
    ("department", _("level_department", default="Provincial department")),
    ("district", _("level_district", default="District")),
    ("commune", _("level_commune", default="Commune")),
)

ONLINE_LEVELS = (
    ("none", _("online_none", default="Not online")),
    ("partial", _("online_partial", default="Partly online")),
    ("full", _("online_full", default="Fully online")),
)

CHANNELS = (
    ("desk", _("channel_desk", default="One-stop desk")),
    ("online", _("channel_online", default="Online")),
    ("post", _("channel_post", default="Public postal service")),
)

# The national portal codes a component as original (0), copy (1) or electronic copy (2).
COMPONENT_KINDS = (
    ("original", _("kind_original", default="Original")),
    ("copy", _("kind_copy", default="Copy")),
    ("electronic_copy", _("kind_electronic_copy", default="Electronic copy")),
)
COMPONENT_KIND_CODES = {"original": 0, "copy": 1, "electronic_copy": 2}

TIMELINESS = (
    ("early", _("timeliness_early", default="Early")),
    ("on_time", _("timeliness_on_time", default="On time")),
    ("late", _("timeliness_late", default="Late")),
)

# Law 64/2025/QH15, highest first; the position is the rank used for sorting.
LEGAL_DOCUMENT_TYPES = (
    ("constitution", _("ldt_constitution", default="Constitution")),
    ("law", _("ldt_law", default="Law")),
    ("na_resolution", _("ldt_na_resolution", default="Resolution of the National Assembly")),
    ("ordinance", _("ldt_ordinance", default="Ordinance of the NA Standing Committee")),
    ("nasc_resolution", _("ldt_nasc_resolution", default="Resolution of the NA Standing Committee")),
    ("president_order", _("ldt_president_order", default="Order of the President")),
    ("president_decision", _("ldt_president_decision", default="Decision of the President")),
    ("decree", _("ldt_decree", default="Decree of the Government")),
    ("government_resolution", _("ldt_government_resolution", default="Resolution of the Government")),
    ("pm_decision", _("ldt_pm_decision", default="Decision of the Prime Minister")),
    ("court_resolution", _("ldt_court_resolution", default="Resolution of the Supreme Court's Judges' Council")),
    ("circular", _("ldt_circular", default="Circular")),
    ("joint_circular", _("ldt_joint_circular", default="Joint circular")),
    ("provincial_council_resolution", _("ldt_pc_resolution", default="Resolution of the provincial People's Council")),
    ("provincial_committee_decision", _("ldt_pc_decision", default="Decision of the provincial People's Committee")),
    ("special_unit_document", _("ldt_special_unit", default="Document of a special administrative-economic unit")),
    ("commune_resolution", _("ldt_commune_resolution", default="Resolution of a commune-level People's Council")),
    ("commune_decision", _("ldt_commune_decision", default="Decision of a commune-level People's Committee")),
)

EFFECT_STATUSES = (
    ("not_yet_in_force", _("effect_not_yet", default="Not yet in force")),
    ("in_force", _("effect_in_force", default="In force")),
    ("partly_expired", _("effect_partly_expired", default="Partly expired")),
    ("wholly_expired", _("effect_wholly_expired", default="Wholly expired")),
    ("suspended", _("effect_suspended", default="Suspended")),
)

AgencyLevels = _vocabulary(AGENCY_LEVELS)
OnlineLevels = _vocabulary(ONLINE_LEVELS)
Channels = _vocabulary(CHANNELS)
ComponentKinds = _vocabulary(COMPONENT_KINDS)
Timeliness = _vocabulary(TIMELINESS)
LegalDocumentTypes = _vocabulary(LEGAL_DOCUMENT_TYPES)
EffectStatuses = _vocabulary(EFFECT_STATUSES)

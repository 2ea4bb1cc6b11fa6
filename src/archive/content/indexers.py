"""Catalog indexers: what each archive type contributes to full-text search and relations."""
from Acquisition import aq_base
from archive.content.legal import relation_keys
from archive.content.types import Agency
from archive.content.types import Dossier
from archive.content.types import LegalDocument
from archive.content.types import Procedure
from archive.content.types import Result
from archive.content.types import components_in
from plone.base.utils import human_readable_size
from plone.indexer import indexer

import re

TAG = re.compile(r"<[^>]+>")


def _join(*values):
    return " ".join(str(v) for v in values if v)


@indexer(Dossier)
def dossier_text(obj):
    return _join(obj.dossier_code, obj.title, obj.procedure_code, obj.applicant_name,
                 obj.applicant_id, obj.applicant_address, obj.result_code, obj.notes,
                 *(component.title for component in obj.components))


@indexer(Result)
def result_text(obj):
    return _join(obj.result_code, obj.title, obj.number_notation, obj.result_type,
                 obj.signer, obj.dossier_code)


@indexer(LegalDocument)
def legal_document_text(obj):
    text = TAG.sub(" ", obj.text.raw) if getattr(obj, "text", None) else ""
    return _join(obj.number_notation, obj.title, obj.issuing_body, obj.signer, text)


@indexer(Agency)
def agency_text(obj):
    return _join(obj.agency_code, obj.title, obj.address)


@indexer(Procedure)
def procedure_text(obj):
    return _join(obj.procedure_code, obj.title, obj.sector, obj.result_type)


@indexer(LegalDocument)
def legal_relations(obj):
    return relation_keys(obj)


# Cheap answers for what Plone's generic indexers would work out the long way for every
# dossier and result (the records a province adds by the hundred thousand): they live in
# agency shards, which never show one of their items as their page, and have no images.
@indexer(Dossier)
def dossier_is_default_page(obj):
    return False


@indexer(Result)
def result_is_default_page(obj):
    return False


def _no_image_scales(obj):
    raise AttributeError("image_scales")  # nothing stored, as the generic indexer does


dossier_image_scales = indexer(Dossier)(_no_image_scales)
result_image_scales = indexer(Result)(_no_image_scales)


def _dublin_core_date(obj):
    """What Date() says (the effective date, else the modification date), as the DateTime
    itself: Date() formats it as text, which the index would only parse back."""
    return getattr(aq_base(obj), "effective_date", None) or obj.modified()


dossier_date = indexer(Dossier)(_dublin_core_date)
result_date = indexer(Result)(_dublin_core_date)


@indexer(Dossier)
def dossier_size(obj):
    """What folder listings show as a dossier's size: its component files together. Dexterity's
    own answer walks every field of every schema and finds nothing (a dossier holds no file)."""
    return human_readable_size(sum(component.file.getSize() for component in components_in(obj)
                                   if getattr(component, "file", None) is not None))


@indexer(Dossier)
def dossier_mime_type(obj):
    # What Dexterity answers for content without a primary file field, without its long
    # lookup; listings (tabular_view) build icon names from it, so never None.
    return "text/plain"

"""Content for the preservation tests: a dossier with files, a legal document with an attachment,
and packages rewritten with a damage."""
import io
import os
import zipfile
from datetime import date

from archive.content.intake import receive_dossier
from plone import api
from plone.namedfile.file import NamedBlobFile

from helpers import AGENCY
from helpers import dossier_fields


def make_dossier(portal, files=3, size=2048, user="reception"):
    """A dossier received with ``files`` components of ``size`` random bytes each."""
    components = [{"title": f"Thành phần {n}", "filename": f"thanh-phan-{n}.pdf",
                   "data": b"%PDF-1.4\n" + os.urandom(size)} for n in range(1, files + 1)]
    with api.env.adopt_user(username=user):
        return receive_dossier(portal.dossiers[AGENCY], components=components, **dossier_fields())


def make_legal_document(portal, id_="05-2025-qd-ubnd"):
    with api.env.adopt_user(username="drafter"):
        doc = api.content.create(
            container=portal["legal-documents"], type="LegalDocument", id=id_,
            number_notation="05/2025/QĐ-UBND", document_type="provincial_committee_decision",
            title="Quy định về lưu trữ điện tử", issuing_body="UBND tỉnh", signer="A", issue_date=date(2025, 3, 4))
        api.content.create(container=doc, type="ArchiveAttachment", id="van-ban",
                           title="Văn bản", file=NamedBlobFile(b"%PDF-1.4\nvan ban", filename="van-ban.pdf",
                                                               contentType="application/pdf"))
    return doc


def publish(portal, doc):
    workflow = api.portal.get_tool("portal_workflow")
    for user, transition in (("drafter", "submit"), ("reviewer", "approve"), ("approver", "publish")):
        with api.env.adopt_user(username=user):
            workflow.doActionFor(doc, transition)


def rewrite_zip(data, change, extra=None):
    """A copy of a ZIP with ``change(name, bytes) -> bytes or None (dropped)`` applied to each member,
    and the member ``extra`` (name, bytes) added where given."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
        if extra:
            target.writestr(*extra)
    return out.getvalue()

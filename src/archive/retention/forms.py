"""The archivists' edit form for archival metadata (the content edit form needs Modify portal
content, which a closed file no longer grants; this one needs archive: Edit archival metadata)."""
from archive.i18n import _
from archive.retention.behavior import IArchivalMetadata
from plone.autoform.form import AutoExtensibleForm
from plone.z3cform.layout import wrap_form
from z3c.form import form


class ArchivalMetadataForm(AutoExtensibleForm, form.EditForm):
    schema = IArchivalMetadata
    label = _("heading_archival_metadata", default="Archival metadata")
    description = _("help_archival_metadata_form",
                    default="Empty fields take the value derived from the procedure and the content.")


ArchivalMetadataFormView = wrap_form(ArchivalMetadataForm)

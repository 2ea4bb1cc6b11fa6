"""The archival metadata a package describes: archive.retention's archival metadata (what
the archivist stored over what the procedure and content give), plus the few things a
package also names (the agency, the kind of item, the document codes inside the file)."""
from archive.retention.metadata import archival_metadata as retention_metadata
from archive.retention.metadata import document_codes


def archival_metadata(obj):
    """The dict a package's descriptive metadata is written from."""
    values = dict(retention_metadata(obj))
    values["agency"] = getattr(obj, "agency_code", None) or getattr(obj, "issuing_body", None)
    values["type"] = obj.portal_type
    values["document_list"] = [{"code": item["code"], "title": item["title"], "file": item["id"]}
                               for item in document_codes(obj, values)]
    return values

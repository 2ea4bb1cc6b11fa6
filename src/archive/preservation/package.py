"""Writing an E-ARK CSIP 2.2.0 information package (SIP or AIP) as a ZIP, from plain data.

Nothing here knows Plone: a ``PackageSpec`` holds the package identifier, its type, the
descriptive fields and the original files (each a name, a way to open its bytes, a MIME
type and a creation date). ``write_package`` streams the files into
``<OBJID>/representations/rep1/data/`` of an uncompressed ZIP, digesting them on the way,
then writes the descriptive metadata, the PREMIS file, the representation METS and the
root METS, each listed with its MIME type, size, creation date and SHA-256.
"""
import hashlib
import uuid
import zipfile
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone

from archive.preservation import descriptive
from archive.preservation import mets
from archive.preservation import premis

CHUNK = 1 << 20
REPRESENTATION = "rep1"
SIP = "SIP"
AIP = "AIP"


@dataclass
class SourceFile:
    """One original file: ``opener()`` returns a binary stream of its bytes."""

    name: str
    opener: object
    mime: str = "application/octet-stream"
    created: datetime = None
    expected_sha256: str = None  # the digest recorded when the file was stored, if any


@dataclass
class PackageSpec:
    objid: str
    package_type: str  # SIP or AIP
    label: str
    metadata: dict  # archival metadata (see archive.preservation.metadata)
    files: list  # SourceFile
    creator: str = "archive"
    agency: str = ""
    actor: str = "system"
    events: list = field(default_factory=list)  # extra PREMIS events, dicts (see premis.event)
    created: datetime = None


@dataclass
class Entry:
    """A file written into the package, as METS and the store record it."""

    path: str  # relative to the package root folder
    size: int
    sha256: str
    mime: str
    created: datetime
    use: str  # data, metadata, representation-mets, mets

    def plain(self):
        return {"path": self.path, "size": self.size, "sha256": self.sha256, "mime": self.mime,
                "created": iso(self.created), "use": self.use}


@dataclass
class WrittenPackage:
    objid: str
    package_type: str
    entries: list
    events: list
    data_mismatches: list  # names of originals whose bytes differ from their recorded digest


def now():
    return datetime.now(timezone.utc)


def iso(value):
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_objid(package_type, code=None):
    """A package identifier that is also a portable folder name."""
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in (code or "")).strip("-.")
    parts = [package_type.lower()] + ([stem] if stem else []) + [uuid.uuid4().hex]
    return "-".join(parts)


def safe_name(name, taken):
    """A file name for the data folder: no folders, no control characters, unique."""
    base = (name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip() or "file"
    if base in (".", ".."):
        base = "file"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        stem, dot, ext = base.rpartition(".")
        candidate = f"{stem}-{number}.{ext}" if dot and stem else f"{base}-{number}"
    taken.add(candidate)
    return candidate


def _write_stream(archive, arcname, stream):
    digest = hashlib.sha256()
    size = 0
    info = zipfile.ZipInfo(arcname, date_time=now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    with archive.open(info, "w", force_zip64=True) as target:
        for block in iter(lambda: stream.read(CHUNK), b""):
            digest.update(block)
            size += len(block)
            target.write(block)
    return size, digest.hexdigest()


def _write_bytes(archive, arcname, data):
    info = zipfile.ZipInfo(arcname, date_time=now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    archive.writestr(info, data)
    return len(data), hashlib.sha256(data).hexdigest()


def write_package(spec, target):
    """Write the package into ``target`` (a path or a writable binary file); returns a WrittenPackage."""
    created = spec.created or now()
    root = spec.objid
    rep_root = f"representations/{REPRESENTATION}"
    entries, mismatches, taken = [], [], set()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for source in spec.files:
            name = safe_name(source.name, taken)
            path = f"{rep_root}/data/{name}"
            with source.opener() as stream:
                size, digest = _write_stream(archive, f"{root}/{path}", stream)
            if source.expected_sha256 and source.expected_sha256.lower() != digest:
                mismatches.append(source.name)
            entries.append(Entry(path, size, digest, source.mime, source.created or created, "data"))
        data_entries = list(entries)

        dc = descriptive.dublin_core(spec.metadata, spec.label, spec.objid)
        entries.append(Entry("metadata/descriptive/dc.xml", *_write_bytes(archive, f"{root}/metadata/descriptive/dc.xml", dc),
                             "application/xml", created, "descriptive"))

        events = premis.standard_events(spec, data_entries, mismatches, created) + list(spec.events)
        premis_xml = premis.document(spec, data_entries, events, rep_root)
        entries.append(Entry("metadata/preservation/premis.xml",
                             *_write_bytes(archive, f"{root}/metadata/preservation/premis.xml", premis_xml),
                             "application/xml", created, "preservation"))

        if data_entries:  # an item without files has metadata only, and no representation
            rep_entries = [Entry(e.path[len(rep_root) + 1:], e.size, e.sha256, e.mime, e.created, e.use)
                           for e in data_entries]
            rep_mets = mets.representation_mets(spec, REPRESENTATION, rep_entries, created)
            entries.append(Entry(f"{rep_root}/METS.xml",
                                 *_write_bytes(archive, f"{root}/{rep_root}/METS.xml", rep_mets),
                                 "application/xml", created, "representation-mets"))

        root_mets = mets.root_mets(spec, entries, REPRESENTATION, created)
        entries.append(Entry("METS.xml", *_write_bytes(archive, f"{root}/METS.xml", root_mets),
                             "application/xml", created, "mets"))
    return WrittenPackage(spec.objid, spec.package_type, entries, events, mismatches)

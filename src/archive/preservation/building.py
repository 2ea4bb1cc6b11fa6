"""Packages of a content item: the SIP handed out for transfer and the AIP kept in the store."""
import io
from datetime import datetime
from datetime import timezone

from plone import api

from archive.preservation import store
from archive.preservation.interfaces import IPackageSource
from archive.preservation.metadata import archival_metadata
from archive.preservation.package import AIP
from archive.preservation.package import new_objid
from archive.preservation.package import PackageSpec
from archive.preservation.package import SIP
from archive.preservation.package import write_package


def _actor():
    user = api.user.get_current()
    return (user.getId() or user.getUserName()) if user is not None else "system"


def spec_for(obj, package_type, events=()):
    source = IPackageSource(obj)
    metadata = archival_metadata(obj)
    return PackageSpec(objid=new_objid(package_type, source.code), package_type=package_type, label=obj.Title(),
                       metadata=metadata, files=source.files(), agency=metadata.get("agency") or "",
                       actor=_actor(), events=list(events), created=datetime.now(timezone.utc))


def sip_bytes(obj):
    """(ZIP bytes, WrittenPackage, sha256) of a new SIP of ``obj``; the events of its stored
    packages (fixity checks included) travel with it."""
    history = [event for record in store.packages_of(obj.UID()) for event in record.events]
    buffer = io.BytesIO()
    written = write_package(spec_for(obj, SIP, history), buffer)
    data = buffer.getvalue()
    sha256, _size = store.sha256_of_stream(io.BytesIO(data))
    return data, written, sha256


def build_aip(obj):
    """Build the item's AIP into a blob and record it (in the current transaction), with
    the stored files it was built from, which fixity re-reads."""
    source = IPackageSource(obj)
    # The Blob of each stored file is kept with the record, so fixity re-reads it without
    # loading the content objects (NamedBlobFile keeps it as ``_blob``).
    sources = [{"path": path, "sha256": recorded, "blob": named._blob} for path, named, recorded in source.blobs()]
    spec = spec_for(obj, AIP)
    blob, written, sha256, size = store.new_blob(lambda stream: write_package(spec, stream))
    record = store.PackageRecord(
        objid=written.objid, package_type=AIP, uid=obj.UID(), path="/".join(obj.getPhysicalPath()),
        title=obj.Title(), entries=[entry.plain() for entry in written.entries], sha256=sha256, size=size,
        blob=blob, created=spec.created.isoformat(timespec="seconds"), sources=sources)
    for event in written.events:
        record.add_event(event)
    if written.data_mismatches:
        record.state = store.DAMAGED
        record.incidents.append({"kind": "changed", "files": list(written.data_mismatches),
                                 "time": record.created})
    return store.add(record)

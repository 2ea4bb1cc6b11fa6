"""Fixity: re-read every stored package and the item's stored files, compare them with the
digests recorded when they were stored, and record a PREMIS fixity check event for each.

A package is read once, whole, against its package-level SHA-256; only when that differs
are its members digested one by one to name the changed files. Members missing from the
ZIP and members nobody recorded are incidents too, and so is a stored file the package was
built from that is gone or changed (compared with the digest recorded when it was stored).
Those files are re-read through the Blobs kept with the package record, without loading
the content objects (loading them was most of the time of a check). An incident marks the
package damaged, journals it, mails the archivists of the item's agency and of the
province, and marks the item.
"""
import logging
import os
import zipfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from plone import api
from zope.annotation.interfaces import IAnnotations
from ZODB.POSException import POSKeyError

from archive.audit import journal
from archive.preservation import premis
from archive.preservation import store
from archive.security import agency_group_id

logger = logging.getLogger("archive.preservation.fixity")
ALERT_KEY = "archive.preservation.fixity_alert"
PROVINCE_ARCHIVISTS = "archive-archivists"
# Threads that digest files side by side (one per core is enough: digesting is CPU-bound).
THREADS = max(1, int(os.environ.get("ARCHIVE_FIXITY_THREADS", "2")))
PIPELINE = 3  # packages opened ahead of the one being finished


def _digest(stream):
    return store.sha256_of_stream(stream)[0]


def _package_incidents(stream, objid, expected, package_sha256):
    """Incidents of an open package ZIP (plain data only: runs in a worker thread)."""
    incidents = []
    try:
        whole = _digest(stream)
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            for name in sorted(set(expected) - names):
                incidents.append({"kind": "missing", "file": name})
            for name in sorted(names - set(expected)):
                incidents.append({"kind": "unrecorded", "file": name})
            if whole != package_sha256:  # name the changed members
                for name in sorted(names & set(expected)):
                    with archive.open(name) as member:
                        if _digest(member) != expected[name]:
                            incidents.append({"kind": "changed", "file": name})
                if not incidents:
                    incidents.append({"kind": "changed", "file": f"{objid}.zip"})
    except zipfile.BadZipFile:
        incidents.append({"kind": "changed", "file": f"{objid}.zip"})
    return incidents


def _file_incidents(stream, label, recorded):
    """Incidents of one open stored file (plain data only: runs in a worker thread)."""
    if recorded is None:
        return [{"kind": "unrecorded", "file": label}]
    return [] if _digest(stream) == recorded else [{"kind": "changed", "file": label}]


def _check_streams(package, files):
    """Incidents of a package's open files, in one worker thread: ``package`` is the
    arguments of ``_package_incidents`` (or None), ``files`` those of ``_file_incidents``."""
    found = _package_incidents(*package) if package is not None else []
    for arguments in files:
        found += _file_incidents(*arguments)
    return found


def _open(opener):
    try:
        return opener()
    except (POSKeyError, FileNotFoundError):
        return None


def _source_blob(site, source):
    """The Blob of a stored file the package was built from: kept with the record, or for
    records made before it was kept, found through the object at the recorded path."""
    if "blob" in source:
        return source["blob"]
    obj = site.unrestrictedTraverse(source["path"], None)  # physical path, from the root
    named = getattr(obj, "file", None) if obj is not None else None
    return getattr(named, "_blob", None)


def start_check(record, site, pool):
    """Open the package and the stored files it was built from, and hand them together to
    one of the pool's threads to digest (hashlib and file reads release the GIL, so the
    cores digest packages side by side); returns what ``finish_check`` needs. Opening
    happens here, in the ZODB connection's thread."""
    package, files, incidents = None, [], []
    stream = _open(lambda: record.blob.open("r"))
    if stream is None:
        incidents.append({"kind": "missing", "file": f"{record.objid}.zip"})
    else:
        expected = {f"{record.objid}/{entry['path']}": entry["sha256"] for entry in record.entries}
        package = (stream, record.objid, expected, record.sha256)
    for source in record.sources:
        blob = _source_blob(site, source)
        stream = _open(lambda: blob.open("r")) if blob is not None else None
        if stream is None:
            incidents.append({"kind": "missing", "file": source["path"]})
            continue
        files.append((stream, source["path"], source["sha256"]))
    streams = ([package[0]] if package is not None else []) + [arguments[0] for arguments in files]
    return streams, pool.submit(_check_streams, package, files), incidents


def finish_check(started):
    """Incidents of a started check: the package's, then the item files' (each compared
    with the digest recorded when it was stored), then files that could not be opened."""
    streams, job, incidents = started
    try:
        found = job.result()
    finally:
        for stream in streams:
            stream.close()
    return found + incidents


def _recipients(obj):
    groups = [PROVINCE_ARCHIVISTS]
    agency = getattr(obj, "agency_code", None) if obj is not None else None
    if agency:
        groups.insert(0, agency_group_id(agency, "archivists"))
    emails = set()
    for group in groups:
        if api.group.get(groupname=group) is None:
            continue
        for user in api.user.get_users(groupname=group):
            email = user.getProperty("email")
            if email:
                emails.add(email)
    return sorted(emails)


def alert(record, obj, incidents):
    """Journal, mail the archivists, mark the item."""
    details = {"package": record.objid, "incidents": incidents}
    journal.record("package.fixity_failed", uid=record.uid, path=record.path,
                   portal_type=getattr(obj, "portal_type", None), details=details)
    if obj is not None:
        IAnnotations(obj)[ALERT_KEY] = {"package": record.objid, "incidents": incidents,
                                        "time": premis.iso(None)}
    lines = [f"Kiểm tra toàn vẹn thất bại / Fixity check failed: {record.title}", f"Gói / package: {record.objid}",
             f"Đường dẫn / path: {record.path}", ""]
    lines += [f"- {incident['kind']}: {incident['file']}" for incident in incidents]
    for recipient in _recipients(obj):
        try:
            api.portal.send_email(recipient=recipient, subject=f"[Lưu trữ] Fixity: {record.title}",
                                  body="\n".join(lines))
        except Exception:  # noqa: BLE001 - the journal entry and the mark stand without the mail
            logger.exception("Could not mail the fixity alert for %s to %s", record.objid, recipient)


def check(record):
    """Check one package and its item; records the event; returns the incidents."""
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return record_check(record, finish_check(start_check(record, api.portal.get(), pool)))


def record_check(record, incidents):
    """Record a check's PREMIS event; on incidents mark the package damaged and alert."""
    outcome = "failure" if incidents else "success"
    detail = "; ".join(f"{i['kind']}: {i['file']}" for i in incidents) or "all digests match"
    event = premis.event("fixity check", outcome, detail, objects=[entry["path"] for entry in record.entries])
    record.add_event(event)
    record.last_check = event["datetime"]
    if incidents:
        record.state = store.DAMAGED
        record.incidents.append({"time": event["datetime"], "incidents": incidents})
        obj = api.portal.get().unrestrictedTraverse(record.path, None) if record.path else None
        alert(record, obj, incidents)
    return incidents


def alert_of(obj):
    return IAnnotations(obj).get(ALERT_KEY)


def check_all():
    """Check every stored package; returns (checked count, [{objid, path, incidents}])."""
    failures = []
    records = store.all_packages()
    site = api.portal.get()

    def finish(record, started):
        incidents = record_check(record, finish_check(started))
        if incidents:
            failures.append({"objid": record.objid, "path": record.path, "incidents": incidents})

    # Pipelined: the next packages are opened (database loads) while the pool digests.
    in_flight = deque()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for record in records:
            in_flight.append((record, start_check(record, site, pool)))
            if len(in_flight) > PIPELINE:
                finish(*in_flight.popleft())
        while in_flight:
            finish(*in_flight.popleft())
    return len(records), failures

"""Fixity: re-read every stored package and the item's stored files, compare them with the
digests recorded when they were stored, and record a PREMIS fixity check event for each.

A package is read once, whole, against its package-level SHA-256; only when that differs
are its members digested one by one to name the changed files. Members missing from the
ZIP and members nobody recorded are incidents too, and so is a stored file of the item
that is gone or changed. An incident marks the package damaged, journals it, mails the
archivists of the item's agency and of the province, and marks the item.
"""
import hashlib
import logging
import zipfile

from plone import api
from zope.annotation.interfaces import IAnnotations
from ZODB.POSException import POSKeyError

from archive.audit import journal
from archive.preservation import premis
from archive.preservation import store
from archive.preservation.interfaces import IPackageSource
from archive.security import agency_group_id

logger = logging.getLogger("archive.preservation.fixity")
ALERT_KEY = "archive.preservation.fixity_alert"
PROVINCE_ARCHIVISTS = "archive-archivists"
CHUNK = 1 << 20


def _digest(stream):
    return store.sha256_of_stream(stream)[0]


def check_package(record):
    """Incidents of one stored package: [{kind: missing|changed|unrecorded, file}]."""
    incidents = []
    expected = {f"{record.objid}/{entry['path']}": entry for entry in record.entries}
    try:
        with record.blob.open("r") as stream:
            whole = _digest(stream)
            stream.seek(0)
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
                for name in sorted(set(expected) - names):
                    incidents.append({"kind": "missing", "file": name})
                for name in sorted(names - set(expected)):
                    incidents.append({"kind": "unrecorded", "file": name})
                if whole != record.sha256:
                    for name in sorted(names & set(expected)):
                        with archive.open(name) as member:
                            if _digest(member) != expected[name]["sha256"]:
                                incidents.append({"kind": "changed", "file": name})
                    if not incidents:
                        incidents.append({"kind": "changed", "file": f"{record.objid}.zip"})
    except (POSKeyError, FileNotFoundError):
        incidents.append({"kind": "missing", "file": f"{record.objid}.zip"})
    except zipfile.BadZipFile:
        incidents.append({"kind": "changed", "file": f"{record.objid}.zip"})
    return incidents


def check_item_files(obj):
    """Incidents of the item's own stored files against the digests recorded at intake."""
    incidents = []
    for label, named, recorded in IPackageSource(obj).blobs():
        try:
            with named.open() as stream:
                digest = _digest(stream)
        except (POSKeyError, FileNotFoundError):
            incidents.append({"kind": "missing", "file": label})
            continue
        if recorded is None:
            incidents.append({"kind": "unrecorded", "file": label})
        elif digest != recorded:
            incidents.append({"kind": "changed", "file": label})
    return incidents


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
    obj = api.content.get(UID=record.uid)
    incidents = check_package(record)
    if obj is not None:
        incidents += check_item_files(obj)
    outcome = "failure" if incidents else "success"
    detail = "; ".join(f"{i['kind']}: {i['file']}" for i in incidents) or "all digests match"
    event = premis.event("fixity check", outcome, detail, objects=[entry["path"] for entry in record.entries])
    record.add_event(event)
    record.last_check = event["datetime"]
    if incidents:
        record.state = store.DAMAGED
        record.incidents.append({"time": event["datetime"], "incidents": incidents})
        alert(record, obj, incidents)
    return incidents


def alert_of(obj):
    return IAnnotations(obj).get(ALERT_KEY)


def check_all():
    """Check every stored package; returns (checked count, [{objid, path, incidents}])."""
    failures = []
    records = store.all_packages()
    for record in records:
        incidents = check(record)
        if incidents:
            failures.append({"objid": record.objid, "path": record.path, "incidents": incidents})
    return len(records), failures

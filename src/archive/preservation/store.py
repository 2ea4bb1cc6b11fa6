"""The package store: each stored package is a ZIP in a ZODB blob with a record of its
files, checksums, state and PREMIS events, kept in the site's annotations.

Why blobs and not a directory of our own: a package must survive restarts and be found
again by fixity, and it must never exist without its record nor the record without it.
Blobs are written in the same transaction as the record (an aborted closing leaves
neither), live in the blob storage that FileStorage, ZEO and RelStorage already back up
and replicate, and every Zope instance of a cluster reads them without a shared mount.
Fixity re-reads the blob files themselves (``Blob.open('r')``), so a change of a byte
on disk is seen.
"""
import hashlib

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList
from ZODB.blob import Blob
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite

from archive.preservation import premis

PACKAGES = "archive.preservation.packages"
BY_ITEM = "archive.preservation.by_item"
CHUNK = 1 << 20

STORED = "stored"
DAMAGED = "damaged"
STATES = (STORED, DAMAGED)


class PackageRecord(Persistent):
    """A stored package: its blob, what it holds and what happened to it."""

    sources = ()  # {"path", "sha256", "blob"} of the item's stored files when the package was built

    def __init__(self, objid, package_type, uid, path, title, entries, sha256, size, blob, created, sources=()):
        self.objid = objid
        self.package_type = package_type
        self.uid = uid
        self.path = path
        self.title = title
        self.entries = tuple(dict(entry) for entry in entries)
        self.sha256 = sha256
        self.size = size
        self.blob = blob
        self.created = created
        self.sources = tuple(dict(source) for source in sources)
        self.state = STORED
        self.events = PersistentList()
        self.incidents = PersistentList()
        self.last_check = None

    def add_event(self, event):
        self.events.append(dict(event))

    def plain(self):
        return {"objid": self.objid, "package_type": self.package_type, "uid": self.uid, "path": self.path,
                "title": self.title, "state": self.state, "created": self.created, "size": self.size,
                "sha256": self.sha256, "files": [dict(entry) for entry in self.entries],
                "events": [dict(event) for event in self.events],
                "incidents": [dict(incident) for incident in self.incidents], "last_check": self.last_check}


def _tree(key, site=None, create=True):
    annotations = IAnnotations(site if site is not None else getSite())
    tree = annotations.get(key)
    if tree is None and create:
        tree = annotations[key] = OOBTree()
    return tree


def sha256_of_stream(stream):
    """(hex SHA-256, size) of a binary stream read to its end, through one reused buffer."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    size = 0
    while True:
        count = stream.readinto(buffer)
        if not count:
            break
        digest.update(view[:count])
        size += count
    return digest.hexdigest(), size


def new_blob(writer):
    """A blob filled by ``writer(stream)``; returns (blob, writer's result, sha256, size)."""
    blob = Blob()
    with blob.open("w") as stream:
        result = writer(stream)
    with blob.open("r") as stream:
        sha256, size = sha256_of_stream(stream)
    return blob, result, sha256, size


def add(record, site=None):
    _tree(PACKAGES, site)[record.objid] = record
    by_item = _tree(BY_ITEM, site)
    by_item[record.uid] = tuple(by_item.get(record.uid, ())) + (record.objid,)
    return record


def get(objid, site=None):
    tree = _tree(PACKAGES, site, create=False)
    return tree.get(objid) if tree is not None else None


def packages_of(uid, site=None):
    tree = _tree(BY_ITEM, site, create=False)
    objids = tree.get(uid, ()) if tree is not None else ()
    return [record for record in (get(objid, site) for objid in objids) if record is not None]


def all_packages(site=None):
    tree = _tree(PACKAGES, site, create=False)
    return list(tree.values()) if tree is not None else []


def delete_packages(uid, site=None):
    """Remove every stored package of the item ``uid`` (for disposal); returns what was
    removed: [{objid, package_type, sha256, size, created, files, deletion}] where
    ``deletion`` is the PREMIS deletion event to keep in the destruction record."""
    removed = []
    packages = _tree(PACKAGES, site, create=False)
    by_item = _tree(BY_ITEM, site, create=False)
    if packages is None or by_item is None:
        return removed
    for objid in by_item.get(uid, ()):
        record = packages.get(objid)
        if record is None:
            continue
        deletion = premis.event("deletion", detail=f"package {objid} removed with its item",
                                agent=premis.SOFTWARE_AGENT, objects=[entry["path"] for entry in record.entries])
        removed.append({"objid": objid, "package_type": record.package_type, "sha256": record.sha256,
                        "size": record.size, "created": record.created, "files": len(record.entries),
                        "deletion": deletion})
        del packages[objid]
    if uid in by_item:
        del by_item[uid]
    return removed

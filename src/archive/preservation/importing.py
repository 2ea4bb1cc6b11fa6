"""Import of a SIP made by another system: every file the METS documents name must be in
the ZIP with the recorded checksum (and size), and every file in the ZIP must be named by
a METS document. The first problem refuses the whole package, naming the file; nothing is
stored before the package has passed every check."""
import hashlib
import io
import posixpath
import zipfile

from lxml import etree

from archive.preservation import premis
from archive.preservation import store

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
ALGORITHMS = {"SHA-256": "sha256", "SHA-512": "sha512", "SHA-384": "sha384", "SHA-1": "sha1", "MD5": "md5"}
IMPORTED = "imported"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class ImportRefused(ValueError):
    def __init__(self, file, message):
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message


def _parse(archive, name):
    try:
        return etree.fromstring(archive.read(name), PARSER)
    except etree.XMLSyntaxError as exc:
        raise ImportRefused(name, f"not well-formed XML ({exc})") from exc


def _references(tree, folder):
    """(path in the ZIP, checksum, checksum type, size) of each file a METS document names."""
    found = []
    for element in tree.iter(f"{{{METS}}}mdRef", f"{{{METS}}}file"):
        if element.tag == f"{{{METS}}}file":
            locations = element.findall(f"{{{METS}}}FLocat")
            href = locations[0].get(f"{{{XLINK}}}href") if locations else None
        else:
            href = element.get(f"{{{XLINK}}}href")
        if not href:
            raise ImportRefused(folder + "METS.xml", f"an entry ({element.get('ID')}) has no location")
        if href.startswith(("/", "\\")) or ":" in href.split("/", 1)[0] or ".." in href.split("/"):
            raise ImportRefused(href, "location outside the package")
        path = posixpath.normpath(folder + href)
        found.append((path, element.get("CHECKSUM"), element.get("CHECKSUMTYPE"), element.get("SIZE")))
    return found


def _digest(archive, name, algorithm):
    digest = hashlib.new(algorithm)
    with archive.open(name) as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check(data):
    """Check a SIP's bytes; returns (objid, entries) or raises ImportRefused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportRefused("package", "not a ZIP file") from exc
    with archive:
        members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
        roots = {name.split("/", 1)[0] for name in members}
        if len(roots) != 1 or any("/" not in name for name in members):
            raise ImportRefused("package", "must hold exactly one root folder")
        root = roots.pop()
        mets_name = f"{root}/METS.xml"
        if mets_name not in members:
            raise ImportRefused("METS.xml", "the package has no root METS.xml")
        tree = _parse(archive, mets_name)
        objid = tree.get("OBJID")
        if not objid:
            raise ImportRefused("METS.xml", "mets/@OBJID is missing")
        if objid != root:
            raise ImportRefused("METS.xml", f"OBJID {objid!r} differs from the root folder {root!r}")
        if store.get(objid) is not None:
            raise ImportRefused("METS.xml", f"a package {objid} is already stored")
        documented = {mets_name: None}
        pending = [(tree, f"{root}/")]
        parsed = {mets_name}
        while pending:
            current, folder = pending.pop()
            for path, checksum, checksum_type, size in _references(current, folder):
                if path not in members:
                    raise ImportRefused(path[len(root) + 1:], "named in METS but missing from the package")
                if size is not None and str(members[path].file_size) != size:
                    raise ImportRefused(path[len(root) + 1:], f"size {members[path].file_size} differs from "
                                                              f"METS ({size})")
                algorithm = ALGORITHMS.get((checksum_type or "").upper())
                if not checksum or algorithm is None:
                    raise ImportRefused(path[len(root) + 1:], "METS gives no usable checksum (SHA-256 expected)")
                digest = _digest(archive, path, algorithm)
                if digest.lower() != checksum.lower():
                    raise ImportRefused(path[len(root) + 1:], "wrong checksum")
                documented[path] = (digest if algorithm == "sha256" else _digest(archive, path, "sha256"))
                if path.endswith("/METS.xml") and path not in parsed:
                    parsed.add(path)
                    pending.append((_parse(archive, path), path[: -len("METS.xml")]))
        for name in sorted(members):
            if name not in documented:
                raise ImportRefused(name[len(root) + 1:], "in the package but missing from METS")
        documented[mets_name] = _digest(archive, mets_name, "sha256")
        entries = [{"path": name[len(root) + 1:], "size": members[name].file_size, "sha256": digest,
                    "mime": "application/octet-stream", "created": None, "use": "imported"}
                   for name, digest in sorted(documented.items())]
    return objid, entries


def import_sip(data, actor):
    """Check, then store the SIP as received (in the current transaction); returns its record."""
    objid, entries = check(data)
    blob, _nothing, sha256, size = store.new_blob(lambda stream: stream.write(data) and None)
    record = store.PackageRecord(objid=objid, package_type="SIP", uid=f"{IMPORTED}:{objid}", path=None,
                                 title=objid, entries=entries, sha256=sha256, size=size, blob=blob,
                                 created=premis.iso(None))
    paths = [entry["path"] for entry in entries]
    record.add_event(premis.event("message digest calculation", detail=f"SHA-256 of {len(paths)} files",
                                  objects=paths))
    record.add_event(premis.event("validation", detail="every file named in METS is present with its checksum, "
                                  "and every file is named in METS", objects=paths))
    record.add_event(premis.event("ingestion", detail=f"SIP {objid} received from another system", agent=actor,
                                  objects=paths))
    return store.add(record)

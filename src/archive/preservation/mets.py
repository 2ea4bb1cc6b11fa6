"""The METS documents of a package: the root METS.xml and the representation METS.xml,
written to the E-ARK CSIP 2.2.0 profile with its SIP or AIP extension."""
import uuid
from importlib import metadata as distribution

from lxml import etree

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
CSIP = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {None: METS, "xlink": XLINK, "csip": CSIP, "sip": SIP_NS, "xsi": XSI}
PROFILES = {
    "SIP": "https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml",
    "AIP": "https://earkaip.dilcis.eu/profile/E-ARK-AIP.xml",
}


def new_id(prefix="uuid"):
    return f"{prefix}-{uuid.uuid4()}"


def software_version():
    try:
        return distribution.version("archive")
    except distribution.PackageNotFoundError:
        return "unknown"


def _m(parent, name, **attrs):
    return etree.SubElement(parent, f"{{{METS}}}{name}", **attrs)


def _xl(**attrs):
    return {f"{{{XLINK}}}{key}": value for key, value in attrs.items()}


def _file_attrs(entry, iso):
    return {"MIMETYPE": entry.mime, "SIZE": str(entry.size), "CREATED": iso(entry.created),
            "CHECKSUM": entry.sha256.upper(), "CHECKSUMTYPE": "SHA-256"}


def _mets_root(spec, objid, created, iso):
    root = etree.Element(f"{{{METS}}}mets", nsmap=NSMAP, OBJID=objid, LABEL=spec.label or objid, TYPE="Mixed",
                         PROFILE=PROFILES[spec.package_type], **{f"{{{CSIP}}}CONTENTINFORMATIONTYPE": "MIXED"})
    header = _m(root, "metsHdr", CREATEDATE=iso(created), LASTMODDATE=iso(created), RECORDSTATUS="NEW",
                **{f"{{{CSIP}}}OAISPACKAGETYPE": spec.package_type})
    agent = _m(header, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _m(agent, "name").text = spec.creator
    _m(agent, "note", **{f"{{{CSIP}}}NOTETYPE": "SOFTWARE VERSION"}).text = software_version()
    if spec.agency:
        organisation = _m(header, "agent", ROLE="CREATOR", TYPE="ORGANIZATION")
        _m(organisation, "name").text = spec.agency
        _m(organisation, "note", **{f"{{{CSIP}}}NOTETYPE": "IDENTIFICATIONCODE"}).text = spec.agency
    return root


def _tostring(root):
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True, pretty_print=True)


def representation_mets(spec, rep, entries, created):
    """METS.xml of representations/<rep>: its data files (paths relative to the representation)."""
    from archive.preservation.package import iso

    root = _mets_root(spec, rep, created, iso)  # CSIP1: a METS names its folder
    file_sec = _m(root, "fileSec", ID=new_id())
    group_id = new_id()
    group = _m(file_sec, "fileGrp", ID=group_id, USE="Data")
    for entry in entries:
        item = _m(group, "file", ID=new_id("ID"), **_file_attrs(entry, iso))
        _m(item, "FLocat", LOCTYPE="URL", **_xl(type="simple", href=entry.path))
    struct = _m(root, "structMap", ID=new_id(), TYPE="PHYSICAL", LABEL="CSIP")
    top = _m(struct, "div", ID=new_id(), TYPE="ORIGINAL", LABEL=rep)
    data = _m(top, "div", ID=new_id(), LABEL="Data")
    _m(data, "fptr", FILEID=group_id)
    return _tostring(root)


def root_mets(spec, entries, rep, created):
    """The package's METS.xml: descriptive and preservation metadata, the representation."""
    from archive.preservation.package import iso

    by_use = {entry.use: entry for entry in entries if entry.use != "data"}
    root = _mets_root(spec, spec.objid, created, iso)

    dc = by_use["descriptive"]
    dmd_id = new_id()
    dmd = _m(root, "dmdSec", ID=dmd_id, CREATED=iso(created), STATUS="CURRENT")
    _m(dmd, "mdRef", ID=new_id(), LOCTYPE="URL", MDTYPE="DC", **_xl(type="simple", href=dc.path),
       **_file_attrs(dc, iso))

    amd_id, digiprov_id = new_id(), new_id()
    amd = _m(root, "amdSec", ID=amd_id)
    digiprov = _m(amd, "digiprovMD", ID=digiprov_id, CREATED=iso(created), STATUS="CURRENT")
    preservation = by_use["preservation"]
    _m(digiprov, "mdRef", ID=new_id(), LOCTYPE="URL", MDTYPE="PREMIS",
       **_xl(type="simple", href=preservation.path), **_file_attrs(preservation, iso))

    rep_mets = by_use.get("representation-mets")
    if rep_mets is not None:
        file_sec = _m(root, "fileSec", ID=new_id())
        rep_group_id = new_id()
        rep_group = _m(file_sec, "fileGrp", ID=rep_group_id, USE=f"Representations/{rep}")
        item = _m(rep_group, "file", ID=new_id("ID"), **_file_attrs(rep_mets, iso))
        _m(item, "FLocat", LOCTYPE="URL", **_xl(type="simple", href=rep_mets.path))

    struct = _m(root, "structMap", ID=new_id(), TYPE="PHYSICAL", LABEL="CSIP")
    top = _m(struct, "div", ID=new_id(), LABEL=spec.objid)
    _m(top, "div", ID=new_id(), LABEL="Metadata", DMDID=dmd_id, ADMID=digiprov_id)
    if rep_mets is not None:
        rep_div = _m(top, "div", ID=new_id(), LABEL=f"Representations/{rep}")
        _m(rep_div, "mptr", LOCTYPE="URL", **_xl(type="simple", href=rep_mets.path, title=rep_group_id))
    return _tostring(root)

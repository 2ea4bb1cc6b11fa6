"""PREMIS 3 preservation metadata of a package: its objects, events and agents.

Event types are those of the Library of Congress PREMIS event type vocabulary:
ingestion, message digest calculation, validation, fixity check, transfer, deletion.
An event is a plain dict (``event()`` makes one) so the store can keep the events of a
package's later life (fixity checks, deletion) in its record and write them again.
"""
import uuid
from datetime import datetime
from datetime import timezone

from lxml import etree

PREMIS = "http://www.loc.gov/premis/v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"premis": PREMIS, "xsi": XSI}
SOFTWARE_AGENT = "archive"
EVENT_TYPES = ("ingestion", "message digest calculation", "validation", "fixity check", "transfer", "deletion")


def iso(value):
    if value is None:
        value = datetime.now(timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def event(event_type, outcome="success", detail="", agent=None, objects=(), when=None):
    """A PREMIS event as a plain dict (stored in package records as it is)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown PREMIS event type: {event_type}")
    return {"id": f"event-{uuid.uuid4().hex}", "type": event_type, "datetime": iso(when), "outcome": outcome,
            "detail": detail, "agent": agent or SOFTWARE_AGENT, "objects": list(objects)}


def standard_events(spec, data_entries, mismatches, created):
    """What building the package did: digests computed, files checked against the digests
    recorded at intake, and the package ingested (AIP) or handed out for transfer (SIP)."""
    paths = [entry.path for entry in data_entries]
    events = [event("message digest calculation", detail=f"SHA-256 of {len(paths)} files", objects=paths,
                    when=created)]
    if mismatches:
        events.append(event("validation", "failure", "digest differs from the one recorded at intake: "
                            + ", ".join(mismatches), objects=paths, when=created))
    else:
        events.append(event("validation", detail="every file matches the digest recorded when it was stored",
                            objects=paths, when=created))
    if spec.package_type == "AIP":
        events.append(event("ingestion", detail=f"AIP {spec.objid} built", agent=spec.actor, objects=paths,
                            when=created))
    else:
        events.append(event("transfer", detail=f"SIP {spec.objid} handed out", agent=spec.actor, objects=paths,
                            when=created))
    return events


def _sub(parent, name, text=None, **attrs):
    element = etree.SubElement(parent, f"{{{PREMIS}}}{name}", **attrs)
    if text is not None:
        element.text = str(text)
    return element


def _identifier(parent, kind, id_type, value):
    holder = _sub(parent, f"{kind}Identifier")
    _sub(holder, f"{kind}IdentifierType", id_type)
    _sub(holder, f"{kind}IdentifierValue", value)


def document(spec, data_entries, events, rep_root):
    """The bytes of metadata/preservation/premis.xml."""
    root = etree.Element(f"{{{PREMIS}}}premis", nsmap=NSMAP, version="3.0")
    representation = _sub(root, "object", **{f"{{{XSI}}}type": "premis:representation"})
    _identifier(representation, "object", "local", rep_root)
    for entry in data_entries:
        obj = _sub(root, "object", **{f"{{{XSI}}}type": "premis:file"})
        _identifier(obj, "object", "local", entry.path)
        characteristics = _sub(obj, "objectCharacteristics")
        _sub(characteristics, "compositionLevel", "0")
        fixity = _sub(characteristics, "fixity")
        _sub(fixity, "messageDigestAlgorithm", "SHA-256")
        _sub(fixity, "messageDigest", entry.sha256)
        _sub(characteristics, "size", entry.size)
        designation = _sub(_sub(characteristics, "format"), "formatDesignation")
        _sub(designation, "formatName", entry.mime)
        _sub(obj, "originalName", entry.path.rsplit("/", 1)[-1])
        relationship = _sub(obj, "relationship")
        _sub(relationship, "relationshipType", "structural")
        _sub(relationship, "relationshipSubType", "is included in")
        related = _sub(relationship, "relatedObjectIdentifier")
        _sub(related, "relatedObjectIdentifierType", "local")
        _sub(related, "relatedObjectIdentifierValue", rep_root)
    agents = {SOFTWARE_AGENT: ("software", "archive (Plone add-on)")}
    if spec.agency:
        agents[spec.agency] = ("organization", spec.agency)
    for item in events:
        agents.setdefault(item["agent"], ("person", item["agent"]))
    for item in events:
        element = _sub(root, "event")
        _identifier(element, "event", "local", item["id"])
        _sub(element, "eventType", item["type"])
        _sub(element, "eventDateTime", item["datetime"])
        if item.get("detail"):
            _sub(_sub(element, "eventDetailInformation"), "eventDetail", item["detail"])
        outcome = _sub(element, "eventOutcomeInformation")
        _sub(outcome, "eventOutcome", item["outcome"])
        agent_link = _sub(element, "linkingAgentIdentifier")
        _sub(agent_link, "linkingAgentIdentifierType", "local")
        _sub(agent_link, "linkingAgentIdentifierValue", item["agent"])
        for path in item.get("objects") or ():
            link = _sub(element, "linkingObjectIdentifier")
            _sub(link, "linkingObjectIdentifierType", "local")
            _sub(link, "linkingObjectIdentifierValue", path)
    for agent_id, (agent_type, name) in agents.items():
        agent = _sub(root, "agent")
        _identifier(agent, "agent", "local", agent_id)
        _sub(agent, "agentName", name)
        _sub(agent, "agentType", agent_type)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

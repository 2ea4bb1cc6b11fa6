"""Command line for edXML files: `archive edxml sign|verify|inspect`.

Exit codes: 0 success; 1 message refused or invalid (reason printed on stderr);
2 usage or I/O error.
"""

import dataclasses
import hashlib
import json
import sys
from datetime import date, datetime

from . import edxml, signing, trust
from .errors import ExchangeError

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


def register(subparsers):
    """Add the `edxml` command (with sign/verify/inspect) to an argparse subparsers object."""
    p = subparsers.add_parser("edxml", help="sign, verify and inspect edXML messages")
    sub = p.add_subparsers(dest="edxml_command", required=True)

    s = sub.add_parser("sign", help="sign an edXML file (enveloped XMLDSig, RSA-SHA256)")
    s.add_argument("infile", metavar="IN")
    s.add_argument("outfile", metavar="OUT")
    s.add_argument("--key", required=True, metavar="KEY.pem", help="PEM private key")
    s.add_argument("--cert", required=True, metavar="CERT.pem", help="PEM certificate of the key")
    s.set_defaults(func=cmd_sign)

    v = sub.add_parser("verify", help="verify signature and sender against a trust directory")
    v.add_argument("file", metavar="FILE")
    v.add_argument("--trust", required=True, metavar="DIR", help="directory of <OrganId>.pem files")
    v.add_argument("--allow-sha1", action="store_true", help="accept legacy RSA-SHA1 signatures (reported)")
    v.set_defaults(func=cmd_verify)

    i = sub.add_parser("inspect", help="print header and attachment list as JSON (no signature check)")
    i.add_argument("file", metavar="FILE")
    i.set_defaults(func=cmd_inspect)
    return p


def _read(path):
    with open(path, "rb") as fh:
        return fh.read()


def _fail(reason, message):
    print(f"REFUSED {reason}: {message}", file=sys.stderr)
    return EXIT_REFUSED


def cmd_sign(args):
    try:
        data, key, cert = _read(args.infile), _read(args.key), _read(args.cert)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        signed = signing.sign(data, key, cert)
    except ExchangeError as exc:
        return _fail(exc.reason_code, exc.message)
    except ValueError as exc:  # unreadable key or certificate
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with open(args.outfile, "wb") as fh:
        fh.write(signed)
    return EXIT_OK


def cmd_verify(args):
    try:
        data = _read(args.file)
        store = trust.TrustStore.from_directory(args.trust)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        accepted = store.verify(data, allow_sha1=args.allow_sha1)
    except ExchangeError as exc:
        return _fail(exc.reason_code, exc.message)
    print(f"sender: {accepted.sender}")
    print(f"signer: {accepted.signer_subject}")
    print(f"algorithm: {accepted.algorithm}/{accepted.verified.digest_algorithm}")
    print(f"signing_time: {accepted.signing_time.isoformat()} ({accepted.signing_time_source})")
    if accepted.weak:
        print("WARNING weak_algorithm accepted: " + ", ".join(accepted.verified.weaknesses), file=sys.stderr)
    return EXIT_OK


def _jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value)}")


def describe(data):
    """JSON-ready description of an edXML message (header fields and attachment list).

    What is shown is read from the message's exclusive canonical form (no comments), the
    form a signature covers and receivers read; mixed content in a text field (a comment
    splitting it, which that form would join) is refused rather than shown in part.
    """
    root = edxml.safe_fromstring(data)
    signed = root.find(f".//{{{edxml.DS_NS}}}Signature") is not None
    edxml.check_text_fields(root)
    msg = edxml.read_tree(edxml.safe_fromstring(signing.canonical(root)))
    header = dataclasses.asdict(msg)
    header.pop("attachments", None)
    header["from"] = header.pop("from_")
    attachments = [
        {
            "name": a.name,
            "content_type": a.content_type,
            "content_id": a.content_id,
            "size": len(a.data),
            "sha256": hashlib.sha256(a.data).hexdigest(),
        }
        for a in getattr(msg, "attachments", [])
    ]
    return {
        "message_type": msg.message_type,
        "signed": signed,
        "signature_verified": False,
        "header": header,
        "attachments": attachments,
    }


def cmd_inspect(args):
    try:
        data = _read(args.file)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        info = describe(data)
    except ExchangeError as exc:
        return _fail(exc.reason_code, exc.message)
    json.dump(info, sys.stdout, default=_jsonable, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK

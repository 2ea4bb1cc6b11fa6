"""`archive package export|import`: hand out a SIP of an item, or ingest one, over the site's REST API."""
import os
import sys

import requests


def _site(args):
    site = (args.site or os.environ.get("ARCHIVE_SITE_URL") or "").rstrip("/")
    auth = args.auth or os.environ.get("ARCHIVE_SERVICE_AUTH") or ""
    if not site or ":" not in auth:
        sys.exit("archive package: give --site and --auth user:password (or ARCHIVE_SITE_URL, ARCHIVE_SERVICE_AUTH)")
    user, _, password = auth.partition(":")
    return site, (user, password)


def _item_url(site, item):
    """ITEM is a URL, a path below the site (dossiers/AGENCY/CODE), or a UID."""
    if item.startswith(("http://", "https://")):
        return item.rstrip("/")
    if len(item) == 32 and all(ch in "0123456789abcdef" for ch in item):
        return f"{site}/resolveuid/{item}"
    return f"{site}/{item.strip('/')}"


def _error(answer):
    try:
        error = answer.json().get("error", {})
        return error.get("message") or answer.text[:300]
    except ValueError:
        return answer.text[:300]


def export(args):
    site, auth = _site(args)
    answer = requests.get(f"{_item_url(site, args.item)}/@sip", auth=auth, headers={"Accept": "application/json"},
                          timeout=600)
    if answer.status_code != 200 or answer.headers.get("Content-Type") != "application/zip":
        print(f"export refused ({answer.status_code}): {_error(answer)}", file=sys.stderr)
        return 1
    with open(args.out, "wb") as stream:
        stream.write(answer.content)
    print(f"{answer.headers['X-Package-Id']} sha256={answer.headers['X-Package-SHA256']} -> {args.out}")
    return 0


def import_(args):
    site, auth = _site(args)
    with open(args.sip, "rb") as stream:
        data = stream.read()
    answer = requests.post(f"{site}/@package-import", data=data, auth=auth, timeout=600,
                           headers={"Accept": "application/json", "Content-Type": "application/octet-stream"})
    if answer.status_code != 201:
        print(f"import refused ({answer.status_code}): {_error(answer)}", file=sys.stderr)
        return 1
    body = answer.json()
    print(f"{body['objid']} stored, sha256={body['sha256']}, {len(body['files'])} files")
    return 0


def register(subparsers):
    package = subparsers.add_parser("package", help="E-ARK packages: export a SIP, import one")
    sub = package.add_subparsers(dest="package_command", required=True)
    command = sub.add_parser("export", help="write a SIP of ITEM (path below the site, URL or UID) to OUT.zip")
    command.add_argument("item")
    command.add_argument("out")
    command.set_defaults(func=export)
    command = sub.add_parser("import", help="ingest a SIP made by another system")
    command.add_argument("sip")
    command.set_defaults(func=import_)
    for command in sub.choices.values():
        command.add_argument("--site", help="site URL (default $ARCHIVE_SITE_URL)")
        command.add_argument("--auth", help="user:password (default $ARCHIVE_SERVICE_AUTH)")

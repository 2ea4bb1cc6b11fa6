"""The `archive` command: one entry point, a sub-command per area (edxml, axis, search)."""
import argparse
import sys

from archive.exchange import axis_server
from archive.exchange import cli_edxml
from archive.preservation import cli as preservation_cli


def _serve_axis(args):
    axis_server.serve(args.host, args.port, args.db, config=args.config)
    return 0


def register_axis(subparsers):
    axis = subparsers.add_parser("axis", help="the reference document axis for development and tests")
    sub = axis.add_subparsers(dest="axis_command", required=True)
    serve = sub.add_parser("serve", help="serve the reference axis (WSGI, SQLite storage)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8790)
    serve.add_argument("--db", required=True, help="SQLite file holding messages and agencies")
    serve.add_argument("--config", help="JSON file of registered agencies and credentials")
    serve.set_defaults(func=_serve_axis)


def _search_config(args):
    from archive.search.sync import Config

    return Config.from_env(site=args.site, auth=args.auth, es=args.es, prefix=args.prefix)


def _reconcile(args):
    from archive.search import sync

    config = _search_config(args)
    differences = sync.compare(config)
    for name in ("missing", "stale", "orphaned"):
        uids = getattr(differences, name)
        print(f"{name}: {len(uids)}")
        for uid in uids[:50]:
            print(f"  {uid}")
    if differences.total and not args.dry_run:
        sync.repair(config, differences)
        after = sync.compare(config)
        print(f"after repair: {after.total} differences")
        return 0 if after.total == 0 else 1
    return 0 if differences.total == 0 or args.dry_run else 1


def _reindex(args):
    from archive.search import sync

    config = _search_config(args)
    index, count = sync.reindex(config)
    print(f"{count} documents in {index}; alias {config.prefix}-archive now points to it")
    return _reconcile(args)


def register_search(subparsers):
    search = subparsers.add_parser("search", help="keep the Elasticsearch index in step with the site")
    sub = search.add_subparsers(dest="search_command", required=True)
    for name, func, text in (("reconcile", _reconcile, "compare site and index, print and repair differences"),
                             ("reindex", _reindex, "build a new index from the site and swap the alias")):
        command = sub.add_parser(name, help=text)
        command.add_argument("--site", help="site URL (default $ARCHIVE_SITE_URL)")
        command.add_argument("--auth", help="user:password of a site administrator (default $ARCHIVE_SERVICE_AUTH)")
        command.add_argument("--es", help="Elasticsearch URL (default $ARCHIVE_ES_URL)")
        command.add_argument("--prefix", help="index prefix (default $ARCHIVE_ES_PREFIX or plone)")
        command.add_argument("--dry-run", action="store_true", help="only print the differences")
        command.set_defaults(func=func)


def build_parser():
    parser = argparse.ArgumentParser(prog="archive", description="Electronic archive tools")
    subparsers = parser.add_subparsers(dest="command", required=True)
    cli_edxml.register(subparsers)
    register_axis(subparsers)
    register_search(subparsers)
    preservation_cli.register(subparsers)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

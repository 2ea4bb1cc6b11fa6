"""The `archive` command: one entry point, a sub-command per area (edxml, axis)."""
import argparse
import sys

from archive.exchange import axis_server
from archive.exchange import cli_edxml


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


def build_parser():
    parser = argparse.ArgumentParser(prog="archive", description="Electronic archive tools")
    subparsers = parser.add_subparsers(dest="command", required=True)
    cli_edxml.register(subparsers)
    register_axis(subparsers)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""Write the configuration of a Zope WSGI instance: FileStorage and blobs under one folder.

    python scripts/instance.py DIR [--port 8080] [--host 127.0.0.1]

Creates DIR/etc/{zope.conf,zope.ini,site.zcml} and DIR/{filestorage,blobstorage,log,cache}.
Existing data is never touched; the configuration files are rewritten each time so a new
port takes effect. For RelStorage on PostgreSQL set ARCHIVE_RELSTORAGE_DSN (see README).
"""
import argparse
import os

ZOPE_CONF = """\
%define INSTANCE {home}
instancehome $INSTANCE
clienthome $INSTANCE
default-zpublisher-encoding utf-8
debug-mode off
security-policy-implementation C
<environment>
  CHAMELEON_CACHE $INSTANCE/cache
  zope_i18n_compile_mo_files true
</environment>
<dos_protection>
  form-memory-limit 64MB
</dos_protection>
<zodb_db main>
{storage}
  mount-point /
  cache-size 50000
</zodb_db>
"""

FILESTORAGE = """\
  <filestorage>
    path $INSTANCE/filestorage/Data.fs
    blob-dir $INSTANCE/blobstorage
  </filestorage>"""

RELSTORAGE = """\
  %import relstorage
  <relstorage>
    blob-dir $INSTANCE/blobcache
    shared-blob-dir false
    <postgresql>
      dsn {dsn}
    </postgresql>
  </relstorage>"""

SITE_ZCML = """\
<configure xmlns="http://namespaces.zope.org/zope"
           xmlns:meta="http://namespaces.zope.org/meta"
           xmlns:five="http://namespaces.zope.org/five">
  <include package="Products.Five" />
  <meta:redefinePermission from="zope2.Public" to="zope.Public" />
  <five:loadProducts file="meta.zcml" />
  <five:loadProducts />
  <five:loadProductsOverrides />
  <securityPolicy component="AccessControl.security.SecurityPolicy" />
</configure>
"""

ZOPE_INI = """\
[app:zope]
use = egg:Zope#main
zope_conf = %(here)s/zope.conf

[server:main]
use = egg:waitress#main
listen = {host}:{port}
threads = 4
max_request_body_size = 268435456

[pipeline:main]
pipeline =
    egg:Zope#httpexceptions
    zope

[loggers]
keys = root, waitress

[handlers]
keys = console, eventlog

[formatters]
keys = generic

[formatter_generic]
format = %(asctime)s %(levelname)s [%(name)s] %(message)s

[logger_root]
level = INFO
handlers = console, eventlog

[logger_waitress]
level = WARN
handlers = eventlog
qualname = waitress

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = WARN
formatter = generic

[handler_eventlog]
class = FileHandler
args = (r'{home}/log/event.log', 'a')
level = INFO
formatter = generic
"""


def write_instance(home, host="127.0.0.1", port=8080):
    home = os.path.abspath(home)
    for sub in ("etc", "filestorage", "blobstorage", "log", "cache"):
        os.makedirs(os.path.join(home, sub), exist_ok=True)
    dsn = os.environ.get("ARCHIVE_RELSTORAGE_DSN")
    storage = RELSTORAGE.format(dsn=dsn) if dsn else FILESTORAGE
    files = {
        "zope.conf": ZOPE_CONF.format(home=home, storage=storage),
        "zope.ini": ZOPE_INI.format(home=home, host=host, port=port),
        "site.zcml": SITE_ZCML,
    }
    for name, text in files.items():
        with open(os.path.join(home, "etc", name), "w", encoding="utf-8") as out:
            out.write(text)
    return os.path.join(home, "etc")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    print(write_instance(args.home, args.host, args.port))

#!/usr/bin/env bash
# Proves that buildout.cfg builds the archive's Zope/Plone instance with the pins of
# constraints.txt, offline, in a throwaway copy of the repository:
#   1. versions.cfg must be exactly what constraints.txt generates, and buildout.cfg's own
#      [versions] may only add names that constraints.txt does not pin;
#   2. every pinned distribution is a wheel in a local wheelhouse (filled once from PyPI
#      with `pip wheel --no-deps`, then reused);
#   3. zc.buildout runs from a fresh virtualenv holding only the buildout tools, against
#      that wheelhouse alone (no index, allow-picked-versions = false);
#   4. `bin/instance run` imports archive and Products.CMFPlone inside Zope and checks every
#      distribution on the instance's path against the pins, the storage paths and the WSGI
#      address; then the instance serves one HTTP request on a free loopback port.
#
#   bash scripts/check-buildout.sh                    what `make test-buildout` runs
#   bash scripts/check-buildout.sh --update-versions  rewrite versions.cfg from constraints.txt
#   bash scripts/check-buildout.sh --keep             keep the build directory for inspection
#
# Cache: ${ARCHIVE_BUILDOUT_CACHE:-~/.cache/archive-buildout} keeps wheels/ and buildout's
# eggs/ (eggs are immutable per name and version, like buildout's shared eggs directory).
# CHECK_BUILDOUT_FRESH=1 turns every wheel into an egg again in the build directory.
# Needs: the repository's .venv (make install) with Python 3.11; PyPI only when wheels are
# missing from the cache.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
keep=0
update=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    --update-versions) update=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-buildout: unknown argument $arg" >&2; exit 2 ;;
  esac
done

PY=${ARCHIVE_PYTHON:-$top/.venv/bin/python}
if [ ! -x "$PY" ]; then
  PY=$(command -v python3.11 || true)
fi
if [ -z "$PY" ]; then
  echo "check-buildout: no Python 3.11 (run make install first)" >&2
  exit 1
fi

cache=${ARCHIVE_BUILDOUT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/archive-buildout}
wheels=$cache/wheels
work=$(mktemp -d "${TMPDIR:-/tmp}/archive-buildout.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ "$keep" = 1 ]; then echo "check-buildout: build kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
start=$SECONDS
phase() { echo "check-buildout: [$((SECONDS - start))s] $*"; }

# --- helper: pins, versions.cfg, wheelhouse bookkeeping -------------------------------------
cat > "$work/pins.py" <<'PY'
"""Pin bookkeeping for check-buildout.sh; constraints.txt is the single source of the pins."""
import configparser
import os
import re
import sys

try:
    from packaging.markers import Marker
    from packaging.version import Version
except ImportError:  # pip always carries a copy
    from pip._vendor.packaging.markers import Marker
    from pip._vendor.packaging.version import Version

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;]+)\s*(?:;\s*(.+))?$")
HEADER = """\
# GENERATED from constraints.txt: do not edit. Regenerate with
#   bash scripts/check-buildout.sh --update-versions
# `make test-buildout` fails while this file and constraints.txt disagree.
"""


def canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_constraints(path):
    """[(name, version, marker or None)] in file order; anything but `name==version` is an error."""
    pins, seen, bad = [], set(), []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            text = line.split(" #", 1)[0].strip()
            if not text or text.startswith("#"):
                continue
            match = PIN.match(text)
            if not match:
                bad.append(f"{path}:{number}: {line.strip()!r} is not a `name==version` pin")
                continue
            name, version, marker = match.groups()
            if (canon(name), marker) in seen:
                bad.append(f"{path}:{number}: {name} is pinned twice")
            seen.add((canon(name), marker))
            pins.append((name, version, marker))
    if bad:
        sys.exit("\n".join(bad))
    return pins


def versions_cfg(pins):
    sections = {}
    for name, version, marker in pins:
        sections.setdefault(marker, []).append(f"{name} = {version}")
    out = [HEADER, "[versions]"] + sections.pop(None, [])
    for marker, lines in sections.items():
        out += ["", f"[versions:{marker}]"] + lines
    return "\n".join(out) + "\n"


def buildout_versions(path):
    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return parser


def cmd_versions_cfg(constraints):
    sys.stdout.write(versions_cfg(read_constraints(constraints)))


def cmd_pins(constraints, buildout_cfg, out):
    """Write the merged pip constraints (constraints.txt + buildout.cfg [versions])."""
    pins = read_constraints(constraints)
    pinned = {canon(name) for name, _, _ in pins}
    config = buildout_versions(buildout_cfg)
    problems = []
    main = config["buildout"] if config.has_section("buildout") else {}
    if main.get("allow-picked-versions", "").strip() != "false":
        problems.append("buildout.cfg: [buildout] needs allow-picked-versions = false")
    if "versions.cfg" not in main.get("extends", "").split():
        problems.append("buildout.cfg: [buildout] must extend versions.cfg")
    extra = dict(config["versions"]) if config.has_section("versions") else {}
    for name, version in extra.items():
        if canon(name) in pinned:
            problems.append(f"buildout.cfg: [versions] repeats {name}, which constraints.txt pins")
        pins.append((name, version.strip(), None))
    if problems:
        sys.exit("\n".join(problems))
    with open(out, "w", encoding="utf-8") as target:
        for name, version, marker in pins:
            target.write(f"{name}=={version}" + (f"; {marker}" if marker else "") + "\n")


def applicable(pins_file):
    for line in open(pins_file, encoding="utf-8"):
        name, version, marker = PIN.match(line.strip()).groups()
        if marker is None or Marker(marker).evaluate():
            yield name, version


def cmd_missing(pins_file, wheelhouse):
    """Print the pins that have no wheel in the wheelhouse yet."""
    have = set()
    for filename in os.listdir(wheelhouse) if os.path.isdir(wheelhouse) else ():
        if filename.endswith(".whl"):
            name, version = filename.split("-")[:2]
            have.add((canon(name), str(Version(version))))
    for name, version in applicable(pins_file):
        if (canon(name), str(Version(version))) not in have:
            print(f"{name}=={version}")


def cmd_names(pins_file, *wanted):
    """Print `name==version` for the wanted names (the bootstrap of the buildout virtualenv)."""
    pins = {canon(name): f"{name}=={version}" for name, version in applicable(pins_file)}
    missing = [name for name in wanted if canon(name) not in pins]
    if missing:
        sys.exit(f"no pin for {missing}")
    print("\n".join(pins[canon(name)] for name in wanted))


if __name__ == "__main__":
    {"versions-cfg": cmd_versions_cfg, "pins": cmd_pins, "missing": cmd_missing,
     "names": cmd_names}[sys.argv[1]](*sys.argv[2:])
PY

# --- 1. versions.cfg is generated from constraints.txt ---------------------------------------
"$PY" "$work/pins.py" versions-cfg "$top/constraints.txt" > "$work/versions.cfg"
if [ "$update" = 1 ]; then
  cp "$work/versions.cfg" "$top/versions.cfg"
  echo "check-buildout: wrote versions.cfg from constraints.txt ($(grep -c ' = ' "$top/versions.cfg") pins)"
  exit 0
fi
if ! cmp -s "$work/versions.cfg" "$top/versions.cfg"; then
  echo "check-buildout: versions.cfg does not match constraints.txt:" >&2
  diff -u "$top/versions.cfg" "$work/versions.cfg" >&2 || true
  echo "check-buildout: run  bash scripts/check-buildout.sh --update-versions  and commit versions.cfg" >&2
  exit 1
fi
"$PY" "$work/pins.py" pins "$top/constraints.txt" "$top/buildout.cfg" "$work/pins.txt"
phase "versions.cfg matches constraints.txt; $(wc -l < "$work/pins.txt") pins with buildout.cfg's own"

# --- 2. wheelhouse --------------------------------------------------------------------------
mkdir -p "$wheels"
# one check at a time fills the wheelhouse (another one may be half-way through a download)
exec 9> "$cache/wheels.lock"
if command -v flock >/dev/null; then flock 9; fi
"$PY" "$work/pins.py" missing "$work/pins.txt" "$wheels" > "$work/missing.txt"
if [ -s "$work/missing.txt" ]; then
  phase "fetching $(wc -l < "$work/missing.txt") wheels from PyPI into $wheels"
  # four pip processes at once: the fetch waits on the network, not on the CPU
  split -n r/4 "$work/missing.txt" "$work/missing-part-"
  for part in "$work"/missing-part-*; do
    [ -s "$part" ] || continue
    "$PY" -m pip wheel --quiet --no-deps --wheel-dir "$wheels" -r "$part" &
  done
  fetch_failed=0
  for job in $(jobs -p); do wait "$job" || fetch_failed=1; done
  [ "$fetch_failed" = 0 ] || { echo "check-buildout: pip wheel failed" >&2; exit 1; }
  "$PY" "$work/pins.py" missing "$work/pins.txt" "$wheels" > "$work/missing.txt"
  if [ -s "$work/missing.txt" ]; then
    echo "check-buildout: still no wheel for:" >&2; cat "$work/missing.txt" >&2; exit 1
  fi
fi
exec 9>&-
phase "wheelhouse complete ($wheels)"

# --- 3. buildout in a copy of the repository, offline ------------------------------------------
build=$work/build
mkdir -p "$build" "$work/no-index"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # tracked and untracked-but-not-ignored files: no .venv, var/, bin/, eggs/ or caches
  (cd "$top" && git ls-files -z --cached --others --exclude-standard \
     | while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done \
     | tar --null -T - -cf -) | tar -xf - -C "$build"
else
  tar -C "$top" --exclude=./.venv --exclude=./.git --exclude=./var --exclude=./.cache \
      --exclude=./bin --exclude=./parts --exclude=./eggs --exclude=./develop-eggs -cf - . \
    | tar -xf - -C "$build"
fi

"$PY" -m venv --without-pip "$work/venv"
"$PY" "$work/pins.py" names "$work/pins.txt" zc.buildout setuptools pip wheel packaging platformdirs \
  > "$work/bootstrap.txt"
"$PY" -m pip --python "$work/venv/bin/python" install --quiet --no-index --find-links "$wheels" \
  -r "$work/bootstrap.txt"
phase "buildout virtualenv: $(tr '\n' ' ' < "$work/bootstrap.txt")"

if [ "${CHECK_BUILDOUT_FRESH:-0}" = 1 ]; then eggs=$work/eggs; else eggs=$cache/eggs; fi
# buildout calls pip once per wheel and once for `develop = .`: no index, no bytecode
# compilation (halves the cost of each call), and archive is built with the setuptools of the
# buildout virtualenv (pip's "0" here means off: --no-build-isolation).
if ! (cd "$build" && env PIP_NO_INDEX=1 PIP_COMPILE=0 PIP_NO_BUILD_ISOLATION=0 \
        PIP_DISABLE_PIP_VERSION_CHECK=1 \
        "$work/venv/bin/buildout" -c buildout.cfg \
        "buildout:eggs-directory=$eggs" \
        "buildout:index=$work/no-index" \
        "buildout:find-links=$wheels" \
        > "$work/buildout.log" 2>&1); then
  grep -v -E '^root: (Not found|Couldn.t (retrieve|find) index page|Scanning index)' "$work/buildout.log" \
    | tail -n 60 >&2
  echo "check-buildout: buildout failed (--keep keeps the full log, $work/buildout.log)" >&2
  exit 1
fi
phase "buildout ok: $(grep -c '^Got ' "$work/buildout.log" || true) eggs made from wheels, eggs in $eggs"

for f in bin/instance parts/instance/etc/zope.conf parts/instance/etc/wsgi.ini parts/instance/bin/interpreter; do
  [ -e "$build/$f" ] || { echo "check-buildout: buildout made no $f" >&2; exit 1; }
done

# --- 4. the instance: imports, pins, storage, address ---------------------------------------
cat > "$work/instance_check.py" <<'PY'
"""Run by `bin/instance run`: the instance's path holds exactly the pinned distributions."""
import configparser
import importlib.metadata
import os
import re
import sys

import archive
import Products.CMFPlone  # noqa: F401
from Products.GenericSetup.registry import _profile_registry

pins_file, build, repo_venv = (os.environ[k] for k in ("CHECK_PINS", "CHECK_BUILD", "CHECK_REPO_VENV"))
canon = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731
real = os.path.realpath
problems = []

pins = {}
for line in open(pins_file, encoding="utf-8"):
    spec = line.split(";")[0].strip()
    name, version = spec.split("==")
    pins[canon(name)] = version
try:
    from packaging.version import Version as norm
except ImportError:
    norm = str

found = {}
for dist in importlib.metadata.distributions():  # in sys.path order: the first one wins
    name = canon(dist.metadata["Name"])
    found.setdefault(name, dist.version)
for name, version in sorted(found.items()):
    if name == "archive":
        continue
    if name not in pins:
        problems.append(f"{name} {version} is on the path but not pinned")
    elif norm(version) != norm(pins[name]):
        problems.append(f"{name} is {version}, pinned {pins[name]}")
for name in ("products-cmfplone", "plone-app-contenttypes", "plone-restapi", "plone-app-layout",
             "zope", "waitress", "archive"):
    if name not in found:
        problems.append(f"{name} is not on the instance's path")

if not real(archive.__file__).startswith(real(os.path.join(build, "src")) + os.sep):
    problems.append(f"archive imported from {archive.__file__}, not from the develop checkout")
leaks = [p for p in sys.path if p and real(p).startswith(real(repo_venv) + os.sep)]
if leaks:
    problems.append(f"the repository's .venv is on the instance's path: {leaks}")
for profile in ("Products.CMFPlone:plone", "plone.restapi:default", "archive:default"):
    try:
        _profile_registry.getProfileInfo(profile)
    except KeyError:
        problems.append(f"GenericSetup profile {profile} is not registered (ZCML not loaded)")

storage = app._p_jar.db().storage  # noqa: F821 - `app` is provided by `bin/instance run`
data_fs = os.path.join(build, "var", "filestorage", "Data.fs")
blobs = os.path.join(build, "var", "blobstorage")
if real(storage.getName()) != real(data_fs) or not os.path.isfile(data_fs):
    problems.append(f"storage is {storage.getName()}, expected FileStorage {data_fs}")
blob_dir = getattr(getattr(storage, "fshelper", None), "base_dir", None)
if blob_dir is None or real(blob_dir) != real(blobs):
    problems.append(f"blob directory is {blob_dir}, expected {blobs}")

wsgi = configparser.ConfigParser(interpolation=None)
wsgi.read(os.path.join(build, "parts", "instance", "etc", "wsgi.ini"))
if wsgi.get("server:main", "fast-listen", fallback=None) != "127.0.0.1:8080":
    problems.append(f"wsgi.ini listens on {wsgi.get('server:main', 'fast-listen', fallback=None)}")
if "waitress" not in open(os.path.join(build, "bin", "instance")).read():
    problems.append("bin/instance does not carry waitress")

versions = importlib.metadata.version
print("instance:", ", ".join(f"{name} {versions(name)}" for name in (
    "Products.CMFPlone", "plone.app.layout", "plone.restapi", "plone.app.contenttypes", "Zope",
    "waitress", "archive")))
print(f"instance: {len(found)} distributions on the path, all pinned; archive from {os.path.dirname(archive.__file__)}")
print(f"instance: storage {storage.getName()}, blobs {blob_dir}")
if problems:
    print("\n".join("PROBLEM: " + problem for problem in problems))
    sys.exit(1)
print("INSTANCE-CHECK-OK")
PY
# Zope compiles some 4,000 modules at each start: let it keep their bytecode in the egg cache.
unset PYTHONDONTWRITEBYTECODE
if ! (cd "$build" && CHECK_PINS=$work/pins.txt CHECK_BUILD=$build CHECK_REPO_VENV=$top/.venv \
        bin/instance run "$work/instance_check.py" > "$work/run.log" 2>&1) || ! grep -q '^INSTANCE-CHECK-OK$' "$work/run.log"; then
  tail -n 40 "$work/run.log" >&2
  echo "check-buildout: bin/instance run failed" >&2
  exit 1
fi
grep '^instance:' "$work/run.log"
phase "bin/instance run: archive and Products.CMFPlone import with the pinned versions"

# --- 5. the instance serves (same wsgi.ini, a free loopback port instead of 8080) -------------
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed "s/^fast-listen = .*/fast-listen = 127.0.0.1:$port/" "$build/parts/instance/etc/wsgi.ini" \
  > "$work/smoke.ini"
(cd "$build" && exec parts/instance/bin/interpreter -m Zope2.Startup.serve "$work/smoke.ini") \
  > "$work/serve.log" 2>&1 &
server_pid=$!
if ! "$PY" - "$port" "$server_pid" <<'PY'
import os, sys, time, urllib.error, urllib.request
url, pid = f"http://127.0.0.1:{sys.argv[1]}/", sys.argv[2]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
deadline = time.monotonic() + 120
while True:
    try:
        status = opener.open(url, timeout=10).status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        try:
            alive = open(f"/proc/{pid}/stat").read().split(") ")[-1][0] not in "ZX"
        except OSError:
            alive = not os.path.exists("/proc/self")  # no /proc: rely on the deadline
        if not alive or time.monotonic() > deadline:
            sys.exit(f"no answer from {url}" + ("" if alive else ": the server exited"))
        time.sleep(1)
        continue
    if status != 200:
        sys.exit(f"{url} answered {status}")
    print(f"check-buildout: {url} answered 200")
    break
PY
then
  tail -n 30 "$work/serve.log" >&2
  echo "check-buildout: the instance did not serve" >&2
  exit 1
fi
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
phase "buildout.cfg builds the instance with the pins of constraints.txt"

"""Preservation benchmark, run inside Zope by benchmarks/run.py (zconsole run ... bench_preservation.py).

1. Packages built per second: the AIP of a dossier with ten 200 KB files, built, stored as
   a blob and committed, again and again (the SIP, built in memory, beside it).
2. Fixity throughput over at least BENCH_FIXITY_MB (default 1024) MB of stored files:
   archive.preservation.fixity.check_all() re-reads every stored package and every file of
   its dossier; beside it, in the same run, the raw SHA-256 rate of this machine (hashlib
   over 1 MB blocks in memory) and plain reading + SHA-256 of the same blob files.
"""
import hashlib
import json
import os
import time

import transaction
from archive.content.intake import receive_dossier
from archive.preservation import fixity
from archive.preservation import store
from archive.preservation.building import build_aip
from archive.preservation.building import sip_bytes

from bench_site import make_site

FILES, FILE_SIZE = 10, 200 * 1024
PACKAGES_N = int(os.environ.get("BENCH_PACKAGES_N", "100"))
FIXITY_MB = int(os.environ.get("BENCH_FIXITY_MB", "1024"))
site = make_site(globals()["app"])
transaction.commit()
shard = site.dossiers["000.00.12.H41"]


def dossier(number):
    components = [{"title": f"Thành phần {n}", "filename": f"thanh-phan-{n}.pdf",
                   "data": b"%PDF-1.4\n" + os.urandom(FILE_SIZE - 9)} for n in range(1, FILES + 1)]
    return receive_dossier(shard, components=components, procedure_code="1.009972",
                           applicant_name=f"Nguyễn Văn {number}", applicant_id=f"040201{number:06d}",
                           applicant_address="Số 5, đường Lê Lợi, thành phố Vinh", channel="desk")


# 1. Packages per second, one dossier of ten 200 KB files.
subject = dossier(0)
transaction.commit()
build_aip(subject)  # warm-up
transaction.abort()
start = time.perf_counter()
for _ in range(PACKAGES_N):
    build_aip(subject)
    transaction.commit()
aip_seconds = time.perf_counter() - start
start = time.perf_counter()
for _ in range(PACKAGES_N):
    sip_bytes(subject)
sip_seconds = time.perf_counter() - start
store.delete_packages(subject.UID())
transaction.commit()

# 2. Fixity over at least FIXITY_MB of stored files (packages and the dossiers' own files).
stored_bytes = 0
number = 1
while stored_bytes < FIXITY_MB * 1024 * 1024:
    item = dossier(number)
    record = build_aip(item)
    transaction.commit()
    stored_bytes += record.size + FILES * FILE_SIZE
    number += 1
transaction.commit()
site._p_jar.cacheMinimize()

paths = []
for record in store.all_packages():
    with record.blob.open("r") as stream:
        paths.append(stream.name)
    for source in record.sources:
        with site.unrestrictedTraverse(source["path"]).file.open() as stream:
            paths.append(stream.name)
start = time.perf_counter()
read_bytes = 0
for path in paths:
    with open(path, "rb") as stream:
        read_bytes += store.sha256_of_stream(stream)[1]
file_seconds = time.perf_counter() - start

site._p_jar.cacheMinimize()
start = time.perf_counter()
checked, failures = fixity.check_all()
transaction.commit()
fixity_seconds = time.perf_counter() - start

block = os.urandom(1 << 20)
digest = hashlib.sha256()
start = time.perf_counter()
for _ in range(512):
    digest.update(block)
raw_seconds = time.perf_counter() - start
raw_mb_s = 512 / raw_seconds

mb = read_bytes / (1024 * 1024)
fixity_mb_s = mb / fixity_seconds
figures = {
    "aip_per_s": round(PACKAGES_N / aip_seconds, 1),
    "sip_per_s": round(PACKAGES_N / sip_seconds, 1),
    "package_mb": round(record.size / (1024 * 1024), 2),
    "fixity_packages": checked,
    "fixity_failures": len(failures),
    "fixity_mb": round(mb),
    "fixity_mb_s": round(fixity_mb_s),
    "file_sha256_mb_s": round(mb / file_seconds),
    "raw_sha256_mb_s": round(raw_mb_s),
    "fixity_vs_raw": round(fixity_mb_s / raw_mb_s, 3),
    "fixity_vs_file_sha256": round(fixity_mb_s / (mb / file_seconds), 3),
}
print("BENCH_PRESERVATION " + json.dumps(figures))

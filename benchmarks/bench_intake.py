"""Intake benchmark, run inside Zope by benchmarks/run.py (zconsole run ... bench_intake.py).

Creates N dossiers with two small component files each through the archive's own intake
path, and in the same process N stock Plone Documents through plone.api, committing
every 100 items in both cases; prints items per second, the ratio, and peak memory.

The two run in turns, a batch of 100 of each, and each is timed over its own batches:
the virtual machine's speed drifts with its host over minutes, and taking turns puts both
figures under the same drift (run one after the other, the ratio moved from 5 to 3 with
the host alone).
"""
import json
import os
import resource
import time

import transaction
from archive.content.intake import receive_dossier
from archive.pdf import simple_pdf
from plone import api

from bench_site import make_site

N = int(os.environ.get("BENCH_N", "10000"))
BATCH = 100
site = make_site(globals()["app"])
stock = api.content.create(container=site, type="Folder", id="stock", title="Stock documents")
transaction.commit()
shard = site.dossiers["000.00.12.H41"]
pdf_a, pdf_b = simple_pdf("Don de nghi"), simple_pdf("Ban ve thiet ke")


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_in_turns(creators):
    """Items per second of each creator, over its own batches of BATCH, taken in turns."""
    elapsed = dict.fromkeys(creators, 0.0)
    for batch, first in enumerate(range(0, N, BATCH)):
        names = list(creators) if batch % 2 == 0 else list(reversed(creators))
        for name in names:
            start = time.perf_counter()
            for number in range(first, min(first + BATCH, N)):
                creators[name](number)
            transaction.commit()
            elapsed[name] += time.perf_counter() - start
    return {name: N / seconds for name, seconds in elapsed.items()}


def intake(number):
    receive_dossier(
        shard,
        components=[
            {"title": "Đơn đề nghị cấp giấy phép", "filename": "don.pdf", "data": pdf_a, "kind": "original"},
            {"title": "Bản vẽ thiết kế", "filename": "ban-ve.pdf", "data": pdf_b, "kind": "copy", "digitised": True},
        ],
        procedure_code="1.009972", applicant_name=f"Nguyễn Văn {number}", applicant_id=f"040201{number:06d}",
        applicant_address="Số 5, đường Lê Lợi, thành phố Vinh", channel="desk",
    )


def document(number):
    api.content.create(container=stock, type="Document", title=f"Tài liệu {number}",
                       description="Văn bản thử nghiệm hiệu năng")


rates = run_in_turns({"dossiers": intake, "documents": document})
print("BENCH_INTAKE " + json.dumps({
    "n": N, "dossiers_per_s": round(rates["dossiers"], 1), "documents_per_s": round(rates["documents"], 1),
    "ratio": round(rates["dossiers"] / rates["documents"], 2), "peak_rss_mb": round(peak_mb()),
}))

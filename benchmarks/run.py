"""`make bench`: runs each benchmark in a fresh throwaway Zope instance and prints its figures."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "scripts"))
from instance import write_instance  # noqa: E402


def zope_run(script, env=None):
    with tempfile.TemporaryDirectory() as home:
        etc = write_instance(home)
        result = subprocess.run(
            [os.path.join(TOP, ".venv", "bin", "zconsole"), "run", os.path.join(etc, "zope.conf"), script],
            capture_output=True, text=True,
            # zconsole runs the script without its folder on sys.path: bench_site.py is found here.
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [HERE, os.environ.get("PYTHONPATH")])),
                 **(env or {})},
        )
        for line in result.stdout.splitlines():
            if line.startswith("BENCH_"):
                name, figures = line.split(" ", 1)
                return json.loads(figures)
        sys.exit(f"{script} failed:\n{result.stderr[-3000:]}")


def run_script(script, marker, env):
    result = subprocess.run([sys.executable, script], capture_output=True, text=True, env={**os.environ, **env})
    for line in result.stdout.splitlines():
        if line.startswith(marker + " "):
            return json.loads(line.split(" ", 1)[1])
    sys.exit(f"{script} failed:\n{result.stderr[-3000:]}")


def main():
    n = os.environ.get("BENCH_N", "10000")
    print(f"Intake: {n} dossiers (2 components each) vs {n} stock Plone Documents ...", flush=True)
    intake = zope_run(os.path.join(HERE, "bench_intake.py"), {"BENCH_N": n})
    print(f"  dossiers/s            {intake['dossiers_per_s']}")
    print(f"  stock documents/s     {intake['documents_per_s']}")
    print(f"  ratio                 {intake['ratio']}x (target >= 5x)")
    print(f"  peak RSS              {intake['peak_rss_mb']} MB (both, created in turns)")
    search_n = os.environ.get("BENCH_SEARCH_N", "100000")
    print(f"Search: {search_n} dossiers, real Elasticsearch, Redis and Celery worker ...", flush=True)
    search = run_script(os.path.join(HERE, "bench_search.py"), "BENCH_SEARCH", {"BENCH_SEARCH_N": search_n})
    print(f"  indexing through the worker  {search['index_docs_per_s']} documents/s (target >= 2000)")
    print(f"  full reindex                 {search['reindex_s']} s")
    print(f"  Elasticsearch p50 / p95      {search['es_p50_ms']} / {search['es_p95_ms']} ms (target p95 <= 50)")
    print(f"  ... with facets, highlights  {search['es_full_p50_ms']} / {search['es_full_p95_ms']} ms")
    print(f"  ZCatalog p50 / p95           {search['catalog_p50_ms']} / {search['catalog_p95_ms']} ms")
    print("Relevance: the relevance set (tests/search/relevance_set.py), real Elasticsearch ...", flush=True)
    relevance = run_script(os.path.join(HERE, "bench_relevance.py"), "BENCH_RELEVANCE", {})
    print(f"  queries                      {relevance['queries']}")
    print(f"  precision at 5 / MRR         {relevance['p_at_5']} / {relevance['mrr']}")
    print(f"  not all expected first       {len(relevance['misses'])}: {'; '.join(relevance['misses'])}")
    sys.path.insert(0, os.path.join(TOP, "src"))
    from archive.exchange import bench as exchange_bench

    print("Exchange: 5 KB edXML message with one 100 KB attachment, one core ...", flush=True)
    for key, value in exchange_bench.run(seconds=5.0).items():
        print(f"  {key:30} {value}")
    print("Exchange end to end: two sites through the reference axis ...", flush=True)
    e2e = run_script(os.path.join(HERE, "bench_exchange_e2e.py"), "BENCH_EXCHANGE_E2E",
                     {"BENCH_EXCHANGE_N": os.environ.get("BENCH_EXCHANGE_N", "100")})
    for key, value in e2e.items():
        print(f"  {key:30} {value}")
    print("Preservation: AIPs of a dossier with ten 200 KB files; fixity over >= 1 GB ...", flush=True)
    preservation = zope_run(os.path.join(HERE, "bench_preservation.py"),
                            {"BENCH_FIXITY_MB": os.environ.get("BENCH_FIXITY_MB", "1024")})
    print(f"  AIPs built and stored/s      {preservation['aip_per_s']} ({preservation['package_mb']} MB each)")
    print(f"  SIPs built in memory/s       {preservation['sip_per_s']}")
    print(f"  fixity                       {preservation['fixity_mb_s']} MB/s over {preservation['fixity_mb']} MB")
    print(f"  raw SHA-256 (memory)         {preservation['raw_sha256_mb_s']} MB/s")
    print(f"  ratio                        {preservation['fixity_vs_raw']} (target >= 0.7)")
    print(f"  read + SHA-256 of the files  {preservation['file_sha256_mb_s']} MB/s "
          f"(fixity is {preservation['fixity_vs_file_sha256']} of it)")
    closing_n = os.environ.get("BENCH_CLOSING_N", "10000")
    print(f"Closing: {closing_n} returned dossiers into the archive through Redis and the Celery worker ...",
          flush=True)
    closed = run_script(os.path.join(HERE, "bench_closing.py"), "BENCH_CLOSING", {"BENCH_CLOSING_N": closing_n})
    print(f"  closed                       {closed['n']} dossiers ({closed['components']} components of "
          f"{closed['component_kb']} KB and a result each, AIPs of {closed['package_kb']} KB) in {closed['close_s']} s")
    print(f"  items/s                      {closed['items_per_s']}")


if __name__ == "__main__":
    main()

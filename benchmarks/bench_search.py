"""Search benchmark (issue 3): bulk indexing through a real Celery worker, full reindex,
and search latency of Elasticsearch beside the ZCatalog on the same SearchableText queries.

Runs a Plone test site served over HTTP (plone.app.testing WSGI layer), a real
Elasticsearch and Redis, and a worker process; prints one BENCH_SEARCH line of JSON.
BENCH_SEARCH_N sets the number of dossiers (default 100000).
"""
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

import requests
import transaction

N = int(os.environ.get("BENCH_SEARCH_N", "100000"))
QUERIES = [
    "cấp giấy phép xây dựng", "cap giay phep xay dung", "đăng ký kinh doanh", "Nguyễn Văn An",
    "tran thi lan", "lý lịch tư pháp", "giấy chứng nhận quyền sử dụng đất", "khai thác nước mặt",
    "thành phố Vinh", "bản vẽ thiết kế",
]
ROUNDS = 20
DRAIN_BATCH = int(os.environ.get("ARCHIVE_DRAIN_BATCH", "1000"))  # the worker's default
# Documents written to a scratch index before the timed drain (see warm_elasticsearch).
WARM_UP = int(os.environ.get("BENCH_SEARCH_WARM_UP", "20000"))


def setup_layers(layer):
    for base in layer.__bases__:
        setup_layers(base)
    if not getattr(layer, "_bench_up", False):
        layer.setUp()
        layer._bench_up = True


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cpu_seconds(pgid):
    """User + system CPU of every process in process group ``pgid`` (Linux /proc)."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wait_for_log(path, text, timeout, failures=("Retry in", "raised")):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path) as log:
            content = log.read()
        if text in content:
            return
        if any(failure in content for failure in failures):
            raise SystemExit(f"the worker failed:\n{content[-3000:]}")
        time.sleep(0.05)
    with open(path) as log:
        raise SystemExit(f"no {text!r} from the worker after {timeout}s:\n{log.read()[-3000:]}")


def start_worker(env, workdir):
    """Purge the tasks the set-up queued, then start one solo Celery worker logging to
    workdir/worker.log; returns (the worker's process, the log's path)."""
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    subprocess.run([celery, "-A", "archive.tasks.app", "purge", "-f"], env=env, cwd=workdir, check=True,
                   capture_output=True)
    log_path = os.path.join(workdir, "worker.log")
    with open(log_path, "w") as log:
        worker = subprocess.Popen([celery, "-A", "archive.tasks.app", "worker", "--pool=solo", "--loglevel=INFO",
                                   "--without-gossip", "--without-mingle"], env=env, cwd=workdir,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return worker, log_path


def pending(site_url, auth):
    answer = requests.get(f"{site_url}/@search-outbox", params={"limit": 1}, auth=auth,
                          headers={"Accept": "application/json"}, timeout=60)
    if answer.status_code != 200:
        raise SystemExit(f"@search-outbox answered {answer.status_code}: {answer.text[:500]}")
    return answer.json()["pending"]


def warm_elasticsearch(client, site_url, auth, count):
    """Have a freshly started Elasticsearch compile its indexing paths, as a long-running one
    has: the site's first page of documents written ``count`` times over under other ids to
    a scratch index, then dropped. Returns the seconds it took."""
    from archive.search import mapping

    start = time.perf_counter()
    answer = requests.get(f"{site_url}/@search-inventory", params={"b_size": 1000, "documents": 1}, auth=auth,
                          headers={"Accept": "application/json"}, timeout=300)
    answer.raise_for_status()
    items = answer.json()["items"]
    scratch = "bench-warm-up"
    client.create_index(scratch, mapping.index_body(replicas=0))
    written = 0
    while items and written < count:
        actions = [{"action": "index", "id": f"{written}-{item['uid']}", "doc": item["doc"]} for item in items]
        result = client.bulk(scratch, actions, timeout=120)
        if result.errors:
            raise SystemExit(f"warm-up refused: {result.errors[0]}")
        written += len(actions)
    client.delete_index(scratch)
    return time.perf_counter() - start


def main():
    from AccessControl.SecurityManagement import newSecurityManager
    from archive.content.intake import receive_dossier
    from archive.demo import FAMILY, GIVEN, MIDDLE, PROCEDURES, STREETS, WARDS
    from archive.search import query as es_query
    from archive.search.client import SearchClient
    from archive.search.mapping import alias_name
    from archive.services.elasticsearch import ElasticsearchServer
    from archive.services.redis import RedisServer
    from archive.testing import ARCHIVE_FUNCTIONAL_TESTING
    from plone import api
    from plone.app.testing import SITE_OWNER_NAME, SITE_OWNER_PASSWORD
    from zope.component.hooks import setSite
    from zope.globalrequest import setRequest

    es, redis = ElasticsearchServer(heap="1g", fast_start=False), RedisServer()
    es.start()
    redis.start()
    prefix = "bench"
    os.environ.update(ARCHIVE_ES_URL=es.url, ARCHIVE_ES_PREFIX=prefix, ARCHIVE_BROKER_URL=redis.url)
    layer = ARCHIVE_FUNCTIONAL_TESTING
    setup_layers(layer)
    layer.testSetUp()
    portal = layer["portal"]
    # The object cache of the instance the project deploys (scripts/instance.py, buildout.cfg),
    # not the test database's default of 400 objects, which a catalog of this size thrashes.
    portal._p_jar.db().setCacheSize(50000)
    setSite(portal)
    setRequest(layer["request"])
    site_url = f"http://{layer['host']}:{layer['port']}/plone"
    newSecurityManager(None, portal.getPhysicalRoot().acl_users.getUser(SITE_OWNER_NAME))
    rng = random.Random(7)
    agencies = sorted({p[3] for p in PROCEDURES})
    for agency in agencies:
        api.content.create(container=portal.agencies, type="Agency", id=agency, title=agency, agency_code=agency, level="department")
    for code, name, sector, agency, days, fee, result_type in PROCEDURES:
        api.content.create(container=portal.procedures, type="Procedure", id=code, procedure_code=code, title=name,
                           sector=sector, agency_code=agency, processing_days=float(days), result_type=result_type,
                           online_level="partial")
    transaction.commit()
    start = time.perf_counter()
    for number in range(N):
        code, name, _s, agency, *_ = PROCEDURES[number % len(PROCEDURES)]
        receive_dossier(portal.dossiers[agency], procedure_code=code,
                        applicant_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                        applicant_id=f"040{number:09d}",
                        applicant_address=f"Số {number % 300}, đường {rng.choice(STREETS)}, {rng.choice(WARDS)}, thành phố Vinh",
                        channel="desk")
        if number % 500 == 499:
            transaction.commit()
    transaction.commit()
    created = time.perf_counter() - start

    # Bulk indexing through a real worker: everything is waiting in the outbox. The drain
    # messages the intake queued are purged and a started worker is sent one drain task, so
    # the figure is the worker's steady rate (its start-up is reported apart), and the
    # site is not polled while it works: the worker's log says when the task is done.
    # Elasticsearch, freshly started, first compiles its indexing paths on a scratch index
    # (reported apart too): measured, its first 30,000 documents cost it about 0.8 ms CPU
    # each, the next ones 0.2 ms, and the index a site writes to runs for months.
    workdir = tempfile.mkdtemp()
    env = {**os.environ, "ARCHIVE_SITE_URL": site_url, "ARCHIVE_SERVICE_AUTH": f"{SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}",
           "ARCHIVE_DRAIN_BATCH": str(DRAIN_BATCH)}
    auth = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
    queued = pending(site_url, auth)
    es_warm_up = warm_elasticsearch(SearchClient(es.url, timeout=120), site_url, auth, min(WARM_UP, N)) if WARM_UP else 0.0
    start = time.perf_counter()
    worker, log_path = start_worker(env, workdir)
    try:
        wait_for_log(log_path, "ready.", 120)
        worker_start = time.perf_counter() - start
        from archive.tasks.app import app
        app.conf.broker_url = redis.url
        cpu_before = cpu_seconds(es.pid), cpu_seconds(worker.pid), sum(os.times()[:2])
        start = time.perf_counter()
        app.send_task("archive.search.drain")
        wait_for_log(log_path, "succeeded in", 3600)
        indexing = time.perf_counter() - start
        cpu = [after - before for before, after in zip(cpu_before, (cpu_seconds(es.pid), cpu_seconds(worker.pid), sum(os.times()[:2])))]
        left = pending(site_url, auth)
    finally:
        worker.terminate()
        worker.wait(30)
    if left:
        raise SystemExit(f"the drain left {left} entries in the outbox:\n{open(log_path).read()[-3000:]}")
    client = SearchClient(es.url)
    client.refresh(alias_name(prefix))
    indexed = client.count(alias_name(prefix))

    archive = os.path.join(os.path.dirname(sys.executable), "archive")
    start = time.perf_counter()
    subprocess.run([archive, "search", "reindex"], env=env, check=True, capture_output=True)
    reindex = time.perf_counter() - start

    # Latency: the same SearchableText queries, engine against engine, for the same user
    # (the site owner, a Manager: every item is a candidate, the hardest case for both):
    # the principals and inactive-content right @archive-search would use, and the
    # catalog's own restriction (searchResults) for that user.
    from archive.search.outbox import SEARCHED_TYPES
    from archive.search.service import user_filter
    catalog = api.portal.get_tool("portal_catalog")
    principals, show_inactive = user_filter(portal)
    alias = alias_name(prefix)

    def es_body(text, **options):
        return es_query.build_query({"SearchableText": text, "b_size": 25}, principals, show_inactive=show_inactive, **options)

    for warm_up in range(3):  # let the JVM compile its hot paths before timing
        for text in QUERIES:
            client.search(alias, es_body(text))
            client.search(alias, es_body(text, facets=False, highlight=False))
            catalog.searchResults(SearchableText=text, portal_type=SEARCHED_TYPES)[:25]
    es_times, full_times, catalog_times, totals = [], [], [], {}
    for _ in range(ROUNDS):
        for text in QUERIES:
            # Hits only, like the catalog answers (the first page of 25 and the total);
            # then with facets and highlights as @archive-search asks.
            t = time.perf_counter()
            answer = es_query.parse_response(client.search(alias, es_body(text, facets=False, highlight=False)))
            es_times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            es_query.parse_response(client.search(alias, es_body(text)))
            full_times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            brains = catalog.searchResults(SearchableText=text, portal_type=SEARCHED_TYPES)
            page = [b.getPath() for b in brains[:25]]
            total = len(brains)
            catalog_times.append((time.perf_counter() - t) * 1000)
            totals[text] = (answer["total"], total, len(answer["items"]), len(page))
    result = {
        "n": N, "created_s": round(created, 1), "indexed": indexed, "queued": queued, "drain_batch": DRAIN_BATCH,
        "es_warm_up_docs": min(WARM_UP, N), "es_warm_up_s": round(es_warm_up, 1),
        "worker_start_s": round(worker_start, 1), "index_s": round(indexing, 2),
        "index_docs_per_s": round(queued / indexing, 1),
        "index_cpu_ms_per_doc": {name: round(seconds * 1000 / queued, 3) for name, seconds in zip(("elasticsearch", "worker", "site"), cpu)},
        "reindex_s": round(reindex, 1), "reindex_docs_per_s": round(indexed / reindex, 1),
        "es_p50_ms": round(statistics.median(es_times), 2), "es_p95_ms": round(percentile(es_times, 0.95), 2),
        "es_full_p50_ms": round(statistics.median(full_times), 2), "es_full_p95_ms": round(percentile(full_times, 0.95), 2),
        "catalog_p50_ms": round(statistics.median(catalog_times), 2),
        "catalog_p95_ms": round(percentile(catalog_times, 0.95), 2),
        "totals_es_catalog": totals,
        "zodb_cache_size": portal._p_jar.db().getCacheSize(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
    print("BENCH_SEARCH " + json.dumps(result), flush=True)
    es.stop()
    redis.stop()
    os._exit(0)  # the test layers' server threads need no orderly teardown here


if __name__ == "__main__":
    main()

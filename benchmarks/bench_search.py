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


def setup_layers(layer):
    for base in layer.__bases__:
        setup_layers(base)
    if not getattr(layer, "_bench_up", False):
        layer.setUp()
        layer._bench_up = True


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def pending(site_url, auth):
    answer = requests.get(f"{site_url}/@search-outbox", params={"limit": 1}, auth=auth,
                          headers={"Accept": "application/json"}, timeout=60)
    if answer.status_code != 200:
        raise SystemExit(f"@search-outbox answered {answer.status_code}: {answer.text[:500]}")
    return answer.json()["pending"]


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

    # Bulk indexing through a real worker: everything is waiting in the outbox.
    workdir = tempfile.mkdtemp()
    env = {**os.environ, "ARCHIVE_SITE_URL": site_url, "ARCHIVE_SERVICE_AUTH": f"{SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}",
           "ARCHIVE_DRAIN_EVERY": "1", "ARCHIVE_DRAIN_BATCH": "1000"}
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    auth = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
    start = time.perf_counter()
    worker = subprocess.Popen([celery, "-A", "archive.tasks.app", "worker", "-B", "--pool=solo", "--loglevel=WARNING",
                               "-s", os.path.join(workdir, "beat")], env=env, cwd=workdir,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while pending(site_url, auth):
            time.sleep(0.5)
        indexing = time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait(30)
    client = SearchClient(es.url)
    client.refresh(alias_name(prefix))
    indexed = client.count(alias_name(prefix))

    archive = os.path.join(os.path.dirname(sys.executable), "archive")
    start = time.perf_counter()
    subprocess.run([archive, "search", "reindex"], env=env, check=True, capture_output=True)
    reindex = time.perf_counter() - start

    # Latency: the same SearchableText queries, engine against engine, as the leader of one agency would ask.
    catalog = api.portal.get_tool("portal_catalog")
    principals = ["Manager", "Authenticated", "Anonymous", "user:admin"]
    es_times, full_times, catalog_times = [], [], []
    for warm_up in range(3):  # let the JVM compile its hot paths before timing
        for text in QUERIES:
            client.search(alias_name(prefix), es_query.build_query({"SearchableText": text}, principals))
    for _ in range(ROUNDS):
        for text in QUERIES:
            # Hits only, like the catalog answers; then with facets and highlights as @archive-search asks.
            body = es_query.build_query({"SearchableText": text, "b_size": 25}, principals, facets=False, highlight=False)
            t = time.perf_counter()
            client.search(alias_name(prefix), body)
            es_times.append((time.perf_counter() - t) * 1000)
            body = es_query.build_query({"SearchableText": text, "b_size": 25}, principals)
            t = time.perf_counter()
            client.search(alias_name(prefix), body)
            full_times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            brains = catalog.searchResults(SearchableText=text, sort_limit=25)
            [b.getPath() for b in brains[:25]]
            catalog_times.append((time.perf_counter() - t) * 1000)
    result = {
        "n": N, "created_s": round(created, 1), "indexed": indexed,
        "index_docs_per_s": round(N / indexing, 1), "reindex_s": round(reindex, 1),
        "es_p50_ms": round(statistics.median(es_times), 2), "es_p95_ms": round(percentile(es_times, 0.95), 2),
        "es_full_p50_ms": round(statistics.median(full_times), 2), "es_full_p95_ms": round(percentile(full_times, 0.95), 2),
        "catalog_p50_ms": round(statistics.median(catalog_times), 2),
        "catalog_p95_ms": round(percentile(catalog_times, 0.95), 2),
    }
    print("BENCH_SEARCH " + json.dumps(result), flush=True)
    es.stop()
    redis.stop()
    os._exit(0)  # the test layers' server threads need no orderly teardown here


if __name__ == "__main__":
    main()

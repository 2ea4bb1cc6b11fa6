"""Relevance benchmark (issue 16): the relevance set of tests/search/relevance_set.py over a
real Elasticsearch; prints one BENCH_RELEVANCE line of JSON (queries, precision at 5, MRR,
the queries whose expected items do not all come first)."""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "search"))

import relevance_set  # noqa: E402

from archive.search.client import SearchClient  # noqa: E402
from archive.services.elasticsearch import ElasticsearchServer  # noqa: E402


def main():
    es = ElasticsearchServer()
    es.start()
    try:
        client = SearchClient(es.url, timeout=10)
        alias = relevance_set.build_index(client)
        start = time.perf_counter()
        figures = relevance_set.measure(client, alias)
        figures["seconds"] = round(time.perf_counter() - start, 2)
        figures["misses"] = [text for text, _expected, _top in figures["misses"]]
        relevance_set.drop_index(client, alias)
    finally:
        es.stop()
    print("BENCH_RELEVANCE " + json.dumps(figures, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

"""Closing benchmark (issue 14): returned dossiers closed into the archive through the real
Celery worker and Redis, the worker asking the site over HTTP (POST @archive-closing) to
build and store each AIP.

Runs a Plone test site served over HTTP (plone.app.testing WSGI layer), a real Redis and a
worker process; prints one BENCH_CLOSING line of JSON. BENCH_CLOSING_N sets the number of
dossiers (default 10000), BENCH_CLOSING_FILES and BENCH_CLOSING_KB their components.
"""
import json
import os
import sys
import tempfile
import time
from datetime import date

import transaction

N = int(os.environ.get("BENCH_CLOSING_N", "10000"))
FILES = int(os.environ.get("BENCH_CLOSING_FILES", "2"))
FILE_KB = int(os.environ.get("BENCH_CLOSING_KB", "20"))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_search import setup_layers  # noqa: E402
from bench_search import start_worker  # noqa: E402
from bench_search import wait_for_log  # noqa: E402


def main():
    from AccessControl.SecurityManagement import newSecurityManager
    from archive.content.intake import receive_dossier
    from archive.preservation import closing
    from archive.preservation import store
    from archive.services.redis import RedisServer
    from archive.testing import ARCHIVE_FUNCTIONAL_TESTING
    from plone import api
    from plone.app.testing import SITE_OWNER_NAME, SITE_OWNER_PASSWORD
    from plone.namedfile.file import NamedBlobFile
    from zope.component.hooks import setSite
    from zope.globalrequest import setRequest

    redis = RedisServer()
    redis.start()
    os.environ.update(ARCHIVE_BROKER_URL=redis.url)
    layer = ARCHIVE_FUNCTIONAL_TESTING
    setup_layers(layer)
    layer.testSetUp()
    portal = layer["portal"]
    portal._p_jar.db().setCacheSize(50000)  # the deployed instance's cache (scripts/instance.py)
    setSite(portal)
    setRequest(layer["request"])
    site_url = f"http://{layer['host']}:{layer['port']}/plone"
    newSecurityManager(None, portal.getPhysicalRoot().acl_users.getUser(SITE_OWNER_NAME))
    agency = "000.00.12.H41"
    api.content.create(container=portal.agencies, type="Agency", id=agency, title="Sở Xây dựng",
                       agency_code=agency, level="department")
    api.content.create(container=portal.procedures, type="Procedure", id="1.009972", procedure_code="1.009972",
                       title="Cấp giấy phép xây dựng", sector="Xây dựng", agency_code=agency,
                       processing_days=20.0, result_type="Giấy phép", online_level="partial")
    transaction.commit()

    # N dossiers received, processed, given an issued result and returned, by the site
    # owner: the workflow's subscriber notes each in the closing outbox (nothing is built in
    # these transactions). Each AIP holds the dossier's components and its result.
    workflow = api.portal.get_tool("portal_workflow")
    start = time.perf_counter()
    for number in range(N):
        components = [{"title": f"Thành phần {n}", "filename": f"thanh-phan-{n}.pdf",
                       "data": b"%PDF-1.4\n" + os.urandom(FILE_KB * 1024 - 9)} for n in range(1, FILES + 1)]
        dossier = receive_dossier(portal.dossiers[agency], components=components, procedure_code="1.009972",
                                  applicant_name=f"Nguyễn Văn {number}", applicant_id=f"040201{number:06d}",
                                  applicant_address="Số 5, đường Lê Lợi, thành phố Vinh", channel="desk")
        workflow.doActionFor(dossier, "start_processing")
        result = api.content.create(
            container=portal.results[agency], type="Result", id=f"kq-{number}", number_notation=f"{number}/GP-SXD",
            result_type="Giấy phép xây dựng", signer="Lê Văn Lãnh", issue_date=date(2026, 5, 10),
            dossier_code=dossier.dossier_code,
            file=NamedBlobFile(b"%PDF-1.4\ngiay phep", filename="giay-phep.pdf", contentType="application/pdf"))
        workflow.doActionFor(dossier, "finish")
        workflow.doActionFor(result, "sign")
        workflow.doActionFor(result, "issue")
        workflow.doActionFor(dossier, "return_result")
        if number % 100 == 99:
            transaction.commit()
    transaction.commit()
    prepared = time.perf_counter() - start
    noted = closing.pending(portal)
    if noted != N:
        raise SystemExit(f"{noted} of {N} returned dossiers were noted for closing")

    # The close tasks the commits queued are purged; a started worker is sent one, which
    # closes until the outbox is empty; the worker's log says when it is done.
    workdir = tempfile.mkdtemp()
    env = {**os.environ, "ARCHIVE_SITE_URL": site_url,
           "ARCHIVE_SERVICE_AUTH": f"{SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}"}
    worker, log_path = start_worker(env, workdir)
    try:
        wait_for_log(log_path, "ready.", 120)
        from archive.tasks.app import app
        app.conf.broker_url = redis.url
        start = time.perf_counter()
        app.send_task(closing.CLOSE_TASK)
        wait_for_log(log_path, "succeeded in", 24 * 3600, failures=("Retry in", "raised", "Closing interrupted"))
        seconds = time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait(30)
    transaction.begin()  # see what the site's request threads committed
    left = closing.pending(portal)
    packages = store.all_packages(portal)
    if left or len(packages) != N:
        raise SystemExit(f"{left} left in the outbox, {len(packages)} packages for {N} dossiers:\n"
                         f"{open(log_path).read()[-3000:]}")
    result = {
        "n": N, "components": FILES, "component_kb": FILE_KB, "prepared_s": round(prepared, 1),
        "close_s": round(seconds, 1), "items_per_s": round(N / seconds, 1),
        "package_kb": round(packages[-1].size / 1024),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
    print("BENCH_CLOSING " + json.dumps(result), flush=True)
    redis.stop()
    os._exit(0)  # the test layers' server threads need no orderly teardown here


if __name__ == "__main__":
    main()

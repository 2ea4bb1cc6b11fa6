"""Worker tasks of preservation: build the AIPs of items noted for closing, and re-check
the fixity of stored packages (both run in the site, over REST, as the service account)."""
import logging

from archive.tasks import site
from archive.tasks.app import app

logger = logging.getLogger("archive.tasks.preservation")


@app.task(name="archive.preservation.close", bind=True, max_retries=None, ignore_result=True)
def close(self):
    """Close until nothing is noted; on an outage retry later (the outbox keeps the work)."""
    total = 0
    try:
        while True:
            result = site.post("@archive-closing?limit=20", timeout=600)
            total += len(result["closed"])
            for item in result["closed"]:
                logger.info("Closed %s into %s", item["path"], item.get("objid") or item.get("error"))
            if not result["closed"] or not result["pending"]:
                return total
    except Exception as exc:  # noqa: BLE001 - Zope down or busy: try again later
        logger.warning("Closing interrupted: %s", exc)
        raise self.retry(exc=exc, countdown=min(60, 2 ** min(self.request.retries, 6)))


@app.task(name="archive.preservation.fixity", ignore_result=True)
def fixity():
    result = site.post("@archive-fixity", timeout=3600)
    for item in result["failures"]:
        logger.error("Fixity failure in %s (%s): %s", item["objid"], item["path"], item["incidents"])
    return result

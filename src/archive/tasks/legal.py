"""Worker task: keep the catalog's effect statuses of legal documents in step with the
calendar (see archive.content.legal.refresh_effect_statuses)."""
import logging

from archive.tasks import site
from archive.tasks.app import app

logger = logging.getLogger("archive.tasks.legal")


@app.task(name="archive.legal.refresh_effect", ignore_result=True)
def refresh_effect():
    result = site.post("@legal-effect-refresh", timeout=600)
    for item in result["changed"]:
        logger.info("Legal document %s: effect status %s -> %s", item["uid"], item["was"], item["now"])
    return result

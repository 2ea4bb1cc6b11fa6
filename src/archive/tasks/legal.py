"""Worker task: keep the catalog's effect statuses of legal documents in step with the
calendar (see archive.content.legal.refresh_effect_statuses)."""
import logging
import os

import requests

from archive.tasks.app import app

logger = logging.getLogger("archive.tasks.legal")


@app.task(name="archive.legal.refresh_effect", ignore_result=True)
def refresh_effect():
    user, _, password = os.environ["ARCHIVE_SERVICE_AUTH"].partition(":")
    answer = requests.post(f"{os.environ['ARCHIVE_SITE_URL'].rstrip('/')}/@legal-effect-refresh",
                           auth=(user, password), headers={"Accept": "application/json"}, timeout=600)
    answer.raise_for_status()
    result = answer.json()
    for item in result["changed"]:
        logger.info("Legal document %s: effect status %s -> %s", item["uid"], item["was"], item["now"])
    return result

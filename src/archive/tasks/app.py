"""The Celery app of the archive's workers.

Run a worker (with the periodic drain built in):
    ARCHIVE_BROKER_URL=redis://127.0.0.1:6379/0 ARCHIVE_SITE_URL=http://127.0.0.1:8080/Plone \
    ARCHIVE_SERVICE_AUTH=admin:PASSWORD ARCHIVE_ES_URL=http://127.0.0.1:9200 \
    .venv/bin/celery -A archive.tasks.app worker -B --loglevel=INFO

Workers never open the ZODB: they fetch documents from Zope's @search-outbox over HTTP
and write them to Elasticsearch, so any number of them can run beside FileStorage,
ZEO or RelStorage instances.
"""
import os

from celery import Celery

DRAIN_EVERY_SECONDS = float(os.environ.get("ARCHIVE_DRAIN_EVERY", "10"))
SEAL_EVERY_SECONDS = float(os.environ.get("ARCHIVE_SEAL_EVERY", "60"))
# Effect statuses change when a day is reached; checking hourly puts them right within the hour.
EFFECT_EVERY_SECONDS = float(os.environ.get("ARCHIVE_EFFECT_EVERY", "3600"))
# The exchange runs only on workers given an axis (ARCHIVE_AXIS_URL; see tasks/exchange.py).
EXCHANGE_EVERY_SECONDS = float(os.environ.get("ARCHIVE_EXCHANGE_EVERY", "10"))
# Closing into the archive (AIPs of returned dossiers, published legal documents) and fixity checks.
CLOSE_EVERY_SECONDS = float(os.environ.get("ARCHIVE_CLOSE_EVERY", "60"))
FIXITY_EVERY_SECONDS = float(os.environ.get("ARCHIVE_FIXITY_EVERY", "86400"))
EXCHANGE_SCHEDULE = {
    "poll-axis": {"task": "archive.exchange.poll", "schedule": EXCHANGE_EVERY_SECONDS},
    "send-exchange-outbox": {"task": "archive.exchange.send", "schedule": EXCHANGE_EVERY_SECONDS, "args": (True,)},
} if os.environ.get("ARCHIVE_AXIS_URL") else {}

app = Celery("archive", broker=os.environ.get("ARCHIVE_BROKER_URL", "redis://127.0.0.1:6379/0"),
             include=["archive.tasks.search", "archive.tasks.exchange", "archive.tasks.audit", "archive.tasks.legal",
                      "archive.tasks.preservation"])
app.conf.update(
    task_acks_late=True,  # a worker killed mid-batch leaves the message for another
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue="archive",
    broker_connection_retry_on_startup=True,
    beat_schedule={"drain-search-outbox": {"task": "archive.search.drain", "schedule": DRAIN_EVERY_SECONDS},
                   "seal-audit-journal": {"task": "archive.audit.seal", "schedule": SEAL_EVERY_SECONDS},
                   "refresh-legal-effect": {"task": "archive.legal.refresh_effect", "schedule": EFFECT_EVERY_SECONDS},
                   "close-into-archive": {"task": "archive.preservation.close", "schedule": CLOSE_EVERY_SECONDS},
                   "check-fixity": {"task": "archive.preservation.fixity", "schedule": FIXITY_EVERY_SECONDS},
                   **EXCHANGE_SCHEDULE},
)

"""Zope's side of Celery: ask workers for work after commit, never waiting on a dead broker.

Work itself is always in a ZODB outbox first; the task is only a nudge, so a failure to
reach the broker is logged and the worker's periodic run picks the work up later.
"""
import logging

import transaction

from archive.search.settings import get_settings

logger = logging.getLogger("archive.tasks")
_apps = {}


def _app(broker_url):
    app = _apps.get(broker_url)
    if app is None:
        from celery import Celery

        app = Celery("archive-sender", broker=broker_url)
        app.conf.update(
            broker_connection_timeout=2,
            broker_connection_retry=False,
            broker_transport_options={"max_retries": 0, "socket_timeout": 2, "socket_connect_timeout": 2},
            task_default_queue="archive",
        )
        _apps[broker_url] = app
    return app


def send_task(name):
    """Send the task `name` now; False (and a log line) if there is no broker or it is down."""
    broker = get_settings().broker_url
    if not broker:
        return False
    try:
        _app(broker).send_task(name, retry=False)
        return True
    except Exception as exc:  # noqa: BLE001 - any broker failure just delays the work
        logger.warning("Could not reach the broker for %s (%s); the outbox keeps the work", name, exc)
        return False


def send_after_commit(name):
    """Send the task `name` once after the current transaction commits (not if it aborts)."""
    txn = transaction.get()
    hooked = txn.__dict__.setdefault("_archive_after_commit_tasks", set())
    if name in hooked:
        return
    hooked.add(name)
    txn.addAfterCommitHook(lambda committed: committed and send_task(name))

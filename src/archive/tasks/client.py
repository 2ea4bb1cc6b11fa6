"""Zope's side of Celery: ask a worker to drain the outbox, never waiting on a dead broker."""
import logging

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


def request_drain():
    """Called after commit. If the broker is down the work stays in the outbox for the
    periodic drain, so a failure here is logged, not raised."""
    broker = get_settings().broker_url
    if not broker:
        return False
    try:
        _app(broker).send_task("archive.search.drain", retry=False)
        return True
    except Exception as exc:  # noqa: BLE001 - any broker failure just delays the work
        logger.warning("Could not reach the broker (%s); the outbox keeps the work", exc)
        return False

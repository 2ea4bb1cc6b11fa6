"""Which agency this site is and how it signs: the site registry, overridden by the environment.

Environment (wins, so one deployment file configures every instance):
ARCHIVE_EXCHANGE_ORGAN_ID, ARCHIVE_EXCHANGE_KEY (PEM private key path),
ARCHIVE_EXCHANGE_CERT (PEM certificate path), ARCHIVE_EXCHANGE_ALLOW_SHA1 (1/0),
ARCHIVE_EXCHANGE_LEGACY_C14N (1/0: accept inclusive c14n 1.0 signatures, recorded as a weakness).
Keys are never stored in the registry or the repository, only their paths.
"""
import os
from dataclasses import dataclass

from archive.config import registry_value as _registry_value

from archive.search.settings import get_settings as search_settings


class NotConfigured(Exception):
    """The site has no OrganId or no signing key: it cannot send."""


@dataclass(frozen=True)
class ExchangeSettings:
    organ_id: str
    key_path: str
    cert_path: str
    allow_sha1: bool
    broker_url: str
    legacy_c14n: bool = False

    def signing_material(self):
        """(key PEM, certificate PEM) read from disk on each use so a renewed key takes effect."""
        if not self.organ_id:
            raise NotConfigured("this site has no OrganId (archive.exchange.organ_id / ARCHIVE_EXCHANGE_ORGAN_ID)")
        if not (self.key_path and self.cert_path):
            raise NotConfigured("no signing key or certificate (ARCHIVE_EXCHANGE_KEY / ARCHIVE_EXCHANGE_CERT)")
        try:
            with open(self.key_path, "rb") as key, open(self.cert_path, "rb") as cert:
                return key.read(), cert.read()
        except OSError as exc:
            raise NotConfigured(f"cannot read the signing key or certificate: {exc}") from exc



def _flag(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def get_settings():
    env = os.environ
    allow = env.get("ARCHIVE_EXCHANGE_ALLOW_SHA1")
    legacy = env.get("ARCHIVE_EXCHANGE_LEGACY_C14N")
    return ExchangeSettings(
        organ_id=env.get("ARCHIVE_EXCHANGE_ORGAN_ID") or _registry_value("archive.exchange.organ_id", "") or "",
        key_path=env.get("ARCHIVE_EXCHANGE_KEY") or _registry_value("archive.exchange.key_path", "") or "",
        cert_path=env.get("ARCHIVE_EXCHANGE_CERT") or _registry_value("archive.exchange.cert_path", "") or "",
        allow_sha1=_flag(allow) if allow is not None else bool(_registry_value("archive.exchange.allow_sha1", False)),
        # One broker for all the site's workers: the search settings own it.
        broker_url=search_settings().broker_url,
        legacy_c14n=_flag(legacy) if legacy is not None else bool(_registry_value("archive.exchange.legacy_c14n", False)),
    )

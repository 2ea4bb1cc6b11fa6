"""Where the search index and the broker are: the site registry, overridden by the environment.

Environment (wins over the registry, so one deployment file configures every instance):
ARCHIVE_ES_URL (comma-separated), ARCHIVE_ES_PREFIX, ARCHIVE_BROKER_URL.
No Elasticsearch URL means search runs on the ZCatalog alone and no outbox is kept.
"""
import os
from dataclasses import dataclass

from archive.config import registry_value as _registry_value


@dataclass(frozen=True)
class SearchSettings:
    urls: tuple
    prefix: str
    broker_url: str
    catalog_fallback: bool

    @property
    def enabled(self):
        return bool(self.urls)

    @property
    def url(self):
        return self.urls[0] if self.urls else None



def get_settings():
    env_urls = os.environ.get("ARCHIVE_ES_URL")
    if env_urls:
        urls = tuple(u.strip() for u in env_urls.split(",") if u.strip())
    else:
        urls = tuple(_registry_value("archive.search.elasticsearch_urls", ()) or ())
    prefix = os.environ.get("ARCHIVE_ES_PREFIX") or _registry_value("archive.search.index_prefix", "plone")
    broker = os.environ.get("ARCHIVE_BROKER_URL") or _registry_value("archive.search.broker_url", "")
    fallback = bool(_registry_value("archive.search.catalog_fallback", False))
    return SearchSettings(urls=urls, prefix=prefix, broker_url=broker or "", catalog_fallback=fallback)

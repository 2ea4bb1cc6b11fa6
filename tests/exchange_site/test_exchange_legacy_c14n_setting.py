"""The site's legacy canonicalisation setting reaches verification (issue 17)."""

from archive.exchange.site import settings


def test_legacy_c14n_is_off_unless_configured(monkeypatch):
    monkeypatch.delenv("ARCHIVE_EXCHANGE_LEGACY_C14N", raising=False)
    assert settings.get_settings().legacy_c14n is False
    monkeypatch.setenv("ARCHIVE_EXCHANGE_LEGACY_C14N", "1")
    assert settings.get_settings().legacy_c14n is True


def test_inbox_verifies_with_the_site_policy(monkeypatch):
    # What the inbox passes to the trust store: the site's SHA-1 and legacy c14n choices.
    from archive.exchange.site import inbox

    seen = {}

    class Store:
        def verify(self, data, **kw):
            seen.update(kw)
            raise RuntimeError("stop")

    monkeypatch.setattr(inbox.messages, "trust_store", lambda: Store())
    monkeypatch.setattr(inbox.store, "processed", lambda digest: None)
    site = settings.ExchangeSettings("000.00.00.H41", "", "", allow_sha1=False, broker_url="", legacy_c14n=True)
    try:
        inbox._receive(b"<x/>", site)
    except RuntimeError:
        pass
    assert seen == {"allow_sha1": False, "legacy_c14n": True}

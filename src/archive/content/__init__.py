from archive.content import schema_cache

schema_cache.install()

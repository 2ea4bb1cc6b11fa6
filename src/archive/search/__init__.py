"""Full-text search of archive items in Elasticsearch (folding, mapping, client, queries)."""

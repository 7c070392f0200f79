"""The SearchIndex port, the query model and its adapters (Tantivy, Elasticsearch)."""

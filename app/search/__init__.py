"""Full-text search: one search_document per record, indexed by the database's own engine
(FTS5 on SQLite, tsvector + GIN on PostgreSQL). The service is app.services.search; the
query language is app.search.query; documents are built by app.search.documents."""

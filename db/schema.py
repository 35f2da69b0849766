"""The only DDL in the project: raw.db and corpus.db schemas, applied idempotently.

Every table and column here is documented in db/SCHEMA.md; tests/db/test_schema_doc.py keeps them in step.
"""

from __future__ import annotations

RAW_SCHEMA_VERSION = 1
CORPUS_SCHEMA_VERSION = 3

RAW_DDL = """
CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id      TEXT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    sites       TEXT NOT NULL DEFAULT '[]',
    stats       TEXT,
    status      TEXT,
    host        TEXT,
    pid         INTEGER,
    pid_started TEXT,
    heartbeat_at TEXT
);
CREATE TABLE IF NOT EXISTS raw_pages (
    id            TEXT PRIMARY KEY,
    url           TEXT NOT NULL UNIQUE,
    site_id       TEXT NOT NULL,
    page_type     TEXT NOT NULL,
    final_url     TEXT,
    status        INTEGER,
    headers       TEXT,
    body          BLOB,
    body_codec    TEXT,
    sha256        TEXT,
    size          INTEGER,
    etag          TEXT,
    last_modified TEXT,
    error         TEXT,
    fetched_at    TEXT,
    run_id        TEXT,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    changed_at    TEXT
);
CREATE INDEX IF NOT EXISTS raw_pages_site ON raw_pages (site_id, page_type);
CREATE TABLE IF NOT EXISTS raw_history (
    page_id     TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    status      INTEGER,
    headers     TEXT,
    body        BLOB,
    body_codec  TEXT,
    fetched_at  TEXT,
    run_id      TEXT,
    replaced_at TEXT NOT NULL,
    PRIMARY KEY (page_id, sha256)
);
CREATE TABLE IF NOT EXISTS fetch_log (
    id         INTEGER PRIMARY KEY,
    run_id     TEXT NOT NULL,
    site_id    TEXT NOT NULL,
    page_id    TEXT NOT NULL,
    url        TEXT NOT NULL,
    page_type  TEXT NOT NULL,
    status     INTEGER,
    outcome    TEXT NOT NULL,
    error      TEXT,
    size       INTEGER,
    fetched_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fetch_log_run ON fetch_log (run_id, site_id);
CREATE TABLE IF NOT EXISTS site_templates (
    site_id    TEXT PRIMARY KEY,
    template   TEXT NOT NULL,
    pages      INTEGER NOT NULL,
    learned_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS site_runs (
    run_id        TEXT NOT NULL,
    site_id       TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    finish_reason TEXT,
    timeout_s     REAL,
    summary       TEXT NOT NULL DEFAULT '{}',
    host          TEXT,
    pid           INTEGER,
    PRIMARY KEY (run_id, site_id)
);
CREATE TABLE IF NOT EXISTS clean_status (
    page_id          TEXT PRIMARY KEY,
    raw_sha256       TEXT,
    pipeline_version TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    drop_reason      TEXT,
    document_ids     TEXT NOT NULL DEFAULT '[]',
    cleaned_at       TEXT NOT NULL,
    template_digest  TEXT,
    listing_digest   TEXT,
    error            TEXT
);
CREATE TABLE IF NOT EXISTS raw_dictionaries (
    id         INTEGER PRIMARY KEY,
    site_id    TEXT NOT NULL,
    dictionary BLOB NOT NULL,
    samples    INTEGER NOT NULL,
    trained_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS raw_dictionaries_site ON raw_dictionaries (site_id);
"""

# List evidence and list-walk state (the crawler's CMS adapters and resumable walk): separate from the tables
# above so other additions to RAW_DDL never collide with these. Applied after RAW_DDL.
RAW_LIST_DDL = """
CREATE TABLE IF NOT EXISTS listings (
    page_id     TEXT NOT NULL,
    column_key  TEXT NOT NULL,
    site_id     TEXT NOT NULL,
    url         TEXT NOT NULL,
    title       TEXT,
    listed_date TEXT,
    date_text   TEXT,
    column_name TEXT,
    list_url    TEXT NOT NULL,
    digest      TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    changed_at  TEXT,
    run_id      TEXT NOT NULL,
    PRIMARY KEY (page_id, column_key)
);
CREATE INDEX IF NOT EXISTS listings_site ON listings (site_id);
CREATE TABLE IF NOT EXISTS list_walks (
    site_id         TEXT NOT NULL,
    column_key      TEXT NOT NULL,
    column_name     TEXT,
    entry           TEXT NOT NULL,
    adapter         TEXT,
    state           TEXT NOT NULL,
    walk_started_at TEXT,
    resume          TEXT,
    resume_page     INTEGER,
    walk_state      TEXT,
    pages_walked    INTEGER NOT NULL DEFAULT 0,
    declared_pages  INTEGER,
    stop_reason     TEXT,
    run_id          TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (site_id, column_key)
);
"""

# Columns added to raw.db tables since the file format was first released. An existing raw.db gains each
# missing one when RawStore opens it (ALTER TABLE ... ADD COLUMN keeps every row, the new column starts NULL);
# a new file has them from RAW_DDL above.
RAW_ADDED_COLUMNS: dict[str, dict[str, str]] = {
    # The site-template digest a page was cleaned with; NULL on rows cleaned before digests were recorded.
    "clean_status": {
        "template_digest": "TEXT",
        # The digest of the listing (title, date, column as listed) a page was cleaned with; NULL before listings.
        "listing_digest": "TEXT",
        # Issue 10: the exception ("Type: message") behind an internal_error drop; NULL otherwise.
        "error": "TEXT",
    },
    # Who runs a crawl and whether it is alive (db/runs.py), so the next run closes a killed one as interrupted.
    "crawl_runs": {"status": "TEXT", "host": "TEXT", "pid": "INTEGER", "pid_started": "TEXT", "heartbeat_at": "TEXT"},
    # Compressed bodies (db/bodies.py BodyCodec): how `body` is encoded; NULL on rows stored as sent, which
    # every row written before compression is, so old files stay readable without rewriting them.
    "raw_pages": {"body_codec": "TEXT"},
    "raw_history": {"body_codec": "TEXT"},
}

CORPUS_DDL = """
CREATE TABLE IF NOT EXISTS documents (
    id                  TEXT PRIMARY KEY,
    raw_page_id         TEXT NOT NULL,
    part                INTEGER,
    url                 TEXT NOT NULL,
    site_id             TEXT NOT NULL,
    column_name         TEXT,
    title               TEXT NOT NULL,
    published_at        TEXT,
    issuer              TEXT,
    doc_number          TEXT,
    text                TEXT NOT NULL,
    text_hans           TEXT NOT NULL,
    script              TEXT,
    attachments         TEXT NOT NULL DEFAULT '[]',
    encoding            TEXT,
    encoding_confidence REAL,
    encoding_evidence   TEXT NOT NULL DEFAULT '{}',
    repairs             TEXT NOT NULL DEFAULT '{}',
    flags               TEXT NOT NULL DEFAULT '[]',
    content_hash        TEXT NOT NULL,
    cluster_id          TEXT,
    is_canonical        INTEGER NOT NULL DEFAULT 1,
    raw_sha256          TEXT NOT NULL,
    pipeline_version    TEXT NOT NULL,
    first_seen          TEXT NOT NULL,
    last_seen           TEXT NOT NULL,
    withdrawn_at        TEXT,
    withdrawn_reason    TEXT
);
CREATE INDEX IF NOT EXISTS documents_site ON documents (site_id);
CREATE INDEX IF NOT EXISTS documents_hash ON documents (content_hash);
CREATE INDEX IF NOT EXISTS documents_page ON documents (raw_page_id);
CREATE INDEX IF NOT EXISTS documents_cluster ON documents (cluster_id);
CREATE TABLE IF NOT EXISTS document_versions (
    id               TEXT NOT NULL,
    content_hash     TEXT NOT NULL,
    title            TEXT NOT NULL,
    published_at     TEXT,
    text             TEXT NOT NULL,
    text_hans        TEXT NOT NULL,
    raw_sha256       TEXT NOT NULL,
    pipeline_version TEXT NOT NULL,
    first_seen       TEXT NOT NULL,
    replaced_at      TEXT NOT NULL,
    PRIMARY KEY (id, content_hash)
);
CREATE TABLE IF NOT EXISTS clusters (
    cluster_id       TEXT PRIMARY KEY,
    canonical_id     TEXT NOT NULL,
    canonical_reason TEXT NOT NULL,
    size             INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS document_links (
    from_id    TEXT NOT NULL,
    to_id      TEXT NOT NULL,
    relation   TEXT NOT NULL,
    similarity REAL NOT NULL,
    PRIMARY KEY (from_id, to_id, relation)
);
CREATE INDEX IF NOT EXISTS document_links_to ON document_links (to_id);
CREATE TABLE IF NOT EXISTS dedup_signatures (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    cluster_id   TEXT NOT NULL,
    key_hash     TEXT NOT NULL,
    key_len      INTEGER NOT NULL,
    signature    BLOB,
    anchors      BLOB,
    guards       TEXT NOT NULL,
    site_id      TEXT,
    published_at TEXT,
    is_authority INTEGER NOT NULL,
    may_hold     INTEGER NOT NULL DEFAULT 1,
    role         INTEGER NOT NULL DEFAULT 0,
    host_anchors BLOB
);
CREATE INDEX IF NOT EXISTS dedup_signatures_cluster ON dedup_signatures (cluster_id, seq);
CREATE INDEX IF NOT EXISTS dedup_signatures_key ON dedup_signatures (key_hash, seq);
-- the on-disk index (db/dedup_index.py): LSH band buckets and anchor postings, keyed for lookups by key
CREATE TABLE IF NOT EXISTS dedup_bands (
    band INTEGER NOT NULL,
    seq  INTEGER NOT NULL,
    PRIMARY KEY (band, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dedup_anchors (
    anchor INTEGER NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (anchor, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dedup_host_anchors (
    anchor INTEGER NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (anchor, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dedup_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- one- and two-character terms (db/search.py): Han unigrams and bigrams, contentless, kept by db/corpus.py
CREATE VIRTUAL TABLE IF NOT EXISTS documents_short_fts USING fts5(
    title, text_hans, content='', detail=none, tokenize='unicode61'
);
"""

# Views of corpus.db, name -> SELECT. A view whose stored definition differs is dropped and made again when the
# file is opened (CREATE VIEW IF NOT EXISTS would keep an old definition), after CORPUS_ADDED_COLUMNS.
CORPUS_VIEWS: dict[str, str] = {
    # One live document per notice: reposts, duplicates and withdrawn notices left out. rowid first: the key of the
    # FTS indexes (documents_fts, documents_short_fts), so the view is searchable.
    "canonical_documents": (
        "SELECT documents.rowid AS rowid, * FROM documents WHERE is_canonical = 1 AND withdrawn_at IS NULL"
    ),
}

# Upgrades of an existing corpus.db, by the version they bring it to (PRAGMA user_version).
CORPUS_MIGRATIONS: dict[int, list[str]] = {
    # 2: exact-duplicate pointers give way to near-duplicate clusters.
    2: [
        "DROP VIEW IF EXISTS canonical_documents",
        "ALTER TABLE documents ADD COLUMN cluster_id TEXT",
        "ALTER TABLE documents ADD COLUMN is_canonical INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE documents DROP COLUMN duplicate_of",
    ],
    # 3 (search for every reader): canonical_documents gains the rowid the FTS indexes join on (CORPUS_VIEWS
    # recreates it); documents_short_fts is created by the DDL and filled once by db/search.py.
    3: ["DROP VIEW IF EXISTS canonical_documents"],
}

# Columns added to corpus.db tables, applied idempotently to new and old files alike when CorpusStore opens
# one (ALTER TABLE ... ADD COLUMN keeps every row; the new column starts NULL until the page is re-cleaned, which
# the meta step's version bump triggers). One entry per feature, so features added in parallel merge cleanly.
CORPUS_ADDED_COLUMNS: dict[str, dict[str, dict[str, str]]] = {
    # Metadata evidence (cleaning/extract/meta): where published_at came from and every date candidate seen,
    # the 索引号 kept apart from the 文号, the editor line, and where the title came from.
    "meta_evidence": {
        "documents": {
            "published_at_source": "TEXT",
            "date_candidates": "TEXT NOT NULL DEFAULT '[]'",
            "index_number": "TEXT",
            "editor": "TEXT",
            "title_source": "TEXT",
        },
    },
    # Issue 10: a document its page no longer yields is marked withdrawn (and leaves canonical_documents), never
    # deleted.
    "withdrawn": {
        "documents": {"withdrawn_at": "TEXT", "withdrawn_reason": "TEXT"},
    },
    # The on-disk dedup index (db/dedup_index.py): whether a row may hold another representative, which
    # postings it is in. Its tables (dedup_bands, dedup_anchors, dedup_host_anchors) come from the DDL; an
    # older stored index has another INDEX_VERSION and is rebuilt once by jobs.dedup.
    "dedup_ondisk": {
        "dedup_signatures": {
            "may_hold": "INTEGER NOT NULL DEFAULT 1",
            "role": "INTEGER NOT NULL DEFAULT 0",
            "host_anchors": "BLOB",
        },
    },
}

# FTS5 over title and the simplified text; trigram because Chinese has no spaces between words.
# Terms shorter than three characters are found in SHORT_FTS_TABLE (db/search.py).
FTS_TABLE = "documents_fts"
SHORT_FTS_TABLE = "documents_short_fts"
FTS_COLUMNS = ["title", "text_hans"]
FTS_TOKENIZER = "trigram"

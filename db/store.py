"""Open the project's SQLite files: the only module that imports sqlite_utils."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import sqlite_utils

from db import schema

# Writers from several crawl subprocesses share raw.db; a short wait beats a "database is locked" failure.
BUSY_TIMEOUT_MS = 30_000


class DatabaseFileError(sqlite3.DatabaseError):
    """A database file that cannot be used (not SQLite, corrupt, unreadable); the message names the file."""


def _connect(path: Path) -> sqlite_utils.Database:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db = sqlite_utils.Database(conn)
    try:
        # WAL so downstream readers are never blocked by the nightly load.
        db.enable_wal()
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:  # the first statements read the header: a file that is no database
        conn.close()
        raise DatabaseFileError(f"{path}: {exc}") from exc
    return db


def _apply(path: Path, db: sqlite_utils.Database, setup) -> sqlite_utils.Database:
    """Run the schema setup; a file whose pages are corrupt fails here, named."""
    try:
        setup(db)
    except DatabaseFileError:
        raise
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise
        db.conn.close()
        raise DatabaseFileError(f"{path}: {exc}") from exc
    return db


# A checksum of the raw schema (its DDL blocks and added columns), kept in each raw file's PRAGMA application_id:
# a file stamped with the current one has every table and column already, so opening it skips the DDL. A crawl
# opens a file per site (db/shards.py), some thousand a night; the DDL and column checks cost milliseconds each.
RAW_SCHEMA_STAMP = (
    zlib.crc32(f"{schema.RAW_DDL}{schema.RAW_LIST_DDL}{sorted(schema.RAW_ADDED_COLUMNS.items())}".encode()) & 0x7FFFFFFF
)


def open_raw(path: Path) -> sqlite_utils.Database:
    """Return a raw-store file with its schema applied, upgraded in place if an older release made it."""

    def setup(db: sqlite_utils.Database) -> None:
        if db.execute("PRAGMA application_id").fetchone()[0] == RAW_SCHEMA_STAMP:
            return
        db.executescript(schema.RAW_DDL)
        db.executescript(schema.RAW_LIST_DDL)
        _add_missing_columns(db, schema.RAW_ADDED_COLUMNS)
        db.execute(f"PRAGMA user_version = {schema.RAW_SCHEMA_VERSION}")
        db.execute(f"PRAGMA application_id = {RAW_SCHEMA_STAMP}")

    return _apply(path, _connect(path), setup)


def _add_missing_columns(db: sqlite_utils.Database, added: dict[str, dict[str, str]]) -> None:
    # Checked again inside the write transaction: crawl subprocesses may open the same file at the same moment.
    for table, columns in added.items():
        if set(columns) <= {c.name for c in db[table].columns}:
            continue
        with transaction(db):
            have = {row[1] for row in db.execute(f"PRAGMA table_info([{table}])").fetchall()}
            for name, declaration in columns.items():
                if name not in have:
                    db.execute(f"ALTER TABLE [{table}] ADD COLUMN [{name}] {declaration}")


def _view_sql(name: str, select: str) -> str:
    return f"CREATE VIEW {name} AS {select}"


def _refresh_views(db: sqlite_utils.Database, views: dict[str, str]) -> None:
    """Create each view, or drop and create it again when its stored definition differs."""
    stored = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall())
    stale = {name: select for name, select in views.items() if stored.get(name) != _view_sql(name, select)}
    if not stale:
        return
    with transaction(db):
        for name, select in stale.items():
            db.execute(f"DROP VIEW IF EXISTS {name}")
            db.execute(_view_sql(name, select))


def _migrate(db: sqlite_utils.Database, migrations: dict[int, list[str]]) -> None:
    """Bring an existing database up to date, one version at a time, each step in one transaction."""
    if not db["documents"].exists():
        return  # a new file: the DDL creates the current schema
    current = db.execute("PRAGMA user_version").fetchone()[0]
    for version in sorted(v for v in migrations if v > max(current, 1)):
        with transaction(db):
            for statement in migrations[version]:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")


def open_corpus(path: Path) -> sqlite_utils.Database:
    """Return corpus.db with its schema and trigram FTS index applied."""

    def setup(db: sqlite_utils.Database) -> None:
        _migrate(db, schema.CORPUS_MIGRATIONS)
        db.executescript(schema.CORPUS_DDL)
        for added in schema.CORPUS_ADDED_COLUMNS.values():
            _add_missing_columns(db, added)
        _refresh_views(db, schema.CORPUS_VIEWS)
        if not db[schema.FTS_TABLE].exists():
            db["documents"].enable_fts(
                schema.FTS_COLUMNS, fts_version="FTS5", tokenize=schema.FTS_TOKENIZER, create_triggers=True
            )
        db.execute(f"PRAGMA user_version = {schema.CORPUS_SCHEMA_VERSION}")

    return _apply(path, _connect(path), setup)


def open_readonly(path: Path) -> sqlite_utils.Database:
    """Return a read-only handle on corpus.db (for stats, search, export) that never creates the file.

    A file an older release made is upgraded first (one read-write open), so readers see the current columns.
    """
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `zhcorpus crawl` and `zhcorpus clean` first")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    db = sqlite_utils.Database(conn)
    try:
        needs_upgrade = _corpus_needs_upgrade(db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseFileError(f"{path}: {exc}") from exc
    if needs_upgrade:
        conn.close()
        open_corpus(path).conn.close()
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        db = sqlite_utils.Database(conn)
    return db


def _corpus_needs_upgrade(db: sqlite_utils.Database) -> bool:
    if db.execute("PRAGMA user_version").fetchone()[0] < schema.CORPUS_SCHEMA_VERSION:
        return db["documents"].exists()
    for added in schema.CORPUS_ADDED_COLUMNS.values():
        for table, columns in added.items():
            if db[table].exists() and not set(columns) <= {c.name for c in db[table].columns}:
                return True
    return False


class transaction:  # noqa: N801 - used as a context manager, reads like a keyword
    """Run a block in one IMMEDIATE transaction: all of it lands, or none of it."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.conn = db.conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")

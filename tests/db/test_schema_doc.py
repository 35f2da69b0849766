"""db/SCHEMA.md must describe the real schema: every table, view and column, and nothing more."""

import re
from pathlib import Path

import pytest

from db.store import open_corpus, open_raw

SCHEMA_MD = Path(__file__).resolve().parents[2] / "db" / "SCHEMA.md"
FTS_SHADOW = re.compile(r"_(data|idx|docsize|config|content)$")


def documented() -> dict[str, dict[str, set[str]]]:
    """Parse SCHEMA.md into {db file: {table: {columns}}}."""
    out: dict[str, dict[str, set[str]]] = {}
    current_db = current_table = None
    for line in SCHEMA_MD.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^## (\w+\.db)\s*$", line):
            current_db, current_table = m.group(1), None
            out[current_db] = {}
        elif (m := re.match(r"^### `(\w+)`", line)) and current_db:
            current_table = m.group(1)
            out[current_db][current_table] = set()
        elif (m := re.match(r"^\| `(\w+)` \|", line)) and current_table:
            out[current_db][current_table].add(m.group(1))
    return out


def actual(db) -> dict[str, set[str]]:
    names = [
        row[0]
        for row in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall()
        if not row[0].startswith("sqlite_")
    ]
    fts = {name for name in names if name.endswith("_fts")}
    tables = {}
    for name in names:
        if name in fts:
            tables[name] = set()
        elif not (FTS_SHADOW.search(name) and FTS_SHADOW.sub("", name) in fts):  # SQLite's shadow tables
            tables[name] = {row[1] for row in db.execute(f"PRAGMA table_info([{name}])").fetchall()}
    return tables


@pytest.mark.parametrize("db_name,opener", [("raw.db", open_raw), ("corpus.db", open_corpus)])
def test_schema_md_matches_database(tmp_path, db_name, opener):
    db = opener(tmp_path / db_name)
    real = actual(db)
    doc = documented()[db_name]
    assert set(real) == set(doc), f"tables differ: real {sorted(real)} vs documented {sorted(doc)}"
    views = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall()}
    for table, columns in real.items():
        if table.endswith("_fts") or table in views:
            continue  # FTS and views are documented by prose; their columns come from documents
        assert columns == doc[table], (
            f"{db_name}.{table}: undocumented {columns - doc[table]}, documented but missing {doc[table] - columns}"
        )


def test_databases_use_wal(tmp_path):
    for opener, name in ((open_raw, "raw.db"), (open_corpus, "corpus.db")):
        db = opener(tmp_path / name)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

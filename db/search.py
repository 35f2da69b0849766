"""corpus.db search for every reader: the short-term index beside the trigram one, kept by CorpusStore.

FTS5's trigram tokenizer (``documents_fts``) finds terms of three characters or more; most Chinese words have
two (救助, 民政, 低保). ``documents_short_fts`` indexes each document's title and simplified text as Han
unigrams and bigrams (民政局 -> 民 民政 政 政局 局) and other text as unicode61 words, so a one- or two-character
term is one token, found by a plain ``MATCH`` in any SQLite, datasette included: no extension, no custom
tokenizer. It is contentless (``content=''``: no copy of the text) with ``detail=none`` (which documents hold
a token, not where: a one-token query needs no more), its rowid is ``documents.rowid``, and it is written
by ``db.corpus.CorpusStore`` (a trigger could not build the tokens without a Python function, which other
readers' SQLite would lack). Example SQL in db/SCHEMA.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlite_utils

from db.schema import SHORT_FTS_TABLE

# Bump when short_tokens changes: a stored index of another version is rebuilt from the documents.
SHORT_FTS_VERSION = 1
STATE_KEY = "short_fts_version"  # in dedup_state (facts about corpus.db's derived indexes)

# Han characters (CJK unified ideographs, extension A, compatibility ideographs, extensions B and later).
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
# The longest term the short index answers; longer ones go to the trigram index.
SHORT_TERM_MAX = 2


def short_tokens(text: str) -> str:
    """Return text for the short index: each Han character and each pair of adjacent ones as a word of its
    own, other text unchanged (unicode61 splits it into words)."""
    parts, pos = [], 0
    for m in HAN_RUN.finditer(text):
        parts.append(text[pos : m.start()])
        run = m.group()
        grams = [a + " " + a + b for a, b in zip(run, run[1:], strict=False)]
        grams.append(run[-1])
        parts.append(" " + " ".join(grams) + " ")
        pos = m.end()
    parts.append(text[pos:])
    return "".join(parts)


def add_rows(db: sqlite_utils.Database, rows: Iterable[tuple[int, str, str]]) -> None:
    """Index (rowid, title, text_hans) rows."""
    db.conn.executemany(
        f"INSERT INTO {SHORT_FTS_TABLE} (rowid, title, text_hans) VALUES (?, ?, ?)",
        ((rowid, short_tokens(title), short_tokens(text)) for rowid, title, text in rows),
    )


def delete_rows(db: sqlite_utils.Database, rows: Iterable[tuple[int, str, str]]) -> None:
    """Unindex (rowid, title, text_hans) rows as they were indexed (a contentless table needs the old values)."""
    db.conn.executemany(
        f"INSERT INTO {SHORT_FTS_TABLE} ({SHORT_FTS_TABLE}, rowid, title, text_hans) VALUES ('delete', ?, ?, ?)",
        ((rowid, short_tokens(title), short_tokens(text)) for rowid, title, text in rows),
    )


def ensure_short_index(db: sqlite_utils.Database, *, batch_size: int = 2000) -> bool:
    """Build the short index from the documents if it is missing or of another version (an upgraded
    corpus.db, once); return True if it was rebuilt. Run inside the caller's write transaction."""
    row = db.execute("SELECT value FROM dedup_state WHERE key = ?", [STATE_KEY]).fetchone()
    if row is not None and int(row[0]) == SHORT_FTS_VERSION:
        return False
    db.execute(f"INSERT INTO {SHORT_FTS_TABLE} ({SHORT_FTS_TABLE}) VALUES ('delete-all')")
    last = -1
    while True:
        sql = "SELECT rowid, title, text_hans FROM documents WHERE rowid > ? ORDER BY rowid LIMIT ?"
        rows = db.execute(sql, [last, batch_size]).fetchall()
        if not rows:
            break
        add_rows(db, rows)
        last = rows[-1][0]
    db.execute(
        "INSERT INTO dedup_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [STATE_KEY, str(SHORT_FTS_VERSION)],
    )
    return True


def fts_phrase(term: str) -> str:
    """Return a term as one FTS5 string (quoted), so its characters are never read as query syntax."""
    return '"' + term.replace('"', '""') + '"'

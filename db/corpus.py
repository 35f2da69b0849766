"""corpus.db: clean documents for downstream tools, with a trigram FTS index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from db.schema import FTS_TABLE
from db.store import open_corpus, open_readonly, transaction

# Columns compared to decide whether an upsert would change anything (idempotent re-cleans).
DOCUMENT_COLUMNS = (
    "id raw_page_id part url site_id column_name title published_at issuer doc_number text text_hans "
    "script attachments encoding encoding_confidence encoding_evidence repairs flags content_hash "
    "raw_sha256 pipeline_version first_seen last_seen"
).split()

# FTS5's trigram tokenizer needs at least three characters; shorter queries fall back to LIKE.
TRIGRAM_MIN_CHARS = 3


class CorpusStore:
    """Write documents idempotently and answer stats and search queries."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.db = open_readonly(self.path) if readonly else open_corpus(self.path)

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    def upsert_documents(self, page_ids: list[str], documents: list[dict]) -> dict[str, int]:
        """Replace the documents of these raw pages in one transaction; return inserted/updated/unchanged/removed."""
        counts = {"inserted": 0, "updated": 0, "unchanged": 0, "removed": 0}
        if not page_ids:
            return counts
        table = self.db["documents"]
        marks = ",".join("?" * len(page_ids))
        with transaction(self.db):
            existing = {
                row["id"]: row
                for row in self.db.query(f"SELECT * FROM documents WHERE raw_page_id IN ({marks})", page_ids)
            }
            new_ids = {doc["id"] for doc in documents}
            touched_hashes = {row["content_hash"] for row in existing.values()}
            for doc in documents:
                old = existing.get(doc["id"])
                touched_hashes.add(doc["content_hash"])
                if old is None:
                    table.insert(doc)
                    counts["inserted"] += 1
                elif any(old[col] != doc[col] for col in DOCUMENT_COLUMNS):
                    table.update(doc["id"], doc)
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
            # A page that no longer yields a part (or any document) loses the stale rows.
            for doc_id in set(existing) - new_ids:
                table.delete(doc_id)
                counts["removed"] += 1
            self._mark_duplicates(touched_hashes)
        return counts

    def touch_last_seen(self, seen: dict[str, str]) -> int:
        """Move documents' last_seen forward to their raw page's latest sighting; return rows changed."""
        current = self.db.query("SELECT DISTINCT raw_page_id, last_seen FROM documents")
        updates = [
            (seen[row["raw_page_id"]], row["raw_page_id"])
            for row in current
            if seen.get(row["raw_page_id"], "") > row["last_seen"]
        ]
        if updates:
            with transaction(self.db):
                self.db.conn.executemany("UPDATE documents SET last_seen = ? WHERE raw_page_id = ?", updates)
        return len(updates)

    def _mark_duplicates(self, hashes: set[str]) -> None:
        """Point exact duplicates at the earliest-seen document with the same content hash."""
        for content_hash in hashes:
            rows = list(
                self.db.query(
                    "SELECT id, duplicate_of FROM documents WHERE content_hash = ? ORDER BY first_seen, id",
                    [content_hash],
                )
            )
            if not rows:
                continue
            canonical = rows[0]["id"]
            for row in rows:
                want = None if row["id"] == canonical else canonical
                if row["duplicate_of"] != want:
                    self.db["documents"].update(row["id"], {"duplicate_of": want})

    def find_by_hash(self, content_hash: str) -> str | None:
        """Return the canonical document id holding this content hash, if any."""
        rows = list(
            self.db.query(
                "SELECT id FROM documents WHERE content_hash = ? ORDER BY first_seen, id LIMIT 1",
                [content_hash],
            )
        )
        return rows[0]["id"] if rows else None

    def stats(self) -> dict:
        """Return document counts overall and per site."""
        total = self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        unique = self.db.execute("SELECT COUNT(*) FROM documents WHERE duplicate_of IS NULL").fetchone()[0]
        sites = {
            row["site_id"]: row["n"]
            for row in self.db.query("SELECT site_id, COUNT(*) AS n FROM documents GROUP BY site_id ORDER BY site_id")
        }
        encodings = {
            row["encoding"]: row["n"]
            for row in self.db.query("SELECT encoding, COUNT(*) AS n FROM documents GROUP BY encoding ORDER BY n DESC")
        }
        return {
            "documents": total,
            "unique_documents": unique,
            "exact_duplicates": total - unique,
            "sites": sites,
            "encodings": encodings,
        }

    def iter_documents(self, *, canonical_only: bool = False, batch_size: int = 1000) -> Iterator[list[dict]]:
        """Yield documents in id order, `batch_size` rows at a time, JSON columns parsed."""
        source = "canonical_documents" if canonical_only else "documents"
        last_id = ""
        while True:
            rows = list(
                self.db.query(f"SELECT * FROM {source} WHERE id > ? ORDER BY id LIMIT ?", [last_id, batch_size])
            )
            if not rows:
                return
            yield [decode_json_columns(row) for row in rows]
            last_id = rows[-1]["id"]

    def search(self, query: str, *, limit: int = 20) -> list[dict]:
        """Return matching documents (id, site, title, url, snippet), best first."""
        query = query.strip()
        if not query:
            raise ValueError("empty search query")
        if len(query) >= TRIGRAM_MIN_CHARS:
            # Quote the query so FTS5 treats it as one phrase, not syntax.
            phrase = '"' + query.replace('"', '""') + '"'
            sql = f"""
                SELECT d.id, d.site_id, d.title, d.url, d.published_at,
                       snippet({FTS_TABLE}, 1, '【', '】', '…', 24) AS snippet
                FROM {FTS_TABLE} JOIN documents d ON d.rowid = {FTS_TABLE}.rowid
                WHERE {FTS_TABLE} MATCH ? ORDER BY rank LIMIT ?"""
            return list(self.db.query(sql, [phrase, limit]))
        sql = """SELECT id, site_id, title, url, published_at, substr(text_hans, 1, 60) AS snippet
                 FROM documents WHERE title LIKE ? OR text_hans LIKE ? ORDER BY published_at DESC LIMIT ?"""
        like = f"%{query}%"
        return list(self.db.query(sql, [like, like, limit]))


def decode_json_columns(row: dict) -> dict:
    """Return a document row with its JSON columns parsed (for export and display)."""
    out = dict(row)
    for col in ("attachments", "encoding_evidence", "repairs", "flags"):
        if isinstance(out.get(col), str):
            out[col] = json.loads(out[col])
    return out

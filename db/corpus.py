"""corpus.db: clean documents for downstream tools, with full-text search for terms of any length."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from db import search
from db.dedup_index import StoredIndex, apply_changes
from db.schema import CORPUS_ADDED_COLUMNS, FTS_TABLE, SHORT_FTS_TABLE
from db.store import open_corpus, open_readonly, transaction

# Columns compared to decide whether an upsert would change anything (idempotent re-cleans).
DOCUMENT_COLUMNS = (
    "id raw_page_id part url site_id column_name title published_at issuer doc_number text text_hans "
    "script attachments encoding encoding_confidence encoding_evidence repairs flags content_hash "
    "raw_sha256 pipeline_version first_seen last_seen"
).split() + [name for added in CORPUS_ADDED_COLUMNS.values() for name in added.get("documents", {})]

# ...plus the withdrawal marks: a withdrawn document that comes back is an update.
LIVE_COLUMNS = [*DOCUMENT_COLUMNS, "withdrawn_at", "withdrawn_reason"]

# The reason recorded on a part of a compilation page that no longer yields it, while the page yields others.
PART_GONE = "part_gone"

# FTS5's trigram tokenizer needs at least three characters; shorter terms use the short index (db/search.py).
TRIGRAM_MIN_CHARS = search.SHORT_TERM_MAX + 1
# Columns the search indexes hold: a change to one re-indexes the document.
SEARCH_COLUMNS = ("title", "text_hans")


class CorpusStore:
    """Write documents idempotently and answer stats and search queries."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.db = open_readonly(self.path) if readonly else open_corpus(self.path)
        if not readonly:
            with transaction(self.db):
                search.ensure_short_index(self.db)

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    def upsert_documents(
        self,
        page_ids: list[str],
        documents: list[dict],
        *,
        withdrawn: Mapping[str, str] | None = None,
        seen_at: Mapping[str, str] | None = None,
    ) -> dict[str, int]:
        """Write the documents of these raw pages in one transaction; return inserted/updated/unchanged/withdrawn.

        A document its page no longer yields is never deleted: its last text is kept in document_versions and
        the row is marked withdrawn (``withdrawn_at``, ``withdrawn_reason``: the page's drop reason from
        ``withdrawn``, else ``part_gone``), taken out of its cluster and off canonical_documents. ``seen_at``
        (page id -> crawl time) dates the withdrawal; a document that comes back is live again.
        """
        counts = {"inserted": 0, "updated": 0, "unchanged": 0, "withdrawn": 0, "versions_kept": 0}
        if not page_ids:
            return counts
        table = self.db["documents"]
        marks = ",".join("?" * len(page_ids))
        with transaction(self.db):
            existing = {
                row["id"]: row
                for row in self.db.query(f"SELECT * FROM documents WHERE raw_page_id IN ({marks})", page_ids)
            }
            rowids = {
                row[0]: row[1]
                for row in self.db.execute(f"SELECT id, rowid FROM documents WHERE raw_page_id IN ({marks})", page_ids)
            }
            new_ids = {doc["id"] for doc in documents}
            unindex, index = [], []  # (rowid, title, text_hans) for the short search index
            for doc in documents:
                doc = {**doc, "withdrawn_at": None, "withdrawn_reason": None}
                old = existing.get(doc["id"])
                if old is None:
                    table.insert(doc)
                    index.append((table.last_rowid, doc["title"], doc["text_hans"]))
                    counts["inserted"] += 1
                # a column the new row leaves out keeps its stored value
                elif any(old[col] != doc[col] for col in LIVE_COLUMNS if col in doc):
                    if old["raw_sha256"] != doc["raw_sha256"] and old["content_hash"] != doc["content_hash"]:
                        self._keep_version(old, replaced_at=doc["last_seen"])
                        counts["versions_kept"] += 1
                    table.update(doc["id"], doc)
                    if any(old[col] != doc[col] for col in SEARCH_COLUMNS):
                        unindex.append((rowids[doc["id"]], old["title"], old["text_hans"]))
                        index.append((rowids[doc["id"]], doc["title"], doc["text_hans"]))
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
            for doc_id in sorted(set(existing) - new_ids):
                old = existing[doc_id]
                if old["withdrawn_at"] is not None:
                    counts["unchanged"] += 1
                    continue
                page_id = old["raw_page_id"]
                at = (seen_at or {}).get(page_id) or old["last_seen"]
                self._keep_version(old, replaced_at=at)
                table.update(
                    doc_id,
                    {
                        "withdrawn_at": at,
                        "withdrawn_reason": (withdrawn or {}).get(page_id) or PART_GONE,
                        "is_canonical": 0,
                        "cluster_id": None,
                    },
                )
                counts["withdrawn"] += 1
            # withdrawn documents stay in documents, so in both search indexes (search leaves them out by default)
            search.delete_rows(self.db, unindex)
            search.add_rows(self.db, index)
        return counts

    def _keep_version(self, old: dict, *, replaced_at: str) -> None:
        """Copy a document's previous content into document_versions before it is overwritten."""
        self.db["document_versions"].upsert(
            {
                "id": old["id"],
                "content_hash": old["content_hash"],
                "title": old["title"],
                "published_at": old["published_at"],
                "text": old["text"],
                "text_hans": old["text_hans"],
                "raw_sha256": old["raw_sha256"],
                "pipeline_version": old["pipeline_version"],
                "first_seen": old["first_seen"],
                "replaced_at": replaced_at,
            },
            pk=("id", "content_hash"),
        )

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

    # -- near-duplicate clusters ------------------------------------------------------------------
    def dedup_store(self) -> StoredIndex:
        """Return the on-disk dedup index (db/dedup_index.py) over this corpus.db."""
        return StoredIndex(self.db)

    def documents_needing_dedup(self) -> list[dict]:
        """Return live documents without a signature, whose text changed since it, or left out of their cluster (a
        withdrawn document that came back before dedup ran), in arrival order."""
        return [row for batch in self.iter_documents_needing_dedup() for row in batch]

    def iter_documents_needing_dedup(self, batch_size: int = 4000) -> Iterator[list[dict]]:
        """Yield the documents needing dedup (see documents_needing_dedup) ``batch_size`` at a time: their
        ids and order are read first, texts a batch at a time (a rebuild reads a million of them)."""
        sql = """SELECT d.id FROM documents d LEFT JOIN dedup_signatures s ON s.id = d.id
                 WHERE (s.id IS NULL OR s.key_hash != substr(d.content_hash, 1, length(s.key_hash))
                        OR d.cluster_id IS NULL)
                   AND d.withdrawn_at IS NULL
                 ORDER BY d.first_seen, d.id"""
        ids = [row[0] for row in self.db.execute(sql)]
        columns = "id, text, title, site_id, published_at, issuer, doc_number, first_seen"
        for start in range(0, len(ids), batch_size):
            part = ids[start : start + batch_size]
            rows = {}
            for sub in range(0, len(part), 500):
                chunk = part[sub : sub + 500]
                query = f"SELECT {columns} FROM documents WHERE id IN ({','.join('?' * len(chunk))})"
                rows.update((r["id"], r) for r in self.db.query(query, chunk))
            yield [rows[i] for i in part if i in rows]

    def dedup_index_version(self) -> int | None:
        """Return the engine index version the stored signatures were made with (None: none stored)."""
        rows = list(self.db.query("SELECT value FROM dedup_state WHERE key = 'index_version'"))
        return int(rows[0]["value"]) if rows else None

    def reset_dedup(self) -> None:
        """Forget every signature, link and cluster (for a rebuild); documents become unplaced."""
        with transaction(self.db):
            for table in (
                "dedup_signatures",
                "dedup_bands",
                "dedup_anchors",
                "dedup_host_anchors",
                "document_links",
                "clusters",
            ):
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("DELETE FROM dedup_state WHERE key IN ('index_version', 'next_seq')")
            self.db.execute("UPDATE documents SET cluster_id = NULL, is_canonical = 1")

    def signatures_without_document(self) -> list[dict]:
        """Return (id, cluster_id) of signatures whose document no longer exists or was withdrawn."""
        sql = """SELECT s.id, s.cluster_id FROM dedup_signatures s LEFT JOIN documents d ON d.id = s.id
                 WHERE d.id IS NULL OR d.withdrawn_at IS NOT NULL"""
        return list(self.db.query(sql))

    def apply_dedup(
        self,
        changes,
        removed_ids: list[str],
        links: list[dict],
        linked_ids: list[str],
        clusters: list[dict],
        index_version: int,
        next_seq: int,
    ) -> None:
        """Write one dedup run in one transaction: the index's changes (``IndexChanges``: rows, buckets,
        postings), links, clusters and canonical flags."""
        with transaction(self.db):
            self.db["dedup_state"].upsert({"key": "index_version", "value": str(index_version)}, pk="key")
            apply_changes(self.db, changes, next_seq=next_seq)
            for start in range(0, len(removed_ids + linked_ids), 500):
                chunk = (removed_ids + linked_ids)[start : start + 500]
                marks = ",".join("?" * len(chunk))
                self.db.execute(
                    f"DELETE FROM document_links WHERE from_id IN ({marks}) OR to_id IN ({marks})", chunk + chunk
                )
            self.db["document_links"].upsert_all(links, pk=("from_id", "to_id", "relation"))
            for cluster in clusters:
                members = cluster.pop("member_ids")
                self.db["clusters"].upsert(cluster, pk="cluster_id")
                for start in range(0, len(members), 500):
                    chunk = members[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    self.db.execute(
                        f"UPDATE documents SET cluster_id = ?, is_canonical = (id = ?) WHERE id IN ({marks})"
                        " AND (cluster_id IS NOT ? OR is_canonical != (id = ?))",
                        [
                            cluster["cluster_id"],
                            cluster["canonical_id"],
                            *chunk,
                            cluster["cluster_id"],
                            cluster["canonical_id"],
                        ],
                    )
            # Clusters left without members (their documents were removed) disappear.
            self.db.execute(
                "DELETE FROM clusters WHERE cluster_id NOT IN (SELECT cluster_id FROM documents "
                "WHERE cluster_id IS NOT NULL)"
            )

    def stats(self) -> dict:
        """Return document counts overall, per site and per encoding, and dedup figures."""

        def scalar(sql: str) -> int:
            return self.db.execute(sql).fetchone()[0]

        sites = {
            row["site_id"]: row["n"]
            for row in self.db.query(
                "SELECT site_id, COUNT(*) AS n FROM documents WHERE withdrawn_at IS NULL "
                "GROUP BY site_id ORDER BY site_id"
            )
        }
        encodings = {
            row["encoding"]: row["n"]
            for row in self.db.query(
                "SELECT encoding, COUNT(*) AS n FROM documents WHERE withdrawn_at IS NULL "
                "GROUP BY encoding ORDER BY n DESC"
            )
        }
        links = {
            row["relation"]: row["n"]
            for row in self.db.query("SELECT relation, COUNT(*) AS n FROM document_links GROUP BY relation")
        }
        total = scalar("SELECT COUNT(*) FROM documents WHERE withdrawn_at IS NULL")
        canonical = scalar("SELECT COUNT(*) FROM canonical_documents")
        return {
            "documents": total,
            "canonical_documents": canonical,
            "duplicates": total - canonical,
            "withdrawn": scalar("SELECT COUNT(*) FROM documents WHERE withdrawn_at IS NOT NULL"),
            "sites": sites,
            "encodings": encodings,
            "dedup": {
                "clusters": scalar("SELECT COUNT(*) FROM clusters"),
                "clusters_with_reposts": scalar("SELECT COUNT(*) FROM clusters WHERE size > 1"),
                "not_yet_clustered": scalar(
                    "SELECT COUNT(*) FROM documents WHERE cluster_id IS NULL AND withdrawn_at IS NULL"
                ),
                "links": links,
                "versions_kept": scalar("SELECT COUNT(*) FROM document_versions"),
            },
        }

    def site_counts(self) -> dict[str, dict[str, int]]:
        """Return site id -> {documents, canonical}: the corpus per site."""
        sql = """SELECT site_id, COUNT(*) AS documents, SUM(is_canonical = 1) AS canonical
                 FROM documents GROUP BY site_id ORDER BY site_id"""
        return {row.pop("site_id"): row for row in self.db.query(sql)}

    def iter_documents(self, *, canonical_only: bool = False, batch_size: int = 1000) -> Iterator[list[dict]]:
        """Yield documents in id order, `batch_size` rows at a time, JSON columns parsed."""
        # documents, not the canonical_documents view: its leading rowid is the FTS key, no document column
        where = "is_canonical = 1 AND id > ?" if canonical_only else "id > ?"
        last_id = ""
        while True:
            sql = f"SELECT * FROM documents WHERE {where} ORDER BY id LIMIT ?"
            rows = list(self.db.query(sql, [last_id, batch_size]))
            if not rows:
                return
            yield [decode_json_columns(row) for row in rows]
            last_id = rows[-1]["id"]

    def search(
        self, query: str, *, limit: int = 20, canonical_only: bool = False, include_withdrawn: bool = False
    ) -> list[dict]:
        """Return matching documents (id, site, title, url, published_at, snippet): a term of three
        characters or more through the trigram index, best first; a shorter one through the short index
        (db/search.py), newest first. Withdrawn notices are left out unless ``include_withdrawn`` (the
        canonical view never holds them)."""
        query = query.strip()
        if not query:
            raise ValueError("empty search query")
        if canonical_only:
            source = "canonical_documents"
        elif include_withdrawn:
            source = "documents"
        else:
            source = "(SELECT rowid, * FROM documents WHERE withdrawn_at IS NULL)"
        if len(query) >= TRIGRAM_MIN_CHARS:
            # Quote the query so FTS5 treats it as one phrase, not syntax.
            sql = f"""
                SELECT d.id, d.site_id, d.title, d.url, d.published_at,
                       snippet({FTS_TABLE}, 1, '【', '】', '…', 24) AS snippet
                FROM {FTS_TABLE} JOIN {source} d ON d.rowid = {FTS_TABLE}.rowid
                WHERE {FTS_TABLE} MATCH ? ORDER BY rank LIMIT ?"""
            return list(self.db.query(sql, [search.fts_phrase(query), limit]))
        sql = f"""SELECT d.id, d.site_id, d.title, d.url, d.published_at, d.text_hans
                  FROM {SHORT_FTS_TABLE} s JOIN {source} d ON d.rowid = s.rowid
                  WHERE {SHORT_FTS_TABLE} MATCH ? ORDER BY d.published_at DESC, d.id LIMIT ?"""
        hits = []
        for row in self.db.query(sql, [search.fts_phrase(query), limit]):
            row["snippet"] = _snippet(row.pop("text_hans"), query)
            hits.append(row)
        return hits


def _snippet(text: str, term: str, width: int = 24) -> str:
    """Return the text around the term's first occurrence with the term in 【】 (as FTS5's snippet marks it)."""
    at = text.find(term)
    if at < 0:  # the term is in the title only
        return text[: 2 * width] + ("…" if len(text) > 2 * width else "")
    start, end = max(0, at - width), at + len(term) + width
    head = "…" if start else ""
    tail = "…" if end < len(text) else ""
    return f"{head}{text[start:at]}【{term}】{text[at + len(term) : end]}{tail}"


def decode_json_columns(row: dict) -> dict:
    """Return a document row with its JSON columns parsed (for export and display)."""
    out = dict(row)
    for col in ("attachments", "encoding_evidence", "repairs", "flags"):
        if isinstance(out.get(col), str):
            out[col] = json.loads(out[col])
    return out

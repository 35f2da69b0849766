"""The near-duplicate index on disk: rows, LSH band buckets and anchor postings in corpus.db tables.

``StoredIndex`` answers what ``cleaning.dedup.index.SignatureIndex`` asks of a store (``IndexStore``): rows by
seq, id, key hash or cluster, and the postings of given LSH band keys and anchors, each in one query for a
chunk's keys. Nothing reads a whole table: placing 10k new documents reads their buckets' postings and the
rows they name, whatever the corpus size. ``apply_changes`` writes one run's ``IndexChanges`` back (inside the
caller's transaction). Tables: ``dedup_signatures`` (one row per document), ``dedup_bands`` (LSH band key ->
seq), ``dedup_anchors`` (representatives' anchors -> seq), ``dedup_host_anchors`` (hosts' extra anchors ->
seq), described in db/SCHEMA.md. 64-bit keys are stored as SQLite's signed integers (the same bits).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import islice

import numpy as np
import sqlite_utils

# Columns of a row as SignatureIndex reads them (cleaning.dedup.index.ROW_COLUMNS, in that order).
ROW_SQL = (
    "seq, id, cluster_id, key_hash, key_len, signature, anchors, guards, site_id, published_at, is_authority, may_hold"
)
ROLE_NONE, ROLE_REP, ROLE_HOST = 0, 1, 2  # dedup_signatures.role: which postings the row is posted under
BATCH = 500  # ids or seqs per IN (...) list: below SQLite's bound-parameter limit


def _signed(keys: np.ndarray) -> list[int]:
    return np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64).tolist()


def _chunks(items: Sequence, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class StoredIndex:
    """An ``IndexStore`` over corpus.db's dedup tables (reads only; ``apply_changes`` writes)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.conn = db.conn

    def next_seq(self) -> int:
        """Return one more than the largest seq ever stored (kept in dedup_state: seqs are never reused)."""
        top = self.conn.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM dedup_signatures").fetchone()[0]
        row = self.conn.execute("SELECT value FROM dedup_state WHERE key = 'next_seq'").fetchone()
        return max(top, int(row[0]) if row else 0)

    def rows_by_seq(self, seqs: Sequence[int]) -> list[tuple]:
        """Return the stored rows of these seqs."""
        rows: list[tuple] = []
        for part in _chunks(list(seqs)):
            sql = f"SELECT {ROW_SQL} FROM dedup_signatures WHERE seq IN ({','.join('?' * len(part))})"
            rows += self.conn.execute(sql, part).fetchall()
        return rows

    def rows_by_cluster(self, cluster_ids: Sequence[str]) -> list[tuple]:
        """Return every stored row of these clusters."""
        rows: list[tuple] = []
        for part in _chunks(list(cluster_ids)):
            sql = f"SELECT {ROW_SQL} FROM dedup_signatures WHERE cluster_id IN ({','.join('?' * len(part))})"
            rows += self.conn.execute(sql, part).fetchall()
        return rows

    def seqs_of_ids(self, ids: Sequence[str]) -> dict[str, int]:
        """Return {id: seq} of stored ids."""
        out: dict[str, int] = {}
        for part in _chunks(list(ids)):
            sql = f"SELECT id, seq FROM dedup_signatures WHERE id IN ({','.join('?' * len(part))})"
            out.update(self.conn.execute(sql, part).fetchall())
        return out

    def first_seq_of_keys(self, key_hashes: Sequence[str], excluding: set[int]) -> dict[str, int]:
        """Return {key hash: smallest stored seq with it, outside excluding}."""
        out: dict[str, int] = {}
        for part in _chunks(list(key_hashes)):
            sql = f"""SELECT key_hash, seq FROM dedup_signatures WHERE key_hash IN ({",".join("?" * len(part))})
                      ORDER BY key_hash, seq"""
            for key, seq in self.conn.execute(sql, part):
                if key not in out and seq not in excluding:
                    out[key] = seq
        return out

    def cluster_exists(self, cluster_id: str) -> bool:
        """Return True if a stored row belongs to this cluster."""
        sql = "SELECT 1 FROM dedup_signatures WHERE cluster_id = ? LIMIT 1"
        return self.conn.execute(sql, [cluster_id]).fetchone() is not None

    def _limited(self, table: str, column: str, keys: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (key index, seq): up to ``limit`` smallest seqs per key, in one statement for all keys (the
        keys go in as one JSON array: SQLite's json_each reads it faster than a temporary table fills)."""
        if not len(keys):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        unique, inverse = np.unique(keys, return_inverse=True)
        sql = f"""SELECT q.key, (SELECT group_concat(seq) FROM (SELECT seq FROM {table} WHERE {column} = q.value
                                                              ORDER BY seq LIMIT {int(limit)}))
                  FROM json_each(?) q"""
        found = {i: seqs for i, seqs in self.conn.execute(sql, [json.dumps(_signed(unique))]) if seqs}
        return _expand(inverse, {i: [int(x) for x in seqs.split(",")] for i, seqs in found.items()})

    def band_postings(self, keys: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (key index, seq) of the ``cap`` earliest documents in each LSH bucket, and min(size, cap)."""
        key, seq = self._limited("dedup_bands", "band", keys, cap)
        return key, seq, np.bincount(key, minlength=len(keys)).astype(np.int64)

    def anchor_postings(self, keys: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (key index, seq) of representatives carrying each anchor carried by fewer than ``limit``,
        and per key min(carriers, limit)."""
        key, seq = self._limited("dedup_anchors", "anchor", keys, limit)
        totals = np.bincount(key, minlength=len(keys)).astype(np.int64)
        rare = totals[key] < limit
        return key[rare], seq[rare], totals

    def host_postings(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (key index, seq) of hosts posted under these anchors."""
        if not len(keys):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        unique, inverse = np.unique(keys, return_inverse=True)
        sql = "SELECT q.key, h.seq FROM json_each(?) q JOIN dedup_host_anchors h ON h.anchor = q.value"
        per_unique: dict[int, list[int]] = {}
        for i, seq in self.conn.execute(sql, [json.dumps(_signed(unique))]):
            per_unique.setdefault(i, []).append(seq)
        return _expand(inverse, per_unique)


def _expand(inverse: np.ndarray, per_unique: dict[int, list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Return (key index, seq) for every key (keys[k] is unique key inverse[k]) from the seqs per unique key."""
    if not per_unique:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    n_unique = int(inverse.max()) + 1 if len(inverse) else 0
    counts = np.zeros(n_unique, dtype=np.int64)
    flat, order = [], sorted(per_unique)
    for u in order:
        counts[u] = len(per_unique[u])
        flat.extend(per_unique[u])
    offsets = np.zeros(n_unique, dtype=np.int64)
    offsets[order] = np.cumsum([0] + [len(per_unique[u]) for u in order[:-1]])
    flat_seqs = np.asarray(flat, dtype=np.int64)
    lengths = counts[inverse]
    key_index = np.repeat(np.arange(len(inverse), dtype=np.int64), lengths)
    starts = np.repeat(offsets[inverse] - (np.cumsum(lengths) - lengths), lengths)
    return key_index, flat_seqs[starts + np.arange(len(key_index))]


def apply_changes(db: sqlite_utils.Database, changes, *, next_seq: int, batch: int = 8192) -> None:
    """Write one run's ``IndexChanges`` (inside the caller's transaction): removed rows and their postings
    go, rows are inserted or replaced, new documents' LSH keys are posted, roles are re-posted where they
    changed, and next_seq is kept (seqs are never reused). Streams: ``batch`` rows or roles at a time."""
    conn = db.conn
    _remove(conn, changes)
    insert = f"""INSERT INTO dedup_signatures ({ROW_SQL}, role, host_anchors) VALUES ({",".join("?" * 14)})
                 ON CONFLICT (seq) DO UPDATE SET cluster_id = excluded.cluster_id, may_hold = excluded.may_hold"""
    conn.executemany(insert, ((*row, ROLE_NONE, None) for row in changes.rows))
    for seqs, keys in changes.lsh:
        flat_keys = keys.ravel()
        flat_seqs = np.repeat(seqs, keys.shape[1])
        order = np.argsort(flat_keys, kind="stable")  # sorted inserts keep the B-tree writes local
        conn.executemany(
            "INSERT OR IGNORE INTO dedup_bands (band, seq) VALUES (?, ?)",
            zip(_signed(flat_keys[order]), flat_seqs[order].tolist(), strict=True),
        )
    roles = iter(changes.roles)
    while part := list(islice(roles, batch)):
        _apply_roles(conn, part)
    if changes.all_may_hold:
        conn.execute("UPDATE dedup_signatures SET may_hold = 1 WHERE may_hold = 0")
    conn.execute(
        "INSERT INTO dedup_state (key, value) VALUES ('next_seq', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [str(next_seq)],
    )


def _apply_roles(conn, roles: list[tuple[int, str, np.ndarray]]) -> None:
    """Re-post the members whose role (or posted anchors) changed."""
    old_roles = _stored_roles(conn, [seq for seq, _, _ in roles])
    unpost_rep, unpost_host, post_rep, post_host, updates = [], [], [], [], []
    for seq, role, anchors in roles:
        old_role, old_anchors = old_roles.get(seq, (ROLE_NONE, None))
        new_role = {"rep": ROLE_REP, "host": ROLE_HOST}.get(role, ROLE_NONE)
        new_blob = anchors.astype("<u8").tobytes() if new_role != ROLE_NONE else None
        if old_role == new_role and old_anchors == new_blob:
            continue
        if old_role == ROLE_REP:
            unpost_rep.append((seq, old_anchors))
        elif old_role == ROLE_HOST:
            unpost_host.append((seq, old_anchors))
        if new_role == ROLE_REP:
            post_rep.append((seq, new_blob))
        elif new_role == ROLE_HOST:
            post_host.append((seq, new_blob))
        updates.append((new_role, new_blob if new_role == ROLE_HOST else None, seq))
    _post(conn, "dedup_anchors", unpost_rep, delete=True)
    _post(conn, "dedup_host_anchors", unpost_host, delete=True)
    _post(conn, "dedup_anchors", post_rep)
    _post(conn, "dedup_host_anchors", post_host)
    conn.executemany("UPDATE dedup_signatures SET role = ?, host_anchors = ? WHERE seq = ?", updates)


def _stored_roles(conn, seqs: list[int]) -> dict[int, tuple[int, bytes | None]]:
    """Return {seq: (role, anchors it is posted under)} of stored rows."""
    out: dict[int, tuple[int, bytes | None]] = {}
    for part in _chunks(seqs):
        sql = f"""SELECT seq, role, CASE role WHEN {ROLE_REP} THEN anchors ELSE host_anchors END
                  FROM dedup_signatures WHERE seq IN ({",".join("?" * len(part))})"""
        for seq, role, blob in conn.execute(sql, part):
            out[seq] = (role, blob)
    return out


def _post(conn, table: str, entries: list[tuple[int, bytes | None]], *, delete: bool = False) -> None:
    """Insert (or delete) (anchor, seq) postings for each (seq, anchors blob)."""
    pairs = []
    for seq, blob in entries:
        if blob:
            pairs += [(a, seq) for a in np.frombuffer(blob, dtype="<u8").view(np.int64).tolist()]
    if not pairs:
        return
    pairs.sort()
    column = "anchor"
    if delete:
        conn.executemany(f"DELETE FROM {table} WHERE {column} = ? AND seq = ?", pairs)
    else:
        conn.executemany(f"INSERT OR IGNORE INTO {table} ({column}, seq) VALUES (?, ?)", pairs)


def _remove(conn, changes) -> None:
    """Delete removed rows and every posting of them (their LSH keys come with the changes)."""
    if len(changes.removed_lsh_seqs):
        seqs = np.repeat(changes.removed_lsh_seqs, changes.removed_lsh_keys.shape[1])
        conn.executemany(
            "DELETE FROM dedup_bands WHERE band = ? AND seq = ?",
            zip(_signed(changes.removed_lsh_keys.ravel()), seqs.tolist(), strict=True),
        )
    roles = _stored_roles(conn, changes.removed)
    _post(conn, "dedup_anchors", [(s, b) for s, (r, b) in roles.items() if r == ROLE_REP], delete=True)
    _post(conn, "dedup_host_anchors", [(s, b) for s, (r, b) in roles.items() if r == ROLE_HOST], delete=True)
    for part in _chunks(changes.removed):
        conn.execute(f"DELETE FROM dedup_signatures WHERE seq IN ({','.join('?' * len(part))})", part)

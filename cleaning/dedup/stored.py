"""The on-disk side of ``cleaning.dedup.index.SignatureIndex``: what a store of index rows offers, and the
columns, exact layer and postings of an index over one, which read stored rows only when first needed.

The store itself is SQL (``db/dedup_index.py``: LSH band buckets, anchor postings and rows in corpus.db
tables); ``cleaning/`` never imports ``db/``, so it is named here as a Protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from cleaning.dedup import minhash


class IndexStore(Protocol):
    """What an on-disk index offers ``SignatureIndex`` (``db.dedup_index.StoredIndex`` implements it)."""

    def next_seq(self) -> int:
        """Return the position of the next new document (greater than every stored seq)."""

    def rows_by_seq(self, seqs: Sequence[int]) -> list[tuple]:
        """Return the stored rows (``ROW_COLUMNS`` order) of these seqs."""

    def rows_by_cluster(self, cluster_ids: Sequence[str]) -> list[tuple]:
        """Return the stored rows of every member of these clusters."""

    def seqs_of_ids(self, ids: Sequence[str]) -> dict[str, int]:
        """Return {id: seq} for the ids that are stored."""

    def first_seq_of_keys(self, key_hashes: Sequence[str], excluding: set[int]) -> dict[str, int]:
        """Return {key hash: smallest seq holding it} over stored rows outside ``excluding``."""

    def cluster_exists(self, cluster_id: str) -> bool:
        """Return True if some stored row has this cluster id."""

    def band_postings(self, keys: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (key index, seq) of the ``cap`` smallest seqs per LSH band key, and per key min(count, cap)."""

    def anchor_postings(self, keys: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Like band_postings for representatives' anchors: all carriers of keys with fewer than ``limit``."""

    def host_postings(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (key index, seq) of hosts posted under these extra anchors."""


class OverStore(Protocol):
    """The side of an index over a store that the classes below use (``SignatureIndex`` is one)."""

    store: IndexStore
    removed: set[int]


class StoredColumn:
    """A per-position column of an on-disk index: stored positions (below ``base``) in a dict, filled by
    ``load`` on first use; new ones in a list. Reads like a list indexed by position."""

    __slots__ = ("base", "dense", "sparse", "load")

    def __init__(self, base: int, load: Callable[[Sequence[int]], None]) -> None:
        self.base = base
        self.dense: list = []
        self.sparse: dict = {}
        self.load = load

    def __len__(self) -> int:
        return self.base + len(self.dense)

    def __getitem__(self, pos: int):
        if pos >= self.base:
            return self.dense[pos - self.base]
        try:
            return self.sparse[pos]
        except KeyError:
            self.load([pos])
            return self.sparse[pos]

    def __setitem__(self, pos: int, value) -> None:
        if pos >= self.base:
            self.dense[pos - self.base] = value
        else:
            self.sparse[pos] = value

    def append(self, value) -> None:
        self.dense.append(value)


class StoredPositions:
    """``pos_of`` of an on-disk index: id -> position, asking the store for ids not seen yet."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self.known: dict[str, int | None] = {}

    def prefetch(self, ids: Iterable[str]) -> None:
        """Look up ids not asked before in one query."""
        todo = [i for i in dict.fromkeys(ids) if i not in self.known]
        if todo:
            found = self.store.seqs_of_ids(todo)
            for i in todo:
                self.known[i] = found.get(i)

    def get(self, doc_id: str, default: int | None = None) -> int | None:
        if doc_id not in self.known:
            self.prefetch([doc_id])
        pos = self.known[doc_id]
        return default if pos is None else pos

    def __getitem__(self, doc_id: str) -> int:
        pos = self.get(doc_id)
        if pos is None:
            raise KeyError(doc_id)
        return pos

    def __contains__(self, doc_id: str) -> bool:
        return self.get(doc_id) is not None

    def __setitem__(self, doc_id: str, pos: int) -> None:
        self.known[doc_id] = pos


class StoredExact:
    """``exact`` of an on-disk index: key hash -> first live position, stored rows first."""

    def __init__(self, index: OverStore) -> None:
        self.index = index
        self.known: dict[str, int | None] = {}

    def prefetch(self, key_hashes: Iterable[str]) -> None:
        """Look up key hashes not asked before in one query."""
        todo = [k for k in dict.fromkeys(key_hashes) if k not in self.known]
        if todo:
            found = self.index.store.first_seq_of_keys(todo, self.index.removed)
            for k in todo:
                self.known[k] = found.get(k)

    def get(self, key_hash: str, default: int | None = None) -> int | None:
        if key_hash not in self.known:
            self.prefetch([key_hash])
        pos = self.known[key_hash]
        return default if pos is None else pos

    def setdefault(self, key_hash: str, pos: int) -> int:
        current = self.get(key_hash)
        if current is None:
            self.known[key_hash] = current = pos
        return current

    def __setitem__(self, key_hash: str, pos: int) -> None:
        self.known[key_hash] = pos

    def __delitem__(self, key_hash: str) -> None:
        self.known[key_hash] = None


class StoredPostings:
    """Postings of an on-disk index: what the store holds (as the last run left them) plus what this run
    added in memory; lookups query the store for the given keys only."""

    def __init__(self, index: OverStore, kind: str) -> None:
        self.index = index
        self.kind = kind  # "lsh", "anchor" or "host"
        self.memory = minhash.SortedPostings()

    def add(self, keys: np.ndarray, positions: np.ndarray) -> None:
        self.memory.add(keys, positions)

    def lookup(
        self, keys: np.ndarray, owners: np.ndarray, *, cap: int | None = None, rare_below: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """As ``SortedPostings.lookup``; stored postings come first (their positions are the earliest, and
        this run adds to LSH buckets only new documents). Totals are exact below the cap or rare_below."""
        store = self.index.store
        if self.kind == "lsh":
            s_key, s_pos, s_tot = store.band_postings(keys, cap if cap is not None else 1 << 30)
        elif self.kind == "anchor":
            s_key, s_pos, s_tot = store.anchor_postings(keys, rare_below if rare_below is not None else 1 << 30)
        else:
            s_key, s_pos = store.host_postings(keys)
            s_tot = np.bincount(s_key, minlength=len(keys)).astype(np.int64)
        m_owner, m_pos, m_tot = self.memory.lookup(keys, np.arange(len(keys)), cap=None)
        totals = s_tot + m_tot
        keep_s = np.ones(len(s_key), dtype=bool)
        keep_m = np.ones(len(m_owner), dtype=bool)
        if rare_below is not None:
            keep_s &= totals[s_key] < rare_below
            keep_m &= totals[m_owner] < rare_below
        if cap is not None:  # the earliest cap per key: the stored ones, then this run's in order
            rank = _rank_within(m_owner)
            keep_m &= rank < np.maximum(cap - s_tot[m_owner], 0)
        key = np.concatenate([s_key[keep_s], m_owner[keep_m]])
        pos = np.concatenate([s_pos[keep_s], m_pos[keep_m]]).astype(np.int64)
        return owners[key], pos, totals

    def totals(self, keys: np.ndarray, cap: int) -> np.ndarray:
        """As ``SortedPostings.totals`` (the store counts up to the cap)."""
        _, _, totals = self.lookup(keys, np.arange(len(keys)), rare_below=cap)
        return np.minimum(totals, cap)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """Return each entry's rank among the entries of its group, in order (groups need not be sorted)."""
    if not len(groups):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    start = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    ranks_sorted = np.arange(len(g)) - np.repeat(start, np.diff(np.r_[start, len(g)]))
    ranks = np.empty(len(g), dtype=np.int64)
    ranks[order] = ranks_sorted
    return ranks


@dataclass
class IndexChanges:
    """What one run changed in an on-disk index (``SignatureIndex.changes``)."""

    rows: Iterable[tuple]  # ROW_COLUMNS rows to insert or replace (produced as they are written)
    removed: list[int]  # seqs whose rows (and postings) go
    lsh: Iterable[tuple[np.ndarray, np.ndarray]]  # (seqs of new documents with a signature, their LSH keys)
    roles: Iterable[tuple[int, str, np.ndarray]]  # (seq, "rep" | "host" | "none", anchors it is posted under)
    removed_lsh_seqs: np.ndarray  # removed documents with a signature ...
    removed_lsh_keys: np.ndarray  # ... and their LSH keys (their bucket postings go)
    all_may_hold: bool = False  # a representative changed: every stored row may hold another

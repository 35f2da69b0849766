"""Dedup index: signatures, LSH buckets, anchor postings and cluster membership of indexed documents.

``SignatureIndex`` is what ``cleaning.dedup.engine.DedupEngine`` reads and updates. It lives in memory
(``store=None``: a batch, ``zhcorpus dedup --jsonl``), compactly (numpy arrays for signatures and anchors,
shared by exact duplicates: ``cleaning/dedup/arrays.py``; one JSON blob per distinct guards), or over an
``IndexStore`` (the on-disk index in corpus.db, ``db/dedup_index.py``): then only the documents a run touches
are read (the candidates its LSH buckets and anchors name, their clusters) and the stored postings are queried
for the new documents' keys only, so placing 10k new documents costs in proportion to them, not to the corpus.
Positions are insertion order in both: a stored document's position is its ``seq``. ``to_rows`` /
``from_rows`` are the persistence format (``ROW_COLUMNS``, tagged with ``INDEX_VERSION``).
``choose_canonical`` picks a cluster's canonical document.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from cleaning.dedup import minhash
from cleaning.dedup.arrays import NO_ANCHORS, SignatureRows
from cleaning.dedup.guards import Guards
from cleaning.dedup.signatures import DocInput, Signature, missing_from
from cleaning.dedup.stored import IndexChanges, IndexStore, StoredColumn, StoredExact, StoredPositions, StoredPostings

# A host needs at least this many anchors its cluster's representative lacks (see SignatureIndex).
HOST_MIN_EXTRA = 3

# Bump when signatures, anchors or guards change meaning: persisted index rows of another version are
# rebuilt from the documents (jobs.dedup), never mixed with new ones.
INDEX_VERSION = 4  # 4: keys without page furniture, figures guard; may_hold persisted

CANONICAL_REASONS = ("only_member", "authority_site", "earliest_published", "most_complete", "lowest_id")

# Columns of one persisted index row, in order (see SignatureIndex.to_rows).
ROW_COLUMNS = (
    "seq",  # int: insertion order; rows are reloaded in this order (a stored document's position)
    "id",  # document id
    "cluster_id",  # id of the cluster's first document
    "key_hash",  # first 16 hex chars of sha256(dedup key): the exact layer
    "key_len",  # length of the dedup key in characters
    "signature",  # bytes: num_perm little-endian uint32, or None for short documents
    "anchors",  # bytes: sorted little-endian uint64 anchors (20-char windows), None for short documents
    "guards",  # JSON {"doc_numbers": [[prefix, year, number], ...], "years": {"2024": 3}, "figures": [...]}
    "site_id",  # for the canonical choice
    "published_at",  # ISO date or None
    "is_authority",  # 1 when published on the issuing authority's own site
    "may_hold",  # 1 when the document may hold another representative (see DedupEngine._mark_holders)
)
EMPTY_GUARDS = b'{"doc_numbers":[],"years":{}}'
# Per-position columns: (attribute, array typecode in memory, or None for a list of shared objects).
COLUMNS = (
    ("ids", None),
    ("alive", "b"),
    ("key_hash", None),
    ("key_len", "i"),
    ("site_id", None),
    ("published_at", None),
    ("is_authority", "b"),
    ("cluster_of", "i"),
    ("_has_sig", "b"),
    ("may_hold", "b"),
    ("_guards_json", None),
)


@dataclass(frozen=True)
class MemberInfo:
    """The facts the canonical choice looks at."""

    id: str
    site_id: str = ""
    published_at: str | None = None
    is_authority: bool = False
    key_len: int = 0


@dataclass
class ClusterInfo:
    """A cluster after an assign run: its canonical document, the reason, and its members in order."""

    cluster_id: str
    canonical_id: str
    canonical_reason: str
    member_ids: list[str]


def _canonical_sort_key(m: MemberInfo) -> tuple:
    return (not m.is_authority, m.published_at or "9999-99-99", -m.key_len, m.id)


def choose_canonical(members: Sequence[MemberInfo]) -> tuple[str, str]:
    """Return (canonical id, reason): authority site, then earliest published, then most complete text."""
    if not members:
        raise ValueError("empty cluster")
    ranked = sorted(members, key=_canonical_sort_key)
    best = ranked[0]
    if len(ranked) == 1:
        return best.id, "only_member"
    pool = list(ranked)
    if best.is_authority and not all(m.is_authority for m in pool):
        return best.id, "authority_site"
    pool = [m for m in pool if m.is_authority == best.is_authority]
    date = best.published_at or "9999-99-99"
    if any((m.published_at or "9999-99-99") != date for m in pool):
        return best.id, "earliest_published"
    if any(m.key_len != best.key_len for m in pool):
        return best.id, "most_complete"
    return best.id, "lowest_id"


@lru_cache(maxsize=1 << 13)  # a few MB: the candidates of a chunk, not every document
def parse_guards(blob: bytes) -> Guards:
    """Return the guards of a stored JSON blob (cached: candidates are compared again and again)."""
    return Guards.from_json(blob.decode("utf-8"))


class SignatureIndex:
    """Signatures, LSH buckets, anchors and cluster membership of every indexed document.

    Positions (0, 1, ...) follow insertion order; cluster ids are the id of the cluster's first member.
    Every document with a signature keeps its anchors. Two anchor postings find containment: the anchors
    of each cluster's representative (its first live member, the founder unless removed or split off), and
    the extra anchors of hosts (members longer than their representative holding at least
    ``HOST_MIN_EXTRA`` anchors it lacks: where a splice that joined a notice's cluster keeps its other
    notice). Both are functions of the persisted rows, so a reloaded index equals the one in memory.
    Persist with ``to_rows()`` (plain tuples in ``ROW_COLUMNS`` order) and rebuild with ``from_rows()``, or
    keep it in an ``IndexStore`` (``store``): then rows are read when first needed and ``changes()`` says
    what to write back.
    """

    def __init__(
        self, *, num_perm: int = 128, bands: int = 32, min_anchors: int = 6, store: IndexStore | None = None
    ) -> None:
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.num_perm = num_perm
        self.bands = bands
        self.rows_per_band = num_perm // bands
        self.min_anchors = min_anchors
        self.store = store
        self.base = store.next_seq() if store is not None else 0  # positions from here are new in this run
        self.removed: set[int] = set()  # stored positions removed in this run
        self.dirty: set[int] = set()  # stored positions whose row changed (cluster, may_hold)
        self.touched: set[int] = set()  # clusters whose roles (representative, hosts) may have changed
        for name, typecode in COLUMNS:
            if store is not None:
                column = StoredColumn(self.base, self.load)
            else:  # compact: machine integers for numbers and flags, shared strings for the others
                column = [] if typecode is None else array(typecode)
            setattr(self, name, column)
        self.pos_of: dict[str, int] | StoredPositions = {} if store is None else StoredPositions(store)
        self.exact: dict[str, int] | StoredExact = {} if store is None else StoredExact(self)
        self.cluster_ids: list[str] = []  # cluster number -> cluster id
        self.cluster_num: dict[str, int] = {}
        self.members: list[list[int]] = []  # cluster number -> member positions in order
        self.shortest: list[int] = []  # cluster number -> shortest live member with min_anchors anchors, or -1
        self._partial: set[int] = set()  # clusters whose stored members are not read yet (on-disk index)
        self._slot: dict[int, int] | None = None if store is None else {}  # position -> row of the arrays below
        # in memory, position -> row of the arrays below: exact duplicates and short documents share rows
        self._slot_of = array("I") if store is None else None
        self._rows = SignatureRows(num_perm)
        self._extra: dict[int, np.ndarray] = {}  # host position -> anchors its representative lacks
        self._blobs: dict[bytes, bytes] = {}  # distinct guards blobs
        if store is None:
            self.lsh = minhash.SortedPostings()
            self.anchor_postings = minhash.SortedPostings()  # representatives' anchors
            self.host_postings = minhash.SortedPostings()  # hosts' extra anchors (stale entries checked on use)
        else:
            self.lsh = StoredPostings(self, "lsh")
            self.anchor_postings = StoredPostings(self, "anchor")
            self.host_postings = StoredPostings(self, "host")

    def __len__(self) -> int:
        if self.store is not None:
            raise TypeError("the size of an on-disk index is its store's")
        return sum(self.alive)

    def __contains__(self, doc_id: str) -> bool:
        pos = self.pos_of.get(doc_id)
        return pos is not None and self.alive[pos]

    @property
    def next_pos(self) -> int:
        """Return the position the next appended document gets."""
        return len(self.ids)

    # -- reading
    def _slots(self, positions: np.ndarray) -> np.ndarray:
        if self._slot is None:
            if not len(positions):
                return positions
            return np.frombuffer(self._slot_of, dtype=np.uint32)[positions].astype(np.int64)
        missing = [p for p in positions.tolist() if p not in self._slot]
        if missing:
            self.load(missing)
        slot = self._slot
        return np.fromiter((slot[p] for p in positions.tolist()), dtype=np.int64, count=len(positions))

    def guards(self, pos: int) -> Guards:
        """Return the guards of the document at a position."""
        return parse_guards(self._guards_json[pos])

    def sig(self, pos: int) -> np.ndarray:
        """Return the MinHash row of a position (zeros for short documents)."""
        slot = self._slot_of[pos] if self._slot is None else self._slot.get(pos)
        if slot is None:
            self.load([pos])
            slot = self._slot[pos]
        return self._rows.sig(slot)

    def sigs(self, positions: np.ndarray) -> np.ndarray:
        """Return the MinHash rows of positions."""
        return self._rows.sigs(self._slots(np.asarray(positions, dtype=np.int64)))

    def signature(self, pos: int) -> np.ndarray | None:
        """Return the MinHash of a position, or None for short documents."""
        return self.sig(pos) if self._has_sig[pos] else None

    def anchors(self, pos: int) -> np.ndarray:
        """Return the anchors of a position (empty for short documents)."""
        slot = self._slot_of[pos] if self._slot is None else self._slot.get(pos)
        if slot is None:
            self.load([pos])
            slot = self._slot[pos]
        return self._rows.anchors(slot)

    def key_lens(self, positions: np.ndarray) -> np.ndarray:
        """Return the key lengths of positions."""
        if self._slot is None:
            return np.asarray(self.key_len, dtype=np.int64)[positions]
        self.load(positions.tolist())
        key_len = self.key_len
        return np.fromiter((key_len[p] for p in positions.tolist()), dtype=np.int64, count=len(positions))

    def alive_mask(self, positions: np.ndarray) -> np.ndarray:
        """Return whether each position is alive."""
        if self._slot is None:
            return np.asarray(self.alive, dtype=bool)[positions]
        self.load(positions.tolist())
        alive = self.alive
        return np.fromiter((alive[p] for p in positions.tolist()), dtype=bool, count=len(positions))

    def member_info(self, pos: int) -> MemberInfo:
        """Return the canonical-choice facts of a position."""
        return MemberInfo(
            self.ids[pos], self.site_id[pos], self.published_at[pos], self.is_authority[pos], self.key_len[pos]
        )

    def cluster(self, cluster_id: str) -> ClusterInfo:
        """Return a cluster's canonical document and reason, and its live members."""
        if cluster_id not in self.cluster_num and self.store is not None:
            self._load_clusters([cluster_id])
        live = self.live_members(self.cluster_num[cluster_id])
        if not live:
            return ClusterInfo(cluster_id, "", "empty", [])
        canonical, reason = choose_canonical([self.member_info(p) for p in live])
        return ClusterInfo(cluster_id, canonical, reason, [self.ids[p] for p in live])

    def live_members(self, cluster: int) -> list[int]:
        """Return the live member positions of a cluster in order."""
        return [p for p in self._members(cluster) if self.alive[p]]

    def representative(self, cluster: int) -> int:
        """Return the first live member of a cluster (its founder unless that was removed or split off)."""
        return next(p for p in self._members(cluster) if self.alive[p])

    def is_representative(self, pos: int) -> bool:
        """Return True if pos is the first live member of its cluster."""
        return self.representative(self.cluster_of[pos]) == pos

    # -- loading stored rows (on-disk index)
    def load(self, positions: Iterable[int]) -> None:
        """Read stored rows not read yet; their clusters' other members are read when first needed
        (``_members``): most candidates are only compared, never joined."""
        if self._slot is None:
            return
        slot = self._slot
        todo = [p for p in dict.fromkeys(positions) if p < self.base and p not in slot]
        if not todo:
            return
        rows = sorted(self.store.rows_by_seq(todo), key=lambda r: r[0])
        if len(rows) != len(todo):
            raise KeyError(f"stored index rows missing: {sorted(set(todo) - {r[0] for r in rows})[:5]}")
        for row in rows:
            self._put_stored(row, self._cluster_number(row[2], partial=True))

    def _load_clusters(self, cluster_ids: Sequence[str]) -> None:
        """Read every member of these clusters (see ``_members``)."""
        for c in cluster_ids:
            self._members(self._cluster_number(c, partial=True))

    def _members(self, cluster: int) -> list[int]:
        """Return a cluster's member positions, reading its stored members first if not read yet, and set
        its roles (shortest member, hosts) as a reload would."""
        if cluster in self._partial:
            self._partial.discard(cluster)
            for row in sorted(self.store.rows_by_cluster([self.cluster_ids[cluster]]), key=lambda r: r[0]):
                if row[0] not in self._slot:
                    self._put_stored(row, cluster)
                self.members[cluster].append(row[0])
            self._refresh_roles(cluster)
        return self.members[cluster]

    def _cluster_number(self, cluster_id: str, partial: bool = False) -> int:
        """Return a cluster's number, registering it (with its stored members still to read if partial)."""
        cluster = self.cluster_num.get(cluster_id)
        if cluster is None:
            cluster = len(self.cluster_ids)
            self.cluster_ids.append(cluster_id)
            self.cluster_num[cluster_id] = cluster
            self.members.append([])
            self.shortest.append(-1)
            if partial:
                self._partial.add(cluster)
        return cluster

    def shortest_of(self, cluster: int) -> int:
        """Return a cluster's shortest live member with enough anchors, or -1."""
        self._members(cluster)
        return self.shortest[cluster]

    def host_extra(self, pos: int) -> np.ndarray | None:
        """Return the anchors host pos holds beyond its representative's, or None if pos is no host."""
        if self._partial:
            self._members(self.cluster_of[pos])
        return self._extra.get(pos)

    def _put_stored(self, row: Sequence, cluster: int) -> None:
        seq, doc_id, _, key_hash, key_len, sig, anchors, guards, site, published, auth, may_hold = row
        for column, value in (
            (self.ids, doc_id),
            (self.alive, True),
            (self.key_hash, key_hash),
            (self.key_len, int(key_len)),
            (self.site_id, site or ""),
            (self.published_at, published),
            (self.is_authority, bool(auth)),
            (self.cluster_of, cluster),
            (self._has_sig, sig is not None),
            (self.may_hold, bool(may_hold)),
            (self._guards_json, _guards_bytes(guards)),
        ):
            column.sparse[seq] = value
        self.pos_of[doc_id] = seq
        self._slot[seq] = self._rows.add(sig, anchors)  # rows read from the store are few: none shared

    def _original(self, key_hash: str) -> tuple[int, str] | None:
        """Return (slot, key hash object) of the earlier document in memory with this key hash, if any: an exact
        duplicate shares both (a stored original not read yet is not read for this)."""
        pos = self.exact.get(key_hash)
        if pos is None:
            return None
        if self._slot is None:
            return self._slot_of[pos], self.key_hash[pos]
        slot = self._slot.get(pos)
        return None if slot is None else (slot, self.key_hash[pos])

    # -- writing
    def _append(self, sig: Signature, doc: DocInput | MemberInfo, minhash_row: np.ndarray | None) -> int:
        pos = self.next_pos
        original = self._original(sig.key_hash)
        self.ids.append(sig.id)
        self.pos_of[sig.id] = pos
        self.alive.append(True)
        self.key_hash.append(sig.key_hash if original is None else original[1])
        self.key_len.append(sig.key_len)
        self.site_id.append(sys.intern(doc.site_id or ""))
        self.published_at.append(sys.intern(doc.published_at) if doc.published_at else None)
        is_auth = doc.is_authority_site if isinstance(doc, DocInput) else doc.is_authority
        self.is_authority.append(bool(is_auth))
        self._guards_json.append(self._shared_blob(sig.guards.to_json().encode("utf-8")))
        self._has_sig.append(minhash_row is not None)
        self.may_hold.append(False)
        anchors = sig.anchors if minhash_row is not None else None
        slot = self._rows.add(minhash_row, anchors, None if original is None else original[0])
        if self._slot is None:
            self._slot_of.append(slot)
        else:
            self._slot[pos] = slot
        self.cluster_of.append(-1)
        self.exact.setdefault(sig.key_hash, pos)
        return pos

    def _shared_blob(self, blob: bytes) -> bytes:
        """Return one object per distinct guards blob (copies of a notice share theirs)."""
        return self._blobs.setdefault(blob, blob)

    def _join(self, pos: int, cluster: int) -> None:
        self.cluster_of[pos] = cluster
        self._members(cluster).append(pos)
        self._note(pos, cluster)
        short = self.shortest[cluster]
        if len(self.anchors(pos)) >= self.min_anchors and (short < 0 or self.key_len[pos] < self.key_len[short]):
            self.shortest[cluster] = pos

    def _note(self, pos: int, cluster: int) -> None:
        """Remember that a stored row and a cluster changed (written back by ``changes``)."""
        if self.store is not None:
            self.touched.add(cluster)
            if pos < self.base:
                self.dirty.add(pos)

    def set_may_hold(self, pos: int) -> None:
        """Mark that pos may hold another representative."""
        self.may_hold[pos] = True
        if self.store is not None and pos < self.base:
            self.dirty.add(pos)

    def _found(self, pos: int) -> int:
        cluster_id = self.ids[pos]
        n = 1
        while self._cluster_id_taken(cluster_id):  # a removed founder's id came back as a new document
            n += 1
            cluster_id = f"{self.ids[pos]}~{n}"
        cluster = len(self.cluster_ids)
        self.cluster_ids.append(cluster_id)
        self.cluster_num[cluster_id] = cluster
        self.members.append([])
        self.shortest.append(-1)
        self._join(pos, cluster)
        return cluster

    def _cluster_id_taken(self, cluster_id: str) -> bool:
        if cluster_id in self.cluster_num:
            return True
        return self.store is not None and self.store.cluster_exists(cluster_id)

    def _host_extra(self, pos: int, rep: int) -> np.ndarray | None:
        """Return the anchors of member pos its representative rep lacks, if pos is a host (see class doc)."""
        if pos == rep or self.key_len[pos] <= self.key_len[rep]:
            return None
        anchors = self.anchors(pos)
        if len(anchors) < self.min_anchors:
            return None
        extra = missing_from(anchors, self.anchors(rep))
        return extra if len(extra) >= HOST_MIN_EXTRA else None

    def _refresh_roles(self, cluster: int) -> tuple[int | None, list[int]]:
        """Recompute a cluster's shortest member and hosts after its representative or members changed;
        return (the representative if it has enough anchors to be indexed, new or changed hosts)."""
        live = self.live_members(cluster)
        self.shortest[cluster] = -1
        changed = []
        for p in live:
            short = self.shortest[cluster]
            if len(self.anchors(p)) >= self.min_anchors and (short < 0 or self.key_len[p] < self.key_len[short]):
                self.shortest[cluster] = p
            extra = self._host_extra(p, live[0])
            old = self._extra.pop(p, None)
            if extra is not None:
                self._extra[p] = extra
                if old is None or not np.array_equal(old, extra):
                    changed.append(p)
        rep = live[0] if live and len(self.anchors(live[0])) >= self.min_anchors else None
        return rep, changed

    def _index_lsh(self, positions: np.ndarray, keys: np.ndarray) -> None:
        self.lsh.add(keys.ravel(), np.repeat(positions, self.bands))

    def _index_anchors(self, founders: list[int], hosts: list[int]) -> None:
        """Add representatives' anchors and hosts' extra anchors to their postings."""
        if founders:
            parts = [self.anchors(p) for p in founders]
            owners = np.repeat(np.asarray(founders, dtype=np.int64), [len(a) for a in parts])
            self.anchor_postings.add(np.concatenate(parts), owners)
        hosts = [p for p in hosts if p in self._extra]
        if hosts:
            parts = [self._extra[p] for p in hosts]
            owners = np.repeat(np.asarray(hosts, dtype=np.int64), [len(a) for a in parts])
            self.host_postings.add(np.concatenate(parts), owners)

    def remove(self, ids: Iterable[str]) -> None:
        """Forget documents (e.g. a page whose text changed); their clusters keep their ids."""
        ids = list(ids)
        if isinstance(self.pos_of, StoredPositions):
            self.pos_of.prefetch(ids)
            self.load([p for p in (self.pos_of.get(i) for i in ids) if p is not None])
        founders, hosts = [], []
        for doc_id in ids:
            pos = self.pos_of.get(doc_id)
            if pos is None or not self.alive[pos]:
                continue
            was_rep = self.is_representative(pos)
            self.alive[pos] = False
            if self.store is not None and pos < self.base:
                self.removed.add(pos)
            self._extra.pop(pos, None)
            if self.exact.get(self.key_hash[pos]) == pos:
                self._reassign_exact(pos)
            cluster = self.cluster_of[pos]
            self._note(pos, cluster)
            if any(self.alive[p] for p in self.members[cluster]):
                rep, changed = self._refresh_roles(cluster)
                if was_rep and rep is not None:  # the next member represents the cluster, as after a reload
                    founders.append(rep)
                hosts += changed
        if founders:  # who holds a new representative is not known here: search them all, as after a reload
            self.all_may_hold()
        self._index_anchors(founders, hosts)

    def all_may_hold(self) -> None:
        """Mark every position as possibly holding another representative (after a representative changed)."""
        if self.store is None:
            self.may_hold = array("b", [1]) * len(self.ids)
            return
        self.may_hold.dense = [True] * len(self.may_hold.dense)
        for p in list(self.may_hold.sparse):
            self.may_hold.sparse[p] = True
        self.may_hold_everywhere = True

    may_hold_everywhere = False  # set when every stored row must get may_hold (changes())

    def _reassign_exact(self, pos: int) -> None:
        """Point the exact layer of pos's key hash at the next live document holding it, if any."""
        key = self.key_hash[pos]
        if self.store is not None:
            stored = self.store.first_seq_of_keys([key], self.removed).get(key)
            if stored is not None:
                self.exact[key] = stored
                return
        start = pos + 1 if self.store is None else self.base
        later = next((p for p in range(start, self.next_pos) if self.alive[p] and self.key_hash[p] == key), None)
        if later is not None:
            self.exact[key] = later
        else:
            del self.exact[key]

    def drop_members(self, cluster: int, leaving: set[int]) -> None:
        """Take members out of a cluster (they are about to join another)."""
        self.members[cluster] = [p for p in self._members(cluster) if p not in leaving]
        if self.store is not None:
            self.touched.add(cluster)

    # -- persistence
    def to_rows(self, ids: Iterable[str] | None = None) -> list[tuple]:
        """Return plain rows (``ROW_COLUMNS`` order) for live documents, all or only ``ids``."""
        if ids is None:
            if self.store is not None:
                raise TypeError("an on-disk index writes back changes(), not every row")
            positions = range(len(self.ids))
        else:
            positions = sorted(self.pos_of[i] for i in ids)
        return [self._row(pos) for pos in positions if self.alive[pos]]

    rows = to_rows

    def _row(self, pos: int) -> tuple:
        anchors = self.anchors(pos)
        return (
            pos,
            self.ids[pos],
            self.cluster_ids[self.cluster_of[pos]],
            self.key_hash[pos],
            self.key_len[pos],
            self.sig(pos).astype("<u4").tobytes() if self._has_sig[pos] else None,
            anchors.astype("<u8").tobytes() if self._has_sig[pos] else None,
            self._guards_json[pos].decode("utf-8"),
            self.site_id[pos],
            self.published_at[pos],
            int(self.is_authority[pos]),
            int(self.may_hold[pos]),
        )

    def changes(self, batch: int = 8192) -> IndexChanges:
        """Return what a run changed in an on-disk index: rows to write (new documents, and stored ones
        whose cluster or may_hold changed), rows removed, LSH keys of the new documents, and the roles
        (representatives' anchors, hosts' extra anchors) of every member of the clusters touched. Rows, keys
        and roles are produced ``batch`` at a time as the writer consumes them (a rebuild of a million
        documents never holds them all twice)."""
        if self.store is None:  # a memory index written to an empty store (a first run or a rebuild)
            self.touched = set(range(len(self.cluster_ids)))
        for cluster in sorted(self.touched):
            self._refresh_roles(cluster)  # hosts as a reload would find them
        gone = np.asarray([p for p in sorted(self.removed) if self._has_sig[p]], dtype=np.int64)
        return IndexChanges(
            rows=self._changed_rows(),
            removed=sorted(self.removed),
            lsh=self._new_band_keys(batch),
            roles=self._roles(),
            removed_lsh_seqs=gone,
            removed_lsh_keys=self._band_keys(gone),
            all_may_hold=self.may_hold_everywhere,
        )

    def _changed_rows(self) -> Iterator[tuple]:
        """Yield stored rows that changed, then the new ones (every row of a memory index)."""
        for p in sorted(self.dirty):
            if p not in self.removed and self.alive[p]:
                yield self._row(p)
        for p in range(self.base, self.next_pos):
            if self.alive[p]:
                yield self._row(p)

    def _new_band_keys(self, batch: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(self.base, self.next_pos, batch):
            span = range(start, min(start + batch, self.next_pos))
            seqs = np.asarray([p for p in span if self.alive[p] and self._has_sig[p]], dtype=np.int64)
            if len(seqs):
                yield seqs, self._band_keys(seqs)

    def _roles(self) -> Iterator[tuple[int, str, np.ndarray]]:
        for cluster in sorted(self.touched):
            live = self.live_members(cluster)
            if not live:
                continue
            rep = live[0] if len(self.anchors(live[0])) >= self.min_anchors else None
            for p in live:
                if p == rep:
                    yield p, "rep", self.anchors(p)
                elif p in self._extra:
                    yield p, "host", self._extra[p]
                else:
                    yield p, "none", NO_ANCHORS

    def _band_keys(self, positions: np.ndarray) -> np.ndarray:
        if not len(positions):
            return np.zeros((0, self.bands), dtype=np.uint64)
        return minhash.band_keys(self.sigs(positions), self.bands, self.rows_per_band)

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Sequence],
        *,
        num_perm: int = 128,
        bands: int = 32,
        anchor_df_cap: int = 16,
        min_anchors: int = 6,
    ) -> SignatureIndex:
        """Return an index rebuilt from ``to_rows()`` output (tuples or mappings, any order; rows without
        ``may_hold`` count as may-hold).

        ``anchor_df_cap`` is accepted for compatibility; document frequencies are counted when assigning.
        """
        index = cls(num_perm=num_perm, bands=bands, min_anchors=min_anchors)
        rows = [_as_row(r) for r in rows]
        rows.sort(key=lambda r: r[0])
        for _seq, doc_id, cluster_id, key_hash, key_len, sig, anchors, guards, site, published, auth, hold in rows:
            pos = len(index.ids)
            original = index._original(key_hash)
            index.ids.append(doc_id)
            index.pos_of[doc_id] = pos
            index.alive.append(True)
            index.key_hash.append(key_hash if original is None else original[1])
            index.key_len.append(int(key_len))
            index.site_id.append(sys.intern(site or ""))
            index.published_at.append(sys.intern(published) if published else None)
            index.is_authority.append(bool(auth))
            index._guards_json.append(index._shared_blob(_guards_bytes(guards)))
            index._has_sig.append(sig is not None)
            index.may_hold.append(bool(hold))
            index._slot_of.append(index._rows.add(sig, anchors, None if original is None else original[0]))
            index.exact.setdefault(key_hash, pos)
            cluster = index.cluster_num.get(cluster_id)
            if cluster is None:
                cluster = len(index.cluster_ids)
                index.cluster_ids.append(cluster_id)
                index.cluster_num[cluster_id] = cluster
                index.members.append([])
                index.shortest.append(-1)
            index.cluster_of.append(cluster)
            index.members[cluster].append(pos)
        with_sig = np.flatnonzero(np.asarray(index._has_sig, dtype=bool))
        if len(with_sig):
            keys = minhash.band_keys(index.sigs(with_sig), bands, num_perm // bands)
            index._index_lsh(with_sig.astype(np.int64), keys)
        founders, hosts = [], []
        for cluster in range(len(index.members)):
            rep, changed = index._refresh_roles(cluster)
            if rep is not None:
                founders.append(rep)
            hosts += changed
        index._index_anchors(sorted(founders), sorted(hosts))
        return index


def _guards_bytes(guards: str | bytes | None) -> bytes:
    if guards is None:
        return EMPTY_GUARDS
    return guards if isinstance(guards, bytes) else guards.encode("utf-8")


def _as_row(r: Sequence | dict) -> tuple:
    """Return a row as a ROW_COLUMNS tuple (from a tuple or a mapping; may_hold 1 when absent)."""
    if hasattr(r, "keys"):
        return tuple(r[c] if c in r.keys() else 1 for c in ROW_COLUMNS)
    r = tuple(r)
    return r if len(r) == len(ROW_COLUMNS) else (*r, 1)

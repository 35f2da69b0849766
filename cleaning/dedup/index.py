"""Dedup index: signatures, LSH buckets, anchor postings and cluster membership of indexed documents.

``SignatureIndex`` is what ``cleaning.dedup.engine.DedupEngine`` reads and updates; ``to_rows`` / ``from_rows``
are its persistence format (``ROW_COLUMNS``, tagged with ``INDEX_VERSION``). ``choose_canonical`` picks a
cluster's canonical document.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from cleaning.dedup import minhash
from cleaning.dedup.guards import Guards
from cleaning.dedup.signatures import NO_ANCHORS, DocInput, Signature, missing_from

# A host needs at least this many anchors its cluster's representative lacks (see SignatureIndex).
HOST_MIN_EXTRA = 3

# Bump when signatures, anchors or guards change meaning: persisted index rows of another version are
# rebuilt from the documents (jobs.dedup), never mixed with new ones.
INDEX_VERSION = 4  # 4: keys without page furniture, figures guard

CANONICAL_REASONS = ("only_member", "authority_site", "earliest_published", "most_complete", "lowest_id")

# Columns of one persisted index row, in order (see SignatureIndex.to_rows).
ROW_COLUMNS = (
    "seq",  # int: insertion order; rows are reloaded in this order
    "id",  # document id
    "cluster_id",  # id of the cluster's first document
    "key_hash",  # first 16 hex chars of sha256(dedup key): the exact layer
    "key_len",  # length of the dedup key in characters
    "signature",  # bytes: num_perm little-endian uint32, or None for short documents
    "anchors",  # bytes: sorted little-endian uint64 anchors (20-char windows), None for short documents
    "guards",  # JSON {"doc_numbers": [[prefix, year, number], ...], "years": {"2024": 3}}
    "site_id",  # for the canonical choice
    "published_at",  # ISO date or None
    "is_authority",  # 1 when published on the issuing authority's own site
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


class SignatureIndex:
    """Signatures, LSH buckets, anchors and cluster membership of every indexed document.

    Positions (0, 1, ...) follow insertion order; cluster ids are the id of the cluster's first member.
    Every document with a signature keeps its anchors. Two anchor postings find containment: the anchors
    of each cluster's representative (its first live member, the founder unless removed or split off), and
    the extra anchors of hosts (members longer than their representative holding at least
    ``HOST_MIN_EXTRA`` anchors it lacks: where a splice that joined a notice's cluster keeps its other
    notice). Both are functions of the persisted rows, so a reloaded index equals the one in memory.
    Persist with ``to_rows()`` (plain tuples in ``ROW_COLUMNS`` order) and rebuild with ``from_rows()``.
    """

    def __init__(self, *, num_perm: int = 128, bands: int = 32, min_anchors: int = 6) -> None:
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.num_perm = num_perm
        self.bands = bands
        self.rows_per_band = num_perm // bands
        self.min_anchors = min_anchors
        self.ids: list[str] = []
        self.pos_of: dict[str, int] = {}
        self.alive: list[bool] = []
        self.key_hash: list[str] = []
        self.key_len: list[int] = []
        self.site_id: list[str] = []
        self.published_at: list[str | None] = []
        self.is_authority: list[bool] = []
        self.cluster_of: list[int] = []  # cluster number per position
        self.cluster_ids: list[str] = []  # cluster number -> cluster id
        self.cluster_num: dict[str, int] = {}
        self.members: list[list[int]] = []  # cluster number -> member positions in order
        self.shortest: list[int] = []  # cluster number -> shortest live member with min_anchors anchors, or -1
        self.exact: dict[str, int] = {}  # key hash -> first position with it
        self._guards_json: list[str | None] = []
        self._guards: dict[int, Guards] = {}
        self._sigs = np.zeros((0, num_perm), dtype=np.uint32)
        self._has_sig: list[bool] = []
        self._anchors: dict[int, np.ndarray] = {}  # position -> its anchors (documents with a signature)
        self._extra: dict[int, np.ndarray] = {}  # host position -> anchors its representative lacks
        # per position: may hold another representative (a second source), see DedupEngine._mark_holders;
        # True for every position of a reloaded index, whose history is not stored
        self.may_hold: list[bool] = []
        self.lsh = minhash.SortedPostings()
        self.anchor_postings = minhash.SortedPostings()  # representatives' anchors
        self.host_postings = minhash.SortedPostings()  # hosts' extra anchors (stale entries are checked on use)

    def __len__(self) -> int:
        return sum(self.alive)

    def __contains__(self, doc_id: str) -> bool:
        pos = self.pos_of.get(doc_id)
        return pos is not None and self.alive[pos]

    # -- reading
    def guards(self, pos: int) -> Guards:
        """Return the guards of the document at a position (parsed lazily after a reload)."""
        g = self._guards.get(pos)
        if g is None:
            g = Guards.from_json(self._guards_json[pos] or '{"doc_numbers":[],"years":{}}')
            self._guards[pos] = g
        return g

    def signature(self, pos: int) -> np.ndarray | None:
        """Return the MinHash of a position, or None for short documents."""
        return self._sigs[pos] if self._has_sig[pos] else None

    def anchors(self, pos: int) -> np.ndarray:
        """Return the anchors of a position (empty for short documents)."""
        return self._anchors.get(pos, NO_ANCHORS)

    def member_info(self, pos: int) -> MemberInfo:
        """Return the canonical-choice facts of a position."""
        return MemberInfo(
            self.ids[pos], self.site_id[pos], self.published_at[pos], self.is_authority[pos], self.key_len[pos]
        )

    def cluster(self, cluster_id: str) -> ClusterInfo:
        """Return a cluster's canonical document and reason, and its live members."""
        live = self.live_members(self.cluster_num[cluster_id])
        if not live:
            return ClusterInfo(cluster_id, "", "empty", [])
        canonical, reason = choose_canonical([self.member_info(p) for p in live])
        return ClusterInfo(cluster_id, canonical, reason, [self.ids[p] for p in live])

    def live_members(self, cluster: int) -> list[int]:
        """Return the live member positions of a cluster in order."""
        return [p for p in self.members[cluster] if self.alive[p]]

    def representative(self, cluster: int) -> int:
        """Return the first live member of a cluster (its founder unless that was removed or split off)."""
        return next(p for p in self.members[cluster] if self.alive[p])

    def is_representative(self, pos: int) -> bool:
        """Return True if pos is the first live member of its cluster."""
        return self.representative(self.cluster_of[pos]) == pos

    # -- writing
    def _append(self, sig: Signature, doc: DocInput | MemberInfo, minhash_row: np.ndarray | None) -> int:
        pos = len(self.ids)
        self.ids.append(sig.id)
        self.pos_of[sig.id] = pos
        self.alive.append(True)
        self.key_hash.append(sig.key_hash)
        self.key_len.append(sig.key_len)
        self.site_id.append(doc.site_id or "")
        self.published_at.append(doc.published_at)
        is_auth = doc.is_authority_site if isinstance(doc, DocInput) else doc.is_authority
        self.is_authority.append(bool(is_auth))
        self._guards_json.append(None)
        self._guards[pos] = sig.guards
        self._has_sig.append(minhash_row is not None)
        self.may_hold.append(False)
        if minhash_row is not None:
            self._anchors[pos] = sig.anchors
        self.cluster_of.append(-1)
        self.exact.setdefault(sig.key_hash, pos)
        return pos

    def _grow_sigs(self, rows: np.ndarray) -> None:
        self._sigs = np.concatenate([self._sigs, rows]) if len(self._sigs) else rows.copy()

    def _join(self, pos: int, cluster: int) -> None:
        self.cluster_of[pos] = cluster
        self.members[cluster].append(pos)
        short = self.shortest[cluster]
        if len(self.anchors(pos)) >= self.min_anchors and (short < 0 or self.key_len[pos] < self.key_len[short]):
            self.shortest[cluster] = pos

    def _found(self, pos: int) -> int:
        cluster_id = self.ids[pos]
        n = 1
        while cluster_id in self.cluster_num:  # a removed founder's id came back as a new document
            n += 1
            cluster_id = f"{self.ids[pos]}~{n}"
        cluster = len(self.cluster_ids)
        self.cluster_ids.append(cluster_id)
        self.cluster_num[cluster_id] = cluster
        self.members.append([])
        self.shortest.append(-1)
        self._join(pos, cluster)
        return cluster

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
            parts = [self._anchors[p] for p in founders]
            owners = np.repeat(np.asarray(founders, dtype=np.int64), [len(a) for a in parts])
            self.anchor_postings.add(np.concatenate(parts), owners)
        hosts = [p for p in hosts if p in self._extra]
        if hosts:
            parts = [self._extra[p] for p in hosts]
            owners = np.repeat(np.asarray(hosts, dtype=np.int64), [len(a) for a in parts])
            self.host_postings.add(np.concatenate(parts), owners)

    def remove(self, ids: Iterable[str]) -> None:
        """Forget documents (e.g. a page whose text changed); their clusters keep their ids."""
        founders, hosts = [], []
        for doc_id in ids:
            pos = self.pos_of.get(doc_id)
            if pos is None or not self.alive[pos]:
                continue
            was_rep = self.is_representative(pos)
            self.alive[pos] = False
            self._extra.pop(pos, None)
            if self.exact.get(self.key_hash[pos]) == pos:
                later = [
                    p for p in range(pos + 1, len(self.ids)) if self.alive[p] and self.key_hash[p] == self.key_hash[pos]
                ]
                if later:
                    self.exact[self.key_hash[pos]] = later[0]
                else:
                    del self.exact[self.key_hash[pos]]
            cluster = self.cluster_of[pos]
            if any(self.alive[p] for p in self.members[cluster]):
                rep, changed = self._refresh_roles(cluster)
                if was_rep and rep is not None:  # the next member represents the cluster, as after a reload
                    founders.append(rep)
                hosts += changed
        if founders:  # who holds a new representative is not known here: search them all, as after a reload
            self.may_hold = [True] * len(self.ids)
        self._index_anchors(founders, hosts)

    # -- persistence
    def to_rows(self, ids: Iterable[str] | None = None) -> list[tuple]:
        """Return plain rows (``ROW_COLUMNS`` order) for live documents, all or only ``ids``."""
        positions = range(len(self.ids)) if ids is None else sorted(self.pos_of[i] for i in ids)
        rows = []
        for pos in positions:
            if not self.alive[pos]:
                continue
            anchors = self._anchors.get(pos)
            rows.append(
                (
                    pos,
                    self.ids[pos],
                    self.cluster_ids[self.cluster_of[pos]],
                    self.key_hash[pos],
                    self.key_len[pos],
                    self._sigs[pos].astype("<u4").tobytes() if self._has_sig[pos] else None,
                    anchors.astype("<u8").tobytes() if anchors is not None else None,
                    self._guards_json[pos] or self.guards(pos).to_json(),
                    self.site_id[pos],
                    self.published_at[pos],
                    int(self.is_authority[pos]),
                )
            )
        return rows

    rows = to_rows

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
        """Return an index rebuilt from ``to_rows()`` output (tuples or mappings, any order).

        ``anchor_df_cap`` is accepted for compatibility; document frequencies are counted when assigning.
        """
        index = cls(num_perm=num_perm, bands=bands, min_anchors=min_anchors)
        rows = [tuple(r[c] for c in ROW_COLUMNS) if hasattr(r, "keys") else tuple(r) for r in rows]
        rows.sort(key=lambda r: r[0])
        sig_bytes = num_perm * 4
        blank = bytes(sig_bytes)
        blobs = []
        for _seq, doc_id, cluster_id, key_hash, key_len, sig, anchors, guards, site, published, auth in rows:
            pos = len(index.ids)
            index.ids.append(doc_id)
            index.pos_of[doc_id] = pos
            index.alive.append(True)
            index.key_hash.append(key_hash)
            index.key_len.append(int(key_len))
            index.site_id.append(site or "")
            index.published_at.append(published)
            index.is_authority.append(bool(auth))
            index._guards_json.append(guards)
            index._has_sig.append(sig is not None)
            index.may_hold.append(True)
            if sig is not None and len(sig) != sig_bytes:
                raise ValueError(f"row {doc_id}: signature has {len(sig)} bytes, expected {sig_bytes}")
            blobs.append(sig if sig is not None else blank)
            index.exact.setdefault(key_hash, pos)
            if anchors is not None:
                index._anchors[pos] = np.frombuffer(anchors, dtype="<u8").astype(np.uint64)
            cluster = index.cluster_num.get(cluster_id)
            if cluster is None:
                cluster = len(index.cluster_ids)
                index.cluster_ids.append(cluster_id)
                index.cluster_num[cluster_id] = cluster
                index.members.append([])
                index.shortest.append(-1)
            index.cluster_of.append(cluster)
            index.members[cluster].append(pos)
        n = len(index.ids)
        index._sigs = np.frombuffer(b"".join(blobs), dtype="<u4").astype(np.uint32).reshape(n, num_perm)
        with_sig = np.flatnonzero(np.asarray(index._has_sig, dtype=bool))
        if len(with_sig):
            keys = minhash.band_keys(index._sigs[with_sig], bands, num_perm // bands)
            index._index_lsh(with_sig.astype(np.int64), keys)
        founders, hosts = [], []
        for cluster in range(len(index.members)):
            rep, changed = index._refresh_roles(cluster)
            if rep is not None:
                founders.append(rep)
            hosts += changed
        index._index_anchors(sorted(founders), sorted(hosts))
        return index

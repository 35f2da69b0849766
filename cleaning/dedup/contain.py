"""Dedup containment: which documents hold most of another (splices, compilations), never membership.

``ContainmentRules`` holds the engine's read-only containment queries (``cleaning.dedup.engine.DedupEngine``
subclasses it and does the placing and splitting): candidates are representatives sharing rare anchors
(``OldCarriers`` for the indexed ones, ``ChunkState`` for those of the chunk being placed) or hosts (members
holding anchors their representative lacks, see ``cleaning.dedup.index.SignatureIndex``); a share is the
smaller side's anchors found in the larger's, checked only when a MinHash estimate comes close enough.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from cleaning.dedup.guards import containment_conflict
from cleaning.dedup.index import SignatureIndex
from cleaning.dedup.signatures import Signature, count_common, missing_from

# A founder held by a splice is a second source (another notice) when less than this share of it is in
# the notice the splice is matched with; more means a shorter copy of the same notice (a split cluster).
SECOND_SOURCE_SHARE = 0.5
# How far below contain_threshold a MinHash estimate of a share may fall and still be checked exactly
# (the estimate's standard error is about 0.05-0.1 at 128 permutations).
ESTIMATE_MARGIN = 0.25


class ContainmentRules:
    """Containment and splice queries over a ``SignatureIndex`` (they never write to it), with the engine's settings."""

    def __init__(
        self,
        *,
        num_perm: int,
        contain_threshold: float,
        contain_max_ratio: float,
        min_anchors: int,
        min_shared_anchors: int,
        max_contain_candidates: int,
        anchor_df_cap: int,
    ) -> None:
        self.num_perm = num_perm
        self.contain_threshold = contain_threshold
        self.contain_max_ratio = contain_max_ratio
        self.min_anchors = min_anchors
        self.min_shared_anchors = min_shared_anchors
        self.max_contain_candidates = max_contain_candidates
        self.anchor_df_cap = anchor_df_cap

    def _old_anchor_carriers(
        self,
        sig_pos: np.ndarray,
        sigs: list[Signature],
        first: int,
        index: SignatureIndex,
        counts_only: np.ndarray | None = None,
    ) -> OldCarriers:
        """Return the chunk's anchors against the indexed representatives and hosts (see ``OldCarriers``).
        Documents in ``counts_only`` (exact duplicates: they join their original's cluster and only need to
        know which of their anchors are common, for ``ChunkState``) get no carriers and no hosts: in a corpus
        of many copies those are most of the lookups' output."""
        spans: dict[int, tuple[int, int]] = {}
        keys_l, owners_l, asked_l = [], [], []
        n = 0
        skip = counts_only.tolist() if counts_only is not None else [False] * len(sig_pos)
        for pos, only_counts in zip(sig_pos.tolist(), skip, strict=True):
            a = sigs[pos - first].anchors
            if len(a) >= self.min_anchors:
                keys_l.append(a)
                owners_l.append(np.full(len(a), pos, dtype=np.int64))
                asked_l.append(np.full(len(a), not only_counts, dtype=bool))
                spans[pos] = (n, n + len(a))
                n += len(a)
        if not keys_l:
            empty = np.zeros(0, dtype=np.int64)
            return OldCarriers([], [], empty, empty, {}, spans, {}, empty)
        keys = np.concatenate(keys_l)
        owners = np.concatenate(owners_l)
        asked = np.concatenate(asked_l)
        entries = np.arange(n, dtype=np.int64)
        # carriers of rare entries only (an entry with anchor_df_cap carriers or more is common)
        entry, carrier, asked_counts = index.anchor_postings.lookup(
            keys[asked], entries[asked], rare_below=self.anchor_df_cap
        )
        counts = np.zeros(n, dtype=np.int64)
        counts[asked] = asked_counts
        if not asked.all():  # enough to tell common from rare (ChunkState)
            counts[~asked] = index.anchor_postings.totals(keys[~asked], self.anchor_df_cap)
        order = np.argsort(entry, kind="stable")
        entry, carrier = entry[order], carrier[order]
        bounds = np.searchsorted(entry, np.arange(n + 1))
        # shared rare anchors per (document, founder); below min_shared_anchors they can never count
        code, n_shared = np.unique(owners[entry] * (1 << 32) + carrier, return_counts=True)
        keep = n_shared >= self.min_shared_anchors
        code, n_shared = code[keep], n_shared[keep]
        shared: dict[int, dict[int, int]] = {}
        for doc, f, c in zip((code >> 32).tolist(), (code & 0xFFFFFFFF).tolist(), n_shared.tolist(), strict=True):
            shared.setdefault(doc, {})[f] = c
        # hosts carrying entries rare among the indexed representatives
        rare = np.flatnonzero((counts < self.anchor_df_cap) & asked)
        h_entry, host, _ = index.host_postings.lookup(keys[rare], rare)
        # a host can only hold a document it is long enough for (most hits are copies of one notice)
        doc = owners[h_entry]
        fits = index.key_lens(host) * self.contain_max_ratio >= index.key_lens(doc)
        code, n_hits = np.unique(doc[fits] * (1 << 32) + host[fits], return_counts=True)
        host_hits: dict[int, dict[int, int]] = {}
        for doc, h, c in zip((code >> 32).tolist(), (code & 0xFFFFFFFF).tolist(), n_hits.tolist(), strict=True):
            host_hits.setdefault(doc, {})[h] = c
        return OldCarriers(keys.tolist(), counts.tolist(), bounds, carrier, shared, spans, host_hits, counts)

    def _shared_founders(self, pos: int, old: OldCarriers, state: ChunkState) -> tuple[dict[int, int], set[int]]:
        """Return ({founder: rare anchors shared with pos}, pos's anchors rare among the indexed
        representatives that this chunk's made common), where rare means fewer than anchor_df_cap
        representatives, indexed or of this chunk, carry it."""
        shared = dict(old.shared.get(pos, ()))
        lo, hi = old.spans.get(pos, (0, 0))
        common: set[int] = set()
        if hi == lo:
            return shared, common
        keys = old.keys[lo:hi]
        in_chunk = state.founder_keys.keys() & keys if state.founder_keys else ()
        if in_chunk:
            where = {k: lo + j for j, k in enumerate(keys)}
            for key in in_chunk:
                e = where[key]
                carriers = state.founder_keys[key]
                old_n = old.counts[e]
                if old_n + len(carriers) >= self.anchor_df_cap:
                    common.add(key)
                    if 0 < old_n < self.anchor_df_cap:  # common after all: its indexed carriers do not count
                        for f in old.carriers[old.bounds[e] : old.bounds[e + 1]].tolist():
                            if f in shared:
                                shared[f] -= 1
                    continue
                for f in carriers:
                    shared[f] = shared.get(f, 0) + 1
        return shared, common

    def _rare_outside(self, pos: int, other: int, old: OldCarriers, index: SignatureIndex) -> int:
        """Return how many of pos's anchors rare among the indexed representatives other lacks (a second
        source held by pos but mostly not by other has at least 2 rare anchors there)."""
        lo, hi = old.spans.get(pos, (0, 0))
        if hi == lo:
            return 0
        anchors, other_a = index.anchors(pos), index.anchors(other)
        missing = np.ones(len(anchors), dtype=bool)
        if len(other_a):
            i = np.minimum(np.searchsorted(other_a, anchors), len(other_a) - 1)
            missing = other_a[i] != anchors
        return int(np.count_nonzero(missing & (old.count_array[lo:hi] < self.anchor_df_cap)))

    def _made_common(self, pos: int, old: OldCarriers, state: ChunkState) -> set[int]:
        """Return pos's anchors rare among the indexed representatives that this chunk's made common."""
        lo, hi = old.spans.get(pos, (0, 0))
        keys = old.keys[lo:hi]
        in_chunk = state.founder_keys.keys() & keys if state.founder_keys else ()
        if not in_chunk:
            return set()
        count = dict(zip(keys, old.counts[lo:hi], strict=True))
        cap = self.anchor_df_cap
        return {k for k in in_chunk if count[k] < cap <= count[k] + len(state.founder_keys[k])}

    def _containment(
        self, pos: int, shared: dict[int, int], index: SignatureIndex, joins: int
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """Return ([(founder, share)] pos contains, [(founder, share)] containing pos), one per cluster
        other than ``joins`` (the cluster pos is about to join, or -1).

        Founders sharing at least ``min_shared_anchors`` rare anchors are candidates (the most shared
        first); the share is exact: the smaller side's anchors found in the larger one's. When pos is the
        larger, the founder's cluster also offers its shortest member (a founder may carry a forwarding
        wrapper or page remnants the container does not hold).
        """
        contains: dict[int, tuple[float, int]] = {}
        contained_in: dict[int, tuple[float, int]] = {}
        cluster_of = index.cluster_of
        ranked = sorted((-n, f) for f, n in shared.items() if n >= self.min_shared_anchors and cluster_of[f] != joins)
        cands = [f for _, f in ranked[: self.max_contain_candidates]]
        if not cands:
            return [], []
        # one vectorised MinHash comparison rules most candidates out before any exact anchor count
        j = np.count_nonzero(index.sigs(np.asarray(cands, dtype=np.int64)) == index.sig(pos), axis=1) / self.num_perm
        len_pos = index.key_len[pos]
        for f, jf in zip(cands, j.tolist(), strict=True):
            if not index.alive[f]:
                continue
            cluster = index.cluster_of[f]
            if index.key_len[f] <= len_pos:
                share = self._notice_share(cluster, pos, index, first=(f, jf))
                target = contains
            else:
                share = self._held_share(pos, f, index, jf)
                target = contained_in
            if share is None:
                continue
            if cluster not in target or (share, -f) > (target[cluster][0], -target[cluster][1]):
                target[cluster] = (share, f)
        return (
            sorted((f, s) for s, f in contains.values()),
            sorted((f, s) for s, f in contained_in.values()),
        )

    def _notice_share(
        self, cluster: int, large: int, index: SignatureIndex, first: tuple[int, float] | None = None
    ) -> float | None:
        """Return the share of a cluster's notice held by document large: its representative's (or
        ``first``'s: (member, its estimated Jaccard with large)), else its shortest member's; None if
        neither is a containment."""
        f, jf = first if first is not None else (index.representative(cluster), None)
        share = self._held_share(f, large, index, jf)
        short = index.shortest_of(cluster)
        if share is None and short >= 0 and short != f and index.key_len[short] < index.key_len[f]:
            share = self._held_share(short, large, index)
        return share

    def _held_share(self, small: int, large: int, index: SignatureIndex, j: float | None = None) -> float | None:
        """Return the share of small's anchors in large's if it is a containment: at least contain_threshold,
        small at most contain_max_ratio of large's length, and their guards agree; else None."""
        len_small, len_large = index.key_len[small], index.key_len[large]
        if len_small > self.contain_max_ratio * len_large or small == large or not index.alive[small]:
            return None
        # a share estimated far below the threshold will not reach it (MinHash, before any exact count)
        if j is None:
            j = np.count_nonzero(index.sig(small) == index.sig(large)) / self.num_perm
        if _share_from_jaccard(j, len_small, len_large) < self.contain_threshold - ESTIMATE_MARGIN:
            return None
        small_a = index.anchors(small)
        if len(small_a) < self.min_anchors or containment_conflict(index.guards(small), index.guards(large)):
            return None
        share = count_common(small_a, index.anchors(large)) / len(small_a)
        return round(share, 4) if share >= self.contain_threshold else None

    def _holds_second_source(
        self, best: tuple[int, int, float], contains: list[tuple[int, float]], index: SignatureIndex
    ) -> bool:
        """Return True if pos, about to join best's cluster through its member best[1], also holds a founder
        of another cluster that is not the same notice (not even chain_floor similar to that member)."""
        cluster, other, _ = best
        return any(
            index.cluster_of[f] != cluster and self._estimated_share(f, other, index) < SECOND_SOURCE_SHARE
            for f, _ in contains
        )

    def _estimated_share(self, a: int, b: int, index: SignatureIndex) -> float:
        """Return the estimated share of a's n-grams found in b, from their MinHash Jaccard and key lengths."""
        j = np.count_nonzero(index.sig(a) == index.sig(b)) / self.num_perm
        return _share_from_jaccard(j, index.key_len[a], index.key_len[b])

    def _splice_holding(
        self, pos: int, anchors: np.ndarray, cluster: int, index: SignatureIndex, state: ChunkState
    ) -> tuple[int, float] | None:
        """Return (representative, share) if the cluster pos would join was founded by a splice holding pos:
        the representative holds most of pos and is much longer, and also holds most of another founder
        that is no near duplicate of pos (a second source). None otherwise."""
        rep = index.representative(cluster)
        if not index.may_hold[rep]:
            return None
        rep_anchors = index.anchors(rep)
        if len(rep_anchors) < self.min_anchors or len(anchors) < self.min_anchors:
            return None
        if index.key_len[pos] > self.contain_max_ratio * index.key_len[rep]:
            return None
        j = np.count_nonzero(index.sig(pos) == index.sig(rep)) / self.num_perm
        if _share_from_jaccard(j, index.key_len[pos], index.key_len[rep]) < self.contain_threshold - ESTIMATE_MARGIN:
            return None
        n = count_common(anchors, rep_anchors)
        if n < self.contain_threshold * len(anchors):
            return None
        # a second source is held by rep but mostly not by pos: founders (other than rep) sharing rare anchors
        # with the part of rep outside pos, indexed ones, then this chunk's
        keys = missing_from(rep_anchors, anchors)
        if len(keys) < self.min_shared_anchors:
            return None
        key_of, carrier_flat, old_n = index.anchor_postings.lookup(
            keys, np.arange(len(keys)), rare_below=self.anchor_df_cap
        )
        key_list = keys.tolist()
        chunk_postings = state.founder_keys
        chunk_n = np.fromiter((len(chunk_postings.get(k, ())) for k in key_list), dtype=np.int64, count=len(keys))
        rare = old_n + chunk_n < self.anchor_df_cap
        found = [carrier_flat[rare[key_of]]]
        for k in np.flatnonzero(rare & (chunk_n > 0)).tolist():
            found.append(np.asarray(chunk_postings[key_list[k]], dtype=np.int64))
        carriers, n_shared = np.unique(np.concatenate(found), return_counts=True)
        shared = dict(zip(carriers.tolist(), n_shared.tolist(), strict=True))
        shared.pop(rep, None)
        ranked = sorted((-c, f) for f, c in shared.items() if c >= self.min_shared_anchors)
        for _, f in ranked[: self.max_contain_candidates]:
            if index.cluster_of[f] == cluster or not index.alive[f] or index.key_len[f] > index.key_len[rep]:
                continue
            f_anchors = index.anchors(f)
            if count_common(f_anchors, anchors) / len(f_anchors) >= SECOND_SOURCE_SHARE:
                continue  # the same notice again (a split cluster), not a second source
            if self._held_share(f, rep, index) is not None:
                return rep, round(n / len(anchors), 4)
        return None

    # -- splices found out by their second source
    def _holding_hosts(
        self, pos: int, common: set[int] | None, old: OldCarriers, state: ChunkState, index: SignatureIndex
    ) -> list[tuple[int, float]]:
        """Return [(host, share)]: hosts of other clusters holding most of pos (see ``SignatureIndex``),
        found through pos's rare anchors among the hosts' extra anchors (``common``: see _shared_founders)."""
        lo, hi = old.spans.get(pos, (0, 0))
        if hi == lo:
            return []
        hits = old.host_hits.get(pos)
        if not hits and not state.host_keys:
            return []
        cap = self.anchor_df_cap
        keys, counts = old.keys[lo:hi], old.counts[lo:hi]
        if common is None:
            common = self._made_common(pos, old, state)
        rare = {k for k, c in zip(keys, counts, strict=True) if c < cap and k not in common}
        in_chunk = state.host_keys.keys() & rare if state.host_keys else ()
        if not hits and len(in_chunk) < self.min_shared_anchors:
            return []
        own = index.cluster_of[pos]
        hits = Counter(hits)
        for key in in_chunk:
            for cluster, hosts in state.host_keys[key].items():
                if cluster != own:  # copies of pos's own notice are no splices of it
                    hits.update(hosts)
        key_len, shortest_host = index.key_len, index.key_len[pos] / self.contain_max_ratio
        cands = [
            h
            for h, n in hits.items()
            if n >= self.min_shared_anchors
            and key_len[h] >= shortest_host
            and index.host_extra(h) is not None
            and index.cluster_of[h] != own
            and index.alive[h]
        ]
        if not cands:
            return []
        rare = sorted(rare)
        rare_keys = np.asarray(rare, dtype=np.uint64)
        ranked = []
        for h in cands:
            # postings may be stale (a host whose representative changed) and a key may have become common
            # in this chunk: count the rare keys among the current extra anchors
            n = count_common(rare_keys, index.host_extra(h))
            if n >= self.min_shared_anchors:
                ranked.append((-n, h))
        out = []
        for _, h in sorted(ranked)[: self.max_contain_candidates]:
            share = self._held_share(pos, h, index)
            if share is not None:
                out.append((h, share))
        return out

    def _would_be_shortest(self, pos: int, cluster: int, index: SignatureIndex) -> bool:
        """Return True if pos, joining cluster, would become its shortest member with enough anchors."""
        short = index.shortest_of(cluster)
        return len(index.anchors(pos)) >= self.min_anchors and (short < 0 or index.key_len[pos] < index.key_len[short])

    def _shares_of(self, pos: int, live: list[int], index: SignatureIndex) -> list[float]:
        """Return per member the share of pos it holds (exact on anchors; estimated from MinHash without
        enough anchors; a short member gets the representative's)."""
        anchors = index.anchors(pos)
        out = []
        for m in live:
            m_anchors = index.anchors(m)
            if len(m_anchors) >= self.min_anchors:
                out.append(count_common(anchors, m_anchors) / len(anchors))
            elif index._has_sig[m]:
                out.append(self._estimated_share(pos, m, index))
            else:
                out.append(out[0] if out else 0.0)
        return out

    def _final_holders(self, holders: list[tuple[int, float]], index: SignatureIndex) -> list[tuple[int, float]]:
        """Return the holders that represent their cluster after any split, the best one per cluster."""
        best: dict[int, tuple[float, int]] = {}
        for h, share in holders:
            if not index.is_representative(h):
                continue
            cluster = index.cluster_of[h]
            if cluster not in best or (share, -h) > (best[cluster][0], -best[cluster][1]):
                best[cluster] = (share, h)
        return sorted((h, s) for s, h in best.values())


def _share_from_jaccard(j: float, len_a: int, len_b: int) -> float:
    """Return the share of a in b implied by Jaccard j and the sizes: |a & b| = j (|a| + |b|) / (1 + j)."""
    size_a, size_b = max(1, len_a), max(1, len_b)
    return min(1.0, j * (size_a + size_b) / ((1 + j) * size_a))


class OldCarriers(NamedTuple):
    """A chunk's anchors against the indexed postings: flat keys (entries, by document span), how many
    indexed representatives carry each (``counts``, also as ``count_array``), the carriers of rare entries
    (``carriers[bounds[e]:bounds[e+1]]``), per document {founder: shared rare anchors} for founders
    sharing at least min_shared_anchors, and per document {host long enough to hold it: its extra anchors
    among the document's rare ones} (postings, so possibly stale: checked on use)."""

    keys: list[int]
    counts: list[int]
    bounds: np.ndarray
    carriers: np.ndarray
    shared: dict[int, dict[int, int]]
    spans: dict[int, tuple[int, int]]
    host_hits: dict[int, dict[int, int]]
    count_array: np.ndarray


@dataclass
class ChunkState:
    """What a chunk adds to the anchor postings, visible to its later documents at once: anchor ->
    representatives (``founder_keys``) and hosts (``host_keys``, extra anchors) of this chunk, in order.
    Anchors of chunk documents that anchor_df_cap indexed representatives carry are left out: they stay
    common (``spans``, ``counts``: see OldCarriers)."""

    spans: dict[int, tuple[int, int]]
    counts: np.ndarray
    cap: int
    founder_keys: dict[int, list[int]] = field(default_factory=dict)
    host_keys: dict[int, dict[int, list[int]]] = field(default_factory=dict)  # anchor -> cluster -> hosts
    founders: list[int] = field(default_factory=list)
    hosts: list[int] = field(default_factory=list)

    def _not_common(self, pos: int, anchors: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Return keys (a subset of pos's sorted anchors) without those common among the indexed ones."""
        lo, hi = self.spans.get(pos, (0, 0))
        if hi == lo:
            return keys
        return keys[self.counts[lo + np.searchsorted(anchors, keys)] < self.cap]

    def add_founder(self, pos: int, anchors: np.ndarray) -> None:
        """Make pos's anchors count as a representative's."""
        self.founders.append(pos)
        for key in self._not_common(pos, anchors, anchors).tolist():
            self.founder_keys.setdefault(key, []).append(pos)

    def add_host(self, pos: int, anchors: np.ndarray, extra: np.ndarray, cluster: int) -> None:
        """Make pos, a host in cluster, findable by its extra anchors (grouped by cluster, so a copy of a
        notice skips its own cluster's hosts at once)."""
        self.hosts.append(pos)
        for key in self._not_common(pos, anchors, extra).tolist():
            self.host_keys.setdefault(key, {}).setdefault(cluster, []).append(pos)

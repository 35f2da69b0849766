"""Dedup: a MinHash/LSH engine that clusters reposts without chaining, and links splices by containment.

The engine (``DedupEngine``) is pure: it reads a ``SignatureIndex`` and new documents and returns one
``Assignment`` per document (and one per earlier document that moved, see 6.). Persistence is the
caller's: in memory ``SignatureIndex.to_rows()`` gives plain rows (see ``ROW_COLUMNS``) and
``SignatureIndex.from_rows()`` rebuilds the index from them; over an on-disk store the index reads what it
needs and ``SignatureIndex.changes()`` says what to write back.

The parts, each in its own module (this one places documents and splits clusters):
- ``cleaning/dedup/furniture.py``: page furniture (another site's breadcrumb, meta line, related links,
  footer) that never counts as evidence, by the extractor's own line rules.
- ``cleaning/dedup/keys.py``: dedup keys (``fold_texts``, ``evidence_texts``, ``dedup_key``, ``content_hash``).
  Keys fold width, script, case, spaces and punctuation, but keep digits (years and 文号 differ). Only for
  finding duplicates; stored text is never normalised this way.
- ``cleaning/dedup/guards.py``: 文号, year and figures guards (``Guards``, ``guard_conflict``,
  ``containment_conflict``).
- ``cleaning/dedup/signatures.py``: ``DocInput`` and its ``Signature``: key hash, MinHash and anchors.
- ``cleaning/dedup/index.py``: ``SignatureIndex`` (LSH buckets, anchor postings, clusters, hosts), its
  rows (``ROW_COLUMNS``, ``INDEX_VERSION``) and the canonical choice (``choose_canonical``, ``ClusterInfo``);
  ``cleaning/dedup/stored.py``: the same index over an on-disk store (``IndexStore``).
- ``cleaning/dedup/contain.py``: containment and splice queries (``ContainmentRules``, the engine's base).
- ``cleaning/dedup/minhash.py``: shingling, MinHash matrices, LSH band keys and sorted postings.

How a new document is placed, in input order:
1. exact layer: a document whose key hash was seen joins that document's cluster;
2. short documents (key shorter than ``min_chars``) stop there and found their own cluster;
3. near-duplicate layer: LSH candidates among earlier documents are verified by estimated Jaccard
   (``verify_jaccard``); the document joins the cluster of the best candidate that passes the guards
   (文号 and years must not contradict, both for the candidate and for the cluster's representative,
   which must also be at least ``chain_floor`` similar). One document never merges two clusters.
4. otherwise it founds a cluster whose id is its own id (stable across runs);
5. containment: when the smaller of a document and an earlier cluster's notice (its founder, or its
   shortest member when the founder carries text the other lacks) has at least ``contain_threshold`` of
   its anchors in the larger (anchors: 20-character windows at content-sampled positions), it is at most
   ``contain_max_ratio`` of the larger's length and guards agree, the document gets a ``contains`` /
   ``contained_in`` link, never membership. Candidates are founders sharing anchors that fewer than
   ``anchor_df_cap`` earlier founders carry. A document joining a cluster as its shortest member gets
   ``contained_in`` links to holders its cluster's founder did not show.
6. splices, whatever the arrival order: a document that would join a cluster but holds a founder of
   another notice (a splice arriving after its sources) founds its own cluster; a document that would
   join a cluster whose representative holds it and also another notice (a splice indexed first) founds
   its own cluster with a ``contained_in`` link. When the second notice arrives only after the splice
   shared a cluster with the first (it joined the notice's cluster, or the notice joined the splice's),
   the new notice finds the splice among the cluster's members (``hosts``: members holding anchors their
   representative lacks) and the cluster is split between the members holding the new notice and the
   others: the group without the representative leaves for a cluster of its own (``Assignment.moved_from``)
   and the two are linked by containment. Splits happen only when the other members are another notice
   (holding less than ``FOREIGN_SHARE`` of the new one); nothing is ever merged.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from cleaning.dedup import minhash
from cleaning.dedup.contain import SECOND_SOURCE_SHARE, ChunkState, ContainmentRules, OldCarriers
from cleaning.dedup.guards import guard_conflict
from cleaning.dedup.index import ClusterInfo, SignatureIndex
from cleaning.dedup.signatures import DocInput, RecentSignatures, Signature, compute_signatures
from cleaning.dedup.stored import IndexStore

# A member holding less than this share of a new notice is another notice: a cluster is split between
# the holders of a new notice (a splice) and the others only when all the others are (copies of one
# notice that dropped different paragraphs hold 0.3-0.5 of each other; other notices under 0.2).
FOREIGN_SHARE = 0.25

RELATIONS = ("repost", "contains", "contained_in")
# Documents of a chunk whose LSH candidates are found and verified together (see _verified_candidates).
CANDIDATE_SLICE = 1000


class Link(NamedTuple):
    """A relation from the assigned document to another: repost (same cluster), contains, contained_in."""

    other_id: str
    relation: str
    similarity: float


@dataclass
class Assignment:
    """Where one document went: its cluster, whether it is the cluster's canonical, and its links."""

    id: str
    cluster_id: str
    is_canonical: bool
    canonical_reason: str
    links: list[Link] = field(default_factory=list)
    moved_from: str | None = None  # set when an earlier document left this cluster id (a splice found out)


@dataclass
class Placed:
    """What one ``DedupEngine.place`` call did: ids in input order, links per document, and the earlier
    documents that left their cluster (id -> cluster id left)."""

    ids: list[str] = field(default_factory=list)
    links: dict[str, list[Link]] = field(default_factory=dict)
    moved: dict[str, str] = field(default_factory=dict)


class DedupEngine(ContainmentRules):
    """Assign documents to clusters of reposts (see the module docstring for the rules)."""

    def __init__(
        self,
        *,
        num_perm: int = 128,
        bands: int = 32,
        ngram: int = 5,
        verify_jaccard: float = 0.6,
        chain_floor: float = 0.4,
        min_chars: int = 50,
        contain_threshold: float = 0.8,
        contain_max_ratio: float = 0.85,
        anchor_bits: int = 4,
        anchor_span: int = 4,
        min_anchors: int = 6,
        min_shared_anchors: int = 3,
        max_contain_candidates: int = 8,
        max_candidates: int = 100,
        max_verified: int = 16,
        anchor_df_cap: int = 16,
        chunk_size: int = 4000,
        min_band_hits: int = 2,
    ) -> None:
        super().__init__(
            num_perm=num_perm,
            contain_threshold=contain_threshold,
            contain_max_ratio=contain_max_ratio,
            min_anchors=min_anchors,
            min_shared_anchors=min_shared_anchors,
            max_contain_candidates=max_contain_candidates,
            anchor_df_cap=anchor_df_cap,
        )
        self.bands = bands
        self.ngram = ngram
        self.verify_jaccard = verify_jaccard
        self.chain_floor = chain_floor
        self.min_chars = min_chars
        self.anchor_bits = anchor_bits
        self.anchor_span = anchor_span
        self.max_candidates = max_candidates
        self.max_verified = max_verified
        self.chunk_size = chunk_size
        self.min_band_hits = min_band_hits
        self._recent = RecentSignatures()

    def new_index(self, store: IndexStore | None = None) -> SignatureIndex:
        """Return an index with this engine's LSH layout: empty in memory, or over an on-disk store."""
        return SignatureIndex(num_perm=self.num_perm, bands=self.bands, min_anchors=self.min_anchors, store=store)

    def load_index(self, rows: Iterable[Sequence]) -> SignatureIndex:
        """Return an index rebuilt from persisted rows with this engine's layout."""
        with _cyclic_gc_paused():
            return SignatureIndex.from_rows(
                rows,
                num_perm=self.num_perm,
                bands=self.bands,
                anchor_df_cap=self.anchor_df_cap,
                min_anchors=self.min_anchors,
            )

    # -- signatures
    def signatures(self, docs: Sequence[DocInput]) -> list[Signature]:
        """Return the signatures of several documents (vectorised; same result as one by one). Texts met
        recently are not computed again (copies of one text are common: mirrors, re-crawls)."""
        return self._recent.signatures(
            docs,
            lambda missing: compute_signatures(
                missing,
                num_perm=self.num_perm,
                ngram=self.ngram,
                min_chars=self.min_chars,
                anchor_bits=self.anchor_bits,
                anchor_span=self.anchor_span,
            ),
        )

    def signature(self, doc: DocInput) -> Signature:
        """Return one document's signature."""
        return self.signatures([doc])[0]

    # -- assignment
    def assign(self, new_docs: Sequence[DocInput], index: SignatureIndex) -> list[Assignment]:
        """Place new documents (in order) into the index's clusters; return one Assignment per document,
        then one per earlier document that left its cluster (a splice found out by its second source; see
        ``Assignment.moved_from``).

        A document already indexed with the same key keeps its place (re-runs are idempotent); one whose
        key changed is removed and placed again.
        """
        placed = self.place(new_docs, index)
        return self.assignments(placed, index)

    def place(
        self,
        new_docs: Sequence[DocInput],
        index: SignatureIndex,
        placed: Placed | None = None,
        signatures: Sequence[Signature] | None = None,
    ) -> Placed:
        """Place new documents (in order) into the index and return what happened, without building an
        Assignment per document: a batch over many calls keeps only the index (``zhcorpus dedup --jsonl``
        calls this per ``chunk_size`` documents, then reads the clusters off the index once). Pass the
        ``placed`` of earlier calls to gather one run's links across calls (a later document may rewrite
        the links of an earlier one that moves), and ``signatures`` when they were computed elsewhere (a
        worker process, while this one places the previous chunk)."""
        if index.num_perm != self.num_perm or index.bands != self.bands:
            raise ValueError("index LSH layout differs from the engine's")
        seen: set[str] = set()
        for d in new_docs:
            if d.id in seen:
                raise ValueError(f"duplicate document id in batch: {d.id}")
            seen.add(d.id)
        if placed is not None:
            again = seen.intersection(placed.ids)
            if again:
                raise ValueError(f"duplicate document id in batch: {sorted(again)[0]}")
        with _cyclic_gc_paused():
            return self._place(new_docs, index, placed or Placed(), signatures)

    def _place(
        self, new_docs: Sequence[DocInput], index: SignatureIndex, placed: Placed, given: Sequence[Signature] | None
    ) -> Placed:
        """Return what ``place`` did (its arguments checked), added to ``placed``."""
        prefetch = getattr(index.pos_of, "prefetch", None)  # an on-disk index: one query per chunk
        for start in range(0, len(new_docs), self.chunk_size):
            chunk = new_docs[start : start + self.chunk_size]
            sigs = self.signatures(chunk) if given is None else given[start : start + self.chunk_size]
            if prefetch is not None:
                prefetch([d.id for d in chunk])
            fresh_docs, fresh_sigs = [], []
            for doc, sig in zip(chunk, sigs, strict=True):
                pos = index.pos_of.get(doc.id)
                if pos is not None and index.alive[pos]:
                    if index.key_hash[pos] == sig.key_hash:
                        continue
                    index.remove([doc.id])
                fresh_docs.append(doc)
                fresh_sigs.append(sig)
            self._assign_chunk(fresh_docs, fresh_sigs, index, placed.links, placed.moved)
            placed.ids.extend(d.id for d in chunk)
        return placed

    def assignments(self, placed: Placed, index: SignatureIndex) -> list[Assignment]:
        """Return one Assignment per placed document, then one per earlier document that moved."""
        in_batch = set(placed.ids)
        out = []
        canon_cache: dict[int, tuple[str, str]] = {}
        for doc_id in placed.ids + [i for i in placed.moved if i not in in_batch]:
            pos = index.pos_of[doc_id]
            cluster = index.cluster_of[pos]
            if cluster not in canon_cache:
                info = index.cluster(index.cluster_ids[cluster])
                canon_cache[cluster] = (info.canonical_id, info.canonical_reason)
            canonical, reason = canon_cache[cluster]
            out.append(
                Assignment(
                    doc_id,
                    index.cluster_ids[cluster],
                    canonical == doc_id,
                    reason,
                    placed.links.get(doc_id, []),
                    placed.moved.get(doc_id),
                )
            )
        return out

    def touched_clusters(self, assignments: Sequence[Assignment], index: SignatureIndex) -> list[ClusterInfo]:
        """Return the clusters these assignments touched (also the ones moved documents left), with their
        (possibly new) canonical document."""
        ids = [a.cluster_id for a in assignments] + [a.moved_from for a in assignments if a.moved_from]
        return [index.cluster(c) for c in dict.fromkeys(ids)]

    def _candidates(
        self, positions: np.ndarray, keys: np.ndarray, index: SignatureIndex, skip: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (later, earlier) candidate position pairs: LSH band matches among earlier documents.
        Documents in ``skip`` (exact duplicates, which the exact layer places, or those of another slice) get
        none, but stay candidates of the others."""
        b = self.bands
        flat_keys = keys.ravel()
        owners = np.repeat(positions, b)
        asks = ~np.repeat(skip, b)
        # earlier documents already in the index: the first max_candidates postings of each band key
        o_later, o_earlier, asked_n = index.lsh.lookup(flat_keys[asks], owners[asks], cap=self.max_candidates)
        old_n = np.zeros(len(flat_keys), dtype=np.int64)
        old_n[asks] = asked_n
        # earlier documents of this chunk come after every indexed one, so the cap counts old ones first
        room = np.where(asks, np.maximum(self.max_candidates - old_n, 0), 0)
        n_later, n_earlier = minhash.pairs_within(flat_keys, owners, room)
        later = np.concatenate([o_later, n_later])
        earlier = np.concatenate([o_earlier, n_earlier])
        if not len(later):
            return later, earlier
        # one code per pair, as small as the chunk allows (uint32 sorts twice as fast as int64)
        first, span = int(positions[0]), int(positions[-1]) + 1
        dtype = np.uint32 if (span - first) * span < 1 << 32 else np.uint64
        code = np.sort((later - first).astype(dtype) * dtype(span) + earlier.astype(dtype))
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
        # a pair sharing one band of 32 is mostly chance (J 0.6 gives 4 expected hits, P(<2) 6.5%); it is
        # 95% of all pairs in template-heavy corpora, so requiring two hits cuts verification twentyfold
        hits = np.diff(np.r_[starts, len(code)])
        code = code[starts[hits >= self.min_band_hits]].astype(np.int64)
        return code // span + first, code % span

    def _assign_chunk(
        self,
        docs: list[DocInput],
        sigs: list[Signature],
        index: SignatureIndex,
        links: dict[str, list[Link]],
        moved: dict[str, str],
    ) -> None:
        """Place one chunk in order, writing each document's links into ``links`` (and rewriting the links
        of documents that move when a splice is found out)."""
        for d in docs:
            links[d.id] = []
        if not docs:
            return
        first = index.next_pos
        if hasattr(index.exact, "prefetch"):  # an on-disk index: one query for the chunk's key hashes
            index.exact.prefetch(s.key_hash for s in sigs)
        rows = np.zeros((len(docs), self.num_perm), dtype=np.uint32)
        for i, (doc, sig) in enumerate(zip(docs, sigs, strict=True)):
            index._append(sig, doc, sig.minhash)
            if sig.minhash is not None:
                rows[i] = sig.minhash
        positions = np.arange(first, first + len(docs), dtype=np.int64)
        with_sig = np.asarray([s.minhash is not None for s in sigs], dtype=bool)
        sig_pos = positions[with_sig]
        band = minhash.band_keys(rows[with_sig], self.bands, index.rows_per_band)
        # exact duplicates of a live document join it before any candidate is looked at (see the loop)
        exact_of = [index.exact.get(s.key_hash) for s in sigs]
        duplicate = np.asarray(
            [e is not None and e != first + i and index.alive[e] for i, e in enumerate(exact_of)], dtype=bool
        )

        cand = self._verified_candidates(sig_pos, band, index, duplicate[with_sig])
        old = self._old_anchor_carriers(sig_pos, sigs, first, index, counts_only=duplicate[with_sig])
        state = ChunkState(old.spans, old.count_array, self.anchor_df_cap)
        for i, (doc, sig) in enumerate(zip(docs, sigs, strict=True)):
            pos = first + i
            exact = index.exact.get(sig.key_hash)
            if exact is not None and exact != pos and index.alive[exact]:
                self._join(pos, index.cluster_of[exact], index, state)
                links[doc.id].append(Link(index.ids[exact], "repost", 1.0))
                continue
            if sig.minhash is None:
                index._found(pos)
                continue
            best = None
            tried: set[int] = set()
            for other, sim in cand.get(pos, ()):
                cluster = index.cluster_of[other]
                if cluster in tried:
                    continue
                tried.add(cluster)
                if self._fits(pos, other, cluster, index):
                    best = (cluster, other, sim)
                    break
            shared = common = contains = contained_in = None
            if best is not None:
                # a copy adding (almost) no anchors to the member it matches holds no second source; only a
                # copy that is its cluster's shortest yet may show holders its members did not
                adds_rare = self._rare_outside(pos, best[1], old, index) >= 2
                shortest = self._would_be_shortest(pos, best[0], index)
                if adds_rare or shortest:
                    shared, common = self._shared_founders(pos, old, state)
                    contains, contained_in = self._containment(pos, shared, index, best[0])
                if adds_rare and self._holds_second_source(best, contains, index):
                    # a splice holding most of a notice of another cluster: a cluster of its own, which also
                    # contains the notice it would have joined
                    joined = {f: n for f, n in shared.items() if index.cluster_of[f] == best[0]}
                    contains = sorted(contains + self._containment(pos, joined, index, -1)[0])
                    best = None
            if best is not None:
                holder = self._splice_holding(pos, sig.anchors, best[0], index, state)
                if holder is not None:  # the cluster was founded by a splice that holds this document
                    if contains is None:
                        shared, common = self._shared_founders(pos, old, state)
                        contains, contained_in = self._containment(pos, shared, index, best[0])
                    best = None
                    contained_in = sorted({f: s for f, s in [*contained_in, holder]}.items())
            if best is not None:
                self._join(pos, best[0], index, state)
                links[doc.id].append(Link(index.ids[best[1]], "repost", round(best[2], 4)))
                held = self._holders_of_member(pos, contained_in or [], common, old, index, links, moved, state)
                if shortest:
                    links[doc.id] += held
                continue
            if shared is None:
                shared, common = self._shared_founders(pos, old, state)
                contains, contained_in = self._containment(pos, shared, index, -1)
            index._found(pos)
            self._promote(pos, index, state)
            self._mark_holders(pos, shared, index)
            holders = contained_in + self._holding_hosts(pos, common, old, state, index)
            if holders:
                self._separate_splices(pos, holders, index, links, moved, state)
                contained_in = self._final_holders(holders, index)
            for f, share in contains:
                links[doc.id].append(Link(index.ids[f], "contains", share))
            for f, share in contained_in:
                links[doc.id].append(Link(index.ids[f], "contained_in", share))

        index._index_lsh(sig_pos, band)
        index._index_anchors(state.founders, state.hosts)

    # -- roles within a chunk: representatives and hosts indexed at the chunk's end, visible at once here
    def _join(self, pos: int, cluster: int, index: SignatureIndex, state: ChunkState) -> None:
        index._join(pos, cluster)
        extra = index._host_extra(pos, index.representative(cluster))
        if extra is not None:
            index._extra[pos] = extra
            state.add_host(pos, index.anchors(pos), extra, cluster)

    def _mark_holders(self, pos: int, shared: dict[int, int], index: SignatureIndex) -> None:
        """Mark which of pos (a new representative) and the representatives sharing enough rare anchors with
        it hold the other: only those are searched for second sources (``_splice_holding``). Rare anchors
        only become common over time, so a pair sharing enough later shared enough now."""
        for f, n in shared.items():
            if n >= self.min_shared_anchors and f != pos:
                if not index.may_hold[pos] and self._held_share(f, pos, index) is not None:
                    index.set_may_hold(pos)
                if not index.may_hold[f] and self._held_share(pos, f, index) is not None:
                    index.set_may_hold(f)

    def _shared_with(self, pos: int, index: SignatureIndex, state: ChunkState) -> dict[int, int]:
        """Return {representative: rare anchors shared with pos}, counted now (for a promoted member)."""
        anchors = index.anchors(pos)
        key_of, carriers, old_n = index.anchor_postings.lookup(anchors, np.arange(len(anchors)))
        keys = anchors.tolist()
        chunk = [state.founder_keys.get(k, ()) for k in keys]
        rare = old_n + np.fromiter(map(len, chunk), dtype=np.int64, count=len(keys)) < self.anchor_df_cap
        shared = Counter(carriers[rare[key_of]].tolist())
        for k in np.flatnonzero(rare).tolist():
            shared.update(chunk[k])
        shared.pop(pos, None)
        return shared

    def _promote(self, pos: int, index: SignatureIndex, state: ChunkState) -> None:
        """Index pos's anchors as a cluster representative's (founder postings)."""
        anchors = index.anchors(pos)
        if len(anchors) >= self.min_anchors:
            state.add_founder(pos, anchors)

    def _verified_candidates(
        self, sig_pos: np.ndarray, band: np.ndarray, index: SignatureIndex, skip: np.ndarray
    ) -> dict[int, list[tuple[int, float]]]:
        """Return position -> [(earlier position, estimated Jaccard)] at or above verify_jaccard, best first.
        The chunk's documents ask ``CANDIDATE_SLICE`` at a time: unverified pairs (millions per chunk in
        template-heavy corpora) never all exist at once, and each document's candidates are the same."""
        out: dict[int, list[tuple[int, float]]] = {}
        for start in range(0, len(sig_pos), CANDIDATE_SLICE):
            asks = ~skip.copy()
            asks[:start] = False
            asks[start + CANDIDATE_SLICE :] = False
            if asks.any():
                out.update(self._verified_slice(sig_pos, band, index, asks))
        return out

    def _verified_slice(
        self, sig_pos: np.ndarray, band: np.ndarray, index: SignatureIndex, asks: np.ndarray
    ) -> dict[int, list[tuple[int, float]]]:
        """Return ``_verified_candidates`` of the documents in ``asks``."""
        later, earlier = self._candidates(sig_pos, band, index, ~asks)
        sims = np.empty(len(later), dtype=np.float64)
        for s in range(0, len(later), 50_000):  # blocks bound the memory of the row gathers
            a, b = later[s : s + 50_000], earlier[s : s + 50_000]
            sims[s : s + 50_000] = minhash.estimate_jaccard(index.sigs(a), index.sigs(b))
        ok = (sims >= self.verify_jaccard) & index.alive_mask(earlier)
        later, earlier, sims = later[ok], earlier[ok], sims[ok]
        order = np.lexsort((earlier, -sims, later))
        later, earlier, sims = later[order], earlier[order], sims[order]
        if not len(later):
            return {}
        starts = np.flatnonzero(np.r_[True, later[1:] != later[:-1]])
        ends = np.r_[starts[1:], len(later)].astype(np.int64)
        # the best few per document are enough: the first that passes the guards wins
        rank = np.arange(len(later)) - np.repeat(starts, ends - starts)
        top = rank < self.max_verified
        later, earlier, sims = later[top], earlier[top], sims[top]
        starts = np.flatnonzero(np.r_[True, later[1:] != later[:-1]])
        ends = np.r_[starts[1:], len(later)].astype(np.int64)
        pairs = list(zip(earlier.tolist(), sims.tolist(), strict=True))
        return {a: pairs[s:e] for a, s, e in zip(later[starts].tolist(), starts.tolist(), ends.tolist(), strict=True)}

    def _holders_of_member(
        self,
        pos: int,
        contained_in: list[tuple[int, float]],
        common: set[int] | None,
        old: OldCarriers,
        index: SignatureIndex,
        links: dict[str, list[Link]],
        moved: dict[str, str],
        state: ChunkState,
    ) -> list[Link]:
        """Split off splices holding pos, which just joined a cluster (a copy may show a holder its founder
        did not, e.g. without the founder's forwarding wrapper); return contained_in links of pos to
        holders that do not hold the cluster's representative (kept when pos is its shortest member)."""
        cluster = index.cluster_of[pos]
        holders = [(f, s) for f, s in contained_in if index.cluster_of[f] != cluster]
        holders += self._holding_hosts(pos, common, old, state, index)
        if not holders:
            return []
        self._separate_splices(pos, holders, index, links, moved, state)
        rep = index.representative(cluster)
        return [
            Link(index.ids[f], "contained_in", share)
            for f, share in self._final_holders(holders, index)
            if index.cluster_of[f] != cluster and self._held_share(rep, f, index) is None
        ]

    def _separate_splices(
        self,
        pos: int,
        holders: list[tuple[int, float]],
        index: SignatureIndex,
        links: dict[str, list[Link]],
        moved: dict[str, str],
        state: ChunkState,
    ) -> None:
        """Split clusters whose members hold the new notice pos beside members of another notice (holding
        less than FOREIGN_SHARE of it): the holders are a splice of pos and the cluster's notice (whichever
        came first), so the group without the representative leaves for a cluster of its own. Never merges
        anything."""
        done: set[int] = set()
        for h, _ in holders:
            cluster = index.cluster_of[h]
            if cluster in done or cluster == index.cluster_of[pos]:
                continue
            done.add(cluster)
            live = index.live_members(cluster)
            if len(live) < 2:
                continue
            shares = self._shares_of(pos, live, index)
            holds = [x >= SECOND_SOURCE_SHARE for x in shares]
            if all(holds) or not any(holds):
                continue
            if any(not held and x >= FOREIGN_SHARE for x, held in zip(shares, holds, strict=True)):
                continue  # some member is neither a holder nor another notice: copies of pos's own notice
            movers = [m for m, held in zip(live, holds, strict=True) if held != holds[0]]
            self._move(movers, cluster, splice_moves=holds[0] is False, index=index, links=links, state=state)
            for m in movers:
                moved.setdefault(index.ids[m], index.cluster_ids[cluster])

    def _move(
        self,
        movers: list[int],
        cluster: int,
        *,
        splice_moves: bool,
        index: SignatureIndex,
        links: dict[str, list[Link]],
        state: ChunkState,
    ) -> None:
        """Move members out of a cluster into a new one (founded by the first of them) and rewrite the
        links that involve them: the new representative's link to the old cluster becomes the containment
        between the splice and the notice; the other movers repost the new representative; links of
        documents placed in this run to a mover are dropped (the store drops them too)."""
        gone = set(movers)
        index.drop_members(cluster, gone)
        new = index._found(movers[0])
        for m in movers[1:]:
            index._join(m, new)
        _, hosts = index._refresh_roles(cluster)
        for h in hosts:
            state.add_host(h, index.anchors(h), index._extra[h], cluster)
        rep, _ = index._refresh_roles(new)
        if rep is not None:
            self._mark_holders(rep, self._shared_with(rep, index, state), index)
            self._promote(rep, index, state)
        for h in index.live_members(new):  # under their new cluster, even if their extra anchors stayed
            if h in index._extra:
                state.add_host(h, index.anchors(h), index._extra[h], new)
        new_rep, old_rep = movers[0], index.representative(cluster)
        if splice_moves:  # the splice joined the notice's cluster: it contains the notice
            share, relation = self._notice_share(cluster, new_rep, index), "contains"
        else:  # the splice founded the cluster the notice joined: the notice is contained in it
            share, relation = self._notice_share(new, old_rep, index), "contained_in"
        links[index.ids[new_rep]] = [Link(index.ids[old_rep], relation, share)] if share is not None else []
        for m in movers[1:]:
            j = float(np.count_nonzero(index.sig(m) == index.sig(new_rep))) / self.num_perm
            links[index.ids[m]] = [Link(index.ids[new_rep], "repost", round(j, 4))]
        moved_ids = {index.ids[m] for m in movers}
        for p in index.live_members(cluster):
            own = links.get(index.ids[p])
            if own and any(link.other_id in moved_ids for link in own):
                links[index.ids[p]] = [link for link in own if link.other_id not in moved_ids]

    def _fits(self, pos: int, other: int, cluster: int, index: SignatureIndex) -> bool:
        """Return True if pos may join cluster through its member other: guards hold, no chaining."""
        g = index.guards(pos)
        if guard_conflict(g, index.guards(other)):
            return False
        rep = index.representative(cluster)
        if rep == other:
            return True
        if guard_conflict(g, index.guards(rep)):
            return False
        rep_sig = index.signature(rep)
        if rep_sig is None:
            return False
        return float((index.sig(pos) == rep_sig).mean()) >= self.chain_floor


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: placing a corpus allocates millions of small objects without
    reference cycles, and the collector's full passes over that heap cost a fifth of the CPU time at
    100k documents (bench/dedup/RESULTS.md). Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

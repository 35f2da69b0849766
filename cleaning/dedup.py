"""Dedup: exact keys, and a MinHash/LSH engine that clusters reposts without chaining.

Dedup keys fold width, script, case, spaces and punctuation, but keep digits (years and 文号 differ).
Only for finding duplicates; stored text is never normalised this way.

The engine (``DedupEngine``) is pure: it reads a ``SignatureIndex`` and new documents and returns one
``Assignment`` per document. Persistence is the caller's: ``SignatureIndex.to_rows()`` gives plain rows
(see ``ROW_COLUMNS``) and ``SignatureIndex.from_rows()`` rebuilds the index from them.

How a new document is placed, in input order:
1. exact layer: a document whose key hash was seen joins that document's cluster;
2. short documents (key shorter than ``min_chars``) stop there and found their own cluster;
3. near-duplicate layer: LSH candidates among earlier documents are verified by estimated Jaccard
   (``verify_jaccard``); the document joins the cluster of the best candidate that passes the guards
   (文号 and years must not contradict, both for the candidate and for the cluster's representative,
   which must also be at least ``chain_floor`` similar). One document never merges two clusters.
4. otherwise it founds a cluster whose id is its own id (stable across runs);
5. containment: when the smaller of a document and an earlier founder has at least ``contain_threshold``
   of its anchors in the larger (anchors: 20-character windows at content-sampled positions), it is at
   most ``contain_max_ratio`` of the larger's length, guards agree and they are no near duplicates, the
   document gets a ``contains`` / ``contained_in`` link, never membership. Candidates are founders
   sharing anchors that fewer than ``anchor_df_cap`` earlier founders carry.
   Order does not matter for splices: a document that would join a cluster but holds a founder of another
   notice (a splice arriving after its sources) founds its own cluster; a document that would join a
   cluster whose representative holds it and also another notice (a splice indexed first) founds its own
   cluster with a ``contained_in`` link. A splice whose second source arrives only after the first one
   joined it still shares that cluster (see ``bench/dedup/RESULTS.md``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

import numpy as np

from cleaning import minhash
from cleaning.script import get_converter

# Unicode categories dropped from the key: punctuation, symbols, separators, control/format.
DROPPED_CATEGORIES: tuple[str, ...] = ("P", "S", "Z", "C")

# 文号: issuer abbreviation, year in 〔〕 [] 【】 () brackets, number, 号. Matched on NFKC + simplified text,
# so ［］（）﹝﹞ and 號 are already folded. e.g. 民发〔2024〕8号, 青民发[2024]12号, 粤民函【2023】第5号
DOC_NUMBER_RE = re.compile(r"[〔\[【(]\s*((?:19|20)\d{2})\s*[〕\]】)]\s*第?\s*0*(\d{1,5})\s*号")
# The issuer abbreviation: the Han characters right before the bracket (searched backwards, so cheap).
DOC_PREFIX_RE = re.compile(r"([\u4e00-\u9fff]{1,12})\s*$")
# Characters that end the running text before an issuer abbreviation (根据民发… -> 民发).
DOC_PREFIX_CUT_RE = re.compile(r".*[的据照将和及与见于为按依转在以是经对]")
DOC_PREFIX_MAX = 8
# Year mentions: 2024年 / 2024年度 / 2024-03-05 / 2024.3.5 (文号 spans are removed first).
# The look-behind (no digit before the year) sits after the year so the search can skip ahead to a 1 or 2:
# four times faster than a leading (?<!\d) on long texts.
YEAR_RE = re.compile(r"((?:19|20)\d{2})(?<!\d{5})\s*(?:年|[-/.]\d{1,2}[-/.]\d{1,2})")
# A side whose year mentions are at least this share on years the other side never mentions differs.
YEAR_CONFLICT_SHARE = 0.5

# A founder held by a splice is a second source (another notice) when less than this share of it is in
# the notice the splice is matched with; more means a shorter copy of the same notice (a split cluster).
SECOND_SOURCE_SHARE = 0.5
# How far below contain_threshold a MinHash estimate of a share may fall and still be checked exactly
# (the estimate's standard error is about 0.05-0.1 at 128 permutations).
ESTIMATE_MARGIN = 0.25

# Bump when signatures, anchors or guards change meaning: persisted index rows of another version are
# rebuilt from the documents (zhcorpus.dedupjob), never mixed with new ones.
INDEX_VERSION = 2

CANONICAL_REASONS = ("only_member", "authority_site", "earliest_published", "most_complete", "lowest_id")
RELATIONS = ("repost", "contains", "contained_in")

# Columns of one persisted index row, in order (see SignatureIndex.to_rows).
ROW_COLUMNS = (
    "seq",  # int: insertion order; rows are reloaded in this order
    "id",  # document id
    "cluster_id",  # id of the cluster's first document
    "key_hash",  # first 16 hex chars of sha256(dedup key): the exact layer
    "key_len",  # length of the dedup key in characters
    "signature",  # bytes: num_perm little-endian uint32, or None for short documents
    "anchors",  # bytes: sorted little-endian uint64 anchors (20-char windows), founders only, else None
    "guards",  # JSON {"doc_numbers": [[prefix, year, number], ...], "years": {"2024": 3}}
    "site_id",  # for the canonical choice
    "published_at",  # ISO date or None
    "is_authority",  # 1 when published on the issuing authority's own site
)


# -- keys ---------------------------------------------------------------------------------------------
@cache
def _keep_table() -> np.ndarray:
    """Return a bool table over all code points: True where the character stays in a dedup key."""
    cats = [unicodedata.category(chr(c)) for c in range(sys.maxunicode + 1)]
    return np.fromiter((not c.startswith(DROPPED_CATEGORIES) for c in cats), dtype=bool, count=len(cats))


def _fold_fullwidth(texts: Sequence[str]) -> list[str]:
    """Return texts with U+FF01..FF5E and U+3000 replaced by their NFKC forms (ASCII), done in one numpy pass."""
    joined = "".join(texts)
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    wide = (cps >= 0xFF01) & (cps <= 0xFF5E)
    ideo_space = cps == 0x3000
    if not wide.any() and not ideo_space.any():
        return list(texts)
    cps = cps.copy()
    cps[wide] -= 0xFEE0
    cps[ideo_space] = 0x20
    out = cps.tobytes().decode("utf-32-le", "surrogatepass")
    result, pos = [], 0
    for t in texts:
        result.append(out[pos : pos + len(t)])
        pos += len(t)
    return result


def fold_texts(texts: Sequence[str]) -> list[str]:
    """Return each text NFKC-folded, simplified (OpenCC t2s) and case-folded, punctuation kept."""
    t2s = get_converter("t2s")
    out = []
    for text in _fold_fullwidth(texts):
        # The full-width pass is part of NFKC, so the quick check usually makes NFKC a no-op.
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        out.append(t2s.convert(text).casefold())
    return out


def _strip_folded(folded: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return (keys, code points of all keys joined, key lengths): folded texts without dropped categories."""
    cps = np.frombuffer("".join(folded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    keep = _keep_table()[cps]
    lengths = np.fromiter((len(f) for f in folded), dtype=np.int64, count=len(folded))
    ends = np.cumsum(lengths)
    kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
    key_lengths = kept_before[ends] - kept_before[ends - lengths]
    kept = cps[keep]
    joined = kept.tobytes().decode("utf-32-le", "surrogatepass")
    keys, pos = [], 0
    for n in key_lengths.tolist():
        keys.append(joined[pos : pos + n])
        pos += n
    return keys, kept, key_lengths


def dedup_key(text: str) -> str:
    """Return text NFKC-folded, simplified, lower-cased, without whitespace or punctuation."""
    return _strip_folded(fold_texts([text]))[0][0]


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    """Return the sha256 hex digest of dedup_key(text)."""
    return _hash_key(dedup_key(text))


# -- guards -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Guards:
    """What keeps look-alike notices apart: their 文号 (prefix, year, number) and year mentions."""

    doc_numbers: frozenset[tuple[str, str, str]] = frozenset()
    years: tuple[tuple[str, int], ...] = ()

    def to_json(self) -> str:
        """Return the guards as compact JSON (the ``guards`` row column)."""
        return json.dumps(
            {"doc_numbers": sorted(map(list, self.doc_numbers)), "years": dict(self.years)},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Guards:
        """Return guards parsed from ``to_json`` output."""
        data = json.loads(text)
        return cls(frozenset(tuple(d) for d in data["doc_numbers"]), tuple(sorted(data["years"].items())))


def _doc_prefix(raw: str) -> str:
    prefix = DOC_PREFIX_CUT_RE.sub("", raw)
    return (prefix or raw)[-DOC_PREFIX_MAX:]


def extract_doc_numbers(folded: str) -> list[tuple[str, str, str]]:
    """Return the 文号 in NFKC+simplified text as (issuer prefix, year, number without leading zeros)."""
    if "号" not in folded:
        return []
    out = []
    for m in DOC_NUMBER_RE.finditer(folded):
        head = DOC_PREFIX_RE.search(folded, max(0, m.start() - 16), m.start())
        if head:
            out.append((_doc_prefix(head.group(1)), m.group(1), m.group(2)))
    return out


def format_doc_number(doc_number: tuple[str, str, str]) -> str:
    """Return a normalised 文号 string, e.g. 民发〔2024〕8号."""
    prefix, year, number = doc_number
    return f"{prefix}〔{year}〕{number}号"


def extract_years(folded: str) -> dict[str, int]:
    """Return year -> mentions (2024年, 2024年度, 2024-03-05) in NFKC+simplified text, 文号 excluded."""
    if "号" in folded:
        folded = DOC_NUMBER_RE.sub(" ", folded)
    return dict(Counter(YEAR_RE.findall(folded)))


def extract_guards(folded: str, doc_number: str | None = None) -> Guards:
    """Return the guards of a folded text plus its page's own 文号 (meta), if any."""
    numbers = set(extract_doc_numbers(folded))
    if doc_number:
        numbers.update(extract_doc_numbers(fold_texts([doc_number])[0]))
    return Guards(frozenset(numbers), tuple(sorted(extract_years(folded).items())))


def guard_conflict(a: Guards, b: Guards) -> str | None:
    """Return why two documents must stay apart ("doc_number" or "year"), or None.

    文号: they conflict when they share none and some pair has the same issuer prefix (same series,
    another number: next year's edition), so a forwarding wrapper with its own 文号 still matches.
    Years: one side has at least half of its year mentions on years the other never mentions.
    """
    if a.doc_numbers and b.doc_numbers and not (a.doc_numbers & b.doc_numbers):
        if {p for p, _, _ in a.doc_numbers} & {p for p, _, _ in b.doc_numbers}:
            return "doc_number"
    if a.years and b.years:
        ya, yb = dict(a.years), dict(b.years)
        for this, other in ((ya, yb), (yb, ya)):
            alien = sum(n for y, n in this.items() if y not in other)
            if alien and alien >= YEAR_CONFLICT_SHARE * sum(this.values()):
                return "year"
    return None


def containment_conflict(small: Guards, large: Guards) -> bool:
    """Return True if the smaller document cannot be a part of the larger: its 文号 series or years differ.

    Only the smaller side is checked for foreign years: a splice mixes the years of several notices.
    """
    if small.doc_numbers and large.doc_numbers and not (small.doc_numbers & large.doc_numbers):
        if {p for p, _, _ in small.doc_numbers} & {p for p, _, _ in large.doc_numbers}:
            return True
    if small.years and large.years:
        other = dict(large.years)
        alien = sum(n for y, n in small.years if y not in other)
        if alien and alien >= YEAR_CONFLICT_SHARE * sum(n for _, n in small.years):
            return True
    return False


# -- data shapes --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DocInput:
    """One document to dedup; text in any script."""

    id: str
    text: str
    site_id: str = ""
    published_at: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    is_authority_site: bool = False
    title: str = ""


@dataclass
class Signature:
    """What the index keeps of a document: key hash and length, MinHash, anchors and guards."""

    id: str
    key_hash: str
    key_len: int
    minhash: np.ndarray | None  # uint32[num_perm], None for short documents
    anchors: np.ndarray  # sorted unique uint64 anchor shingles (may be empty)
    guards: Guards


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


# -- the index ----------------------------------------------------------------------------------------
class SignatureIndex:
    """Signatures, LSH buckets, anchors and cluster membership of every indexed document.

    Positions (0, 1, ...) follow insertion order; cluster ids are the id of the cluster's first member.
    Persist with ``to_rows()`` (plain tuples in ``ROW_COLUMNS`` order) and rebuild with ``from_rows()``.
    """

    def __init__(self, *, num_perm: int = 128, bands: int = 32) -> None:
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.num_perm = num_perm
        self.bands = bands
        self.rows_per_band = num_perm // bands
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
        self.exact: dict[str, int] = {}  # key hash -> first position with it
        self._guards_json: list[str | None] = []
        self._guards: dict[int, Guards] = {}
        self._sigs = np.zeros((0, num_perm), dtype=np.uint32)
        self._has_sig: list[bool] = []
        self._anchors: dict[int, np.ndarray] = {}  # founder position -> its anchors
        self.lsh = minhash.SortedPostings()
        self.anchor_postings = minhash.SortedPostings()

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

    def member_info(self, pos: int) -> MemberInfo:
        """Return the canonical-choice facts of a position."""
        return MemberInfo(
            self.ids[pos], self.site_id[pos], self.published_at[pos], self.is_authority[pos], self.key_len[pos]
        )

    def cluster(self, cluster_id: str) -> ClusterInfo:
        """Return a cluster's canonical document and reason, and its live members."""
        live = [p for p in self.members[self.cluster_num[cluster_id]] if self.alive[p]]
        if not live:
            return ClusterInfo(cluster_id, "", "empty", [])
        canonical, reason = choose_canonical([self.member_info(p) for p in live])
        return ClusterInfo(cluster_id, canonical, reason, [self.ids[p] for p in live])

    def representative(self, cluster: int) -> int:
        """Return the first live member of a cluster (its founder unless that was removed)."""
        return next(p for p in self.members[cluster] if self.alive[p])

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
        self.cluster_of.append(-1)
        self.exact.setdefault(sig.key_hash, pos)
        return pos

    def _grow_sigs(self, rows: np.ndarray) -> None:
        self._sigs = np.concatenate([self._sigs, rows]) if len(self._sigs) else rows.copy()

    def _join(self, pos: int, cluster: int) -> None:
        self.cluster_of[pos] = cluster
        self.members[cluster].append(pos)

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
        self._join(pos, cluster)
        return cluster

    def _index_lsh(self, positions: np.ndarray, keys: np.ndarray) -> None:
        self.lsh.add(keys.ravel(), np.repeat(positions, self.bands))

    def _index_anchors(self, founders: list[int], anchors: list[np.ndarray]) -> None:
        """Add founders' anchors to the anchor postings."""
        for pos, a in zip(founders, anchors, strict=True):
            self._anchors[pos] = a
        if not founders:
            return
        keys = np.concatenate(anchors)
        owners = np.repeat(np.asarray(founders, dtype=np.int64), [len(a) for a in anchors])
        self.anchor_postings.add(keys, owners)

    def remove(self, ids: Iterable[str]) -> None:
        """Forget documents (e.g. a page whose text changed); their clusters keep their ids."""
        for doc_id in ids:
            pos = self.pos_of.get(doc_id)
            if pos is None or not self.alive[pos]:
                continue
            self.alive[pos] = False
            if self.exact.get(self.key_hash[pos]) == pos:
                later = [
                    p for p in range(pos + 1, len(self.ids)) if self.alive[p] and self.key_hash[p] == self.key_hash[pos]
                ]
                if later:
                    self.exact[self.key_hash[pos]] = later[0]
                else:
                    del self.exact[self.key_hash[pos]]

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
        cls, rows: Iterable[Sequence], *, num_perm: int = 128, bands: int = 32, anchor_df_cap: int = 16
    ) -> SignatureIndex:
        """Return an index rebuilt from ``to_rows()`` output (tuples or mappings, any order).

        ``anchor_df_cap`` is accepted for compatibility; document frequencies are counted when assigning.
        """
        index = cls(num_perm=num_perm, bands=bands)
        rows = [tuple(r[c] for c in ROW_COLUMNS) if hasattr(r, "keys") else tuple(r) for r in rows]
        rows.sort(key=lambda r: r[0])
        sig_bytes = num_perm * 4
        blank = bytes(sig_bytes)
        blobs, founders, founder_anchors = [], [], []
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
            if sig is not None and len(sig) != sig_bytes:
                raise ValueError(f"row {doc_id}: signature has {len(sig)} bytes, expected {sig_bytes}")
            blobs.append(sig if sig is not None else blank)
            index.exact.setdefault(key_hash, pos)
            cluster = index.cluster_num.get(cluster_id)
            if cluster is None:
                cluster = len(index.cluster_ids)
                index.cluster_ids.append(cluster_id)
                index.cluster_num[cluster_id] = cluster
                index.members.append([])
            index.cluster_of.append(cluster)
            index.members[cluster].append(pos)
            if anchors is not None:
                founders.append(pos)
                founder_anchors.append(np.frombuffer(anchors, dtype="<u8").astype(np.uint64))
        n = len(index.ids)
        index._sigs = np.frombuffer(b"".join(blobs), dtype="<u4").astype(np.uint32).reshape(n, num_perm)
        with_sig = np.flatnonzero(np.asarray(index._has_sig, dtype=bool))
        if len(with_sig):
            keys = minhash.band_keys(index._sigs[with_sig], bands, num_perm // bands)
            index._index_lsh(with_sig.astype(np.int64), keys)
        index._index_anchors(founders, founder_anchors)
        return index


# -- the engine ---------------------------------------------------------------------------------------
class DedupEngine:
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
        self.num_perm = num_perm
        self.bands = bands
        self.ngram = ngram
        self.verify_jaccard = verify_jaccard
        self.chain_floor = chain_floor
        self.min_chars = min_chars
        self.contain_threshold = contain_threshold
        self.contain_max_ratio = contain_max_ratio
        self.anchor_bits = anchor_bits
        self.anchor_span = anchor_span
        self.min_anchors = min_anchors
        self.min_shared_anchors = min_shared_anchors
        self.max_contain_candidates = max_contain_candidates
        self.max_candidates = max_candidates
        self.max_verified = max_verified
        self.anchor_df_cap = anchor_df_cap
        self.chunk_size = chunk_size
        self.min_band_hits = min_band_hits

    def new_index(self) -> SignatureIndex:
        """Return an empty index with this engine's LSH layout."""
        return SignatureIndex(num_perm=self.num_perm, bands=self.bands)

    def load_index(self, rows: Iterable[Sequence]) -> SignatureIndex:
        """Return an index rebuilt from persisted rows with this engine's layout."""
        return SignatureIndex.from_rows(
            rows, num_perm=self.num_perm, bands=self.bands, anchor_df_cap=self.anchor_df_cap
        )

    # -- signatures
    def signatures(self, docs: Sequence[DocInput]) -> list[Signature]:
        """Return the signatures of several documents (vectorised; same result as one by one)."""
        folded = fold_texts([d.text for d in docs])
        keys, cps, key_lengths = _strip_folded(folded)
        heads = fold_texts([f"{d.title}\n{d.doc_number or ''}" for d in docs])
        batch = minhash.shingle_hashes(keys, self.ngram)
        sigs = minhash.minhash_matrix(batch, self.num_perm)
        offsets = batch.offsets.astype(np.int64)
        anchors_of = _anchors_by_doc(batch, self.anchor_bits, self.anchor_span, self.ngram)
        no_anchors = np.zeros(0, dtype=np.uint64)
        out = []
        for i, doc in enumerate(docs):
            key = keys[i]
            guards = extract_guards(heads[i] + "\n" + folded[i], None)
            long_enough = len(key) >= self.min_chars and offsets[i + 1] > offsets[i]
            anchors = anchors_of[i] if long_enough else no_anchors
            out.append(
                Signature(doc.id, _hash_key(key)[:16], len(key), sigs[i] if long_enough else None, anchors, guards)
            )
        return out

    def signature(self, doc: DocInput) -> Signature:
        """Return one document's signature."""
        return self.signatures([doc])[0]

    # -- assignment
    def assign(self, new_docs: Sequence[DocInput], index: SignatureIndex) -> list[Assignment]:
        """Place new documents (in order) into the index's clusters; return one Assignment per document.

        A document already indexed with the same key keeps its place (re-runs are idempotent); one whose
        key changed is removed and placed again.
        """
        if index.num_perm != self.num_perm or index.bands != self.bands:
            raise ValueError("index LSH layout differs from the engine's")
        seen: set[str] = set()
        for d in new_docs:
            if d.id in seen:
                raise ValueError(f"duplicate document id in batch: {d.id}")
            seen.add(d.id)
        links: dict[str, list[Link]] = {}
        todo: list[DocInput] = []
        kept: set[str] = set()
        for start in range(0, len(new_docs), self.chunk_size):
            chunk = new_docs[start : start + self.chunk_size]
            sigs = self.signatures(chunk)
            fresh_docs, fresh_sigs = [], []
            for doc, sig in zip(chunk, sigs, strict=True):
                pos = index.pos_of.get(doc.id)
                if pos is not None and index.alive[pos]:
                    if index.key_hash[pos] == sig.key_hash:
                        kept.add(doc.id)
                        continue
                    index.remove([doc.id])
                fresh_docs.append(doc)
                fresh_sigs.append(sig)
            links.update(self._assign_chunk(fresh_docs, fresh_sigs, index))
            todo.extend(chunk)
        out = []
        canon_cache: dict[int, tuple[str, str]] = {}
        for doc in todo:
            pos = index.pos_of[doc.id]
            cluster = index.cluster_of[pos]
            if cluster not in canon_cache:
                info = index.cluster(index.cluster_ids[cluster])
                canon_cache[cluster] = (info.canonical_id, info.canonical_reason)
            canonical, reason = canon_cache[cluster]
            out.append(
                Assignment(doc.id, index.cluster_ids[cluster], canonical == doc.id, reason, links.get(doc.id, []))
            )
        return out

    def touched_clusters(self, assignments: Sequence[Assignment], index: SignatureIndex) -> list[ClusterInfo]:
        """Return the clusters these assignments touched, with their (possibly new) canonical document."""
        return [index.cluster(c) for c in dict.fromkeys(a.cluster_id for a in assignments)]

    def _candidates(
        self, positions: np.ndarray, keys: np.ndarray, index: SignatureIndex
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (later, earlier) candidate position pairs: LSH band matches among earlier documents."""
        b = self.bands
        flat_keys = keys.ravel()
        owners = np.repeat(positions, b)
        # earlier documents already in the index: the first max_candidates postings of each band key
        o_later, o_earlier, old_n = _capped_lookup(index.lsh, flat_keys, owners, self.max_candidates)
        # earlier documents of this chunk come after every indexed one, so the cap counts old ones first
        room = np.maximum(self.max_candidates - old_n, 0)
        n_later, n_earlier = minhash.pairs_within(flat_keys, owners, room)
        later = np.concatenate([o_later, n_later])
        earlier = np.concatenate([o_earlier, n_earlier])
        if not len(later):
            return later, earlier
        code = np.sort(later.astype(np.int64) * (1 << 32) + earlier.astype(np.int64))
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
        # a pair sharing one band of 32 is mostly chance (J 0.6 gives 4 expected hits, P(<2) 6.5%); it is
        # 95% of all pairs in template-heavy corpora, so requiring two hits cuts verification twentyfold
        hits = np.diff(np.r_[starts, len(code)])
        code = code[starts[hits >= self.min_band_hits]]
        return code >> 32, code & 0xFFFFFFFF

    def _assign_chunk(
        self, docs: list[DocInput], sigs: list[Signature], index: SignatureIndex
    ) -> dict[str, list[Link]]:
        links: dict[str, list[Link]] = {d.id: [] for d in docs}
        if not docs:
            return links
        first = len(index.ids)
        rows = np.zeros((len(docs), self.num_perm), dtype=np.uint32)
        for i, (doc, sig) in enumerate(zip(docs, sigs, strict=True)):
            index._append(sig, doc, sig.minhash)
            if sig.minhash is not None:
                rows[i] = sig.minhash
        index._grow_sigs(rows)
        positions = np.arange(first, first + len(docs), dtype=np.int64)
        with_sig = np.asarray([s.minhash is not None for s in sigs], dtype=bool)
        sig_pos = positions[with_sig]
        band = minhash.band_keys(rows[with_sig], self.bands, index.rows_per_band)

        cand = self._verified_candidates(sig_pos, band, index)
        old = self._old_anchor_carriers(sig_pos, sigs, first, index)
        chunk_postings: dict[int, list[int]] = {}  # anchor -> this chunk's founders carrying it, in order
        chunk_keys: set[int] = set()
        rep_cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # see _splice_holding
        founders: list[int] = []
        for i, (doc, sig) in enumerate(zip(docs, sigs, strict=True)):
            pos = first + i
            exact = index.exact.get(sig.key_hash)
            if exact is not None and exact != pos and index.alive[exact]:
                index._join(pos, index.cluster_of[exact])
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
            # founders sharing anchors that fewer than anchor_df_cap earlier founders carry
            shared = dict(old.shared.get(pos, ()))
            lo, hi = old.spans.get(pos, (0, 0))
            if hi > lo and chunk_postings:
                for key in chunk_keys.intersection(old.keys[lo:hi]):
                    e = lo + old.keys[lo:hi].index(key)
                    carriers = chunk_postings[key]
                    old_n = old.counts[e]
                    if old_n + len(carriers) >= self.anchor_df_cap:
                        if 0 < old_n < self.anchor_df_cap:  # common after all: its indexed carriers do not count
                            for f in old.carriers[old.bounds[e] : old.bounds[e + 1]].tolist():
                                if f in shared:
                                    shared[f] -= 1
                        continue
                    for f in carriers:
                        shared[f] = shared.get(f, 0) + 1
            contains, contained_in = self._containment(pos, sig.anchors, shared, index)
            if best is not None and self._holds_second_source(best, contains, index):
                best = None  # a splice holding most of a notice of another cluster: a cluster of its own
            if best is not None:
                holder = self._splice_holding(pos, sig.anchors, best[0], index, chunk_postings, rep_cache)
                if holder is not None:  # the cluster was founded by a splice that holds this document
                    best = None
                    contained_in = sorted({f: s for f, s in [*contained_in, holder]}.items())
            if best is not None:
                index._join(pos, best[0])
                links[doc.id].append(Link(index.ids[best[1]], "repost", round(best[2], 4)))
                continue
            index._found(pos)
            for f, share in contains:
                links[doc.id].append(Link(index.ids[f], "contains", share))
            for f, share in contained_in:
                links[doc.id].append(Link(index.ids[f], "contained_in", share))
            if len(sig.anchors) >= self.min_anchors:
                founders.append(pos)
                index._anchors[pos] = sig.anchors
                for key in sig.anchors.tolist():
                    chunk_postings.setdefault(key, []).append(pos)
                    chunk_keys.add(key)

        index._index_lsh(sig_pos, band)
        index._index_anchors(founders, [sigs[p - first].anchors for p in founders])
        return links

    def _verified_candidates(
        self, sig_pos: np.ndarray, band: np.ndarray, index: SignatureIndex
    ) -> dict[int, list[tuple[int, float]]]:
        """Return position -> [(earlier position, estimated Jaccard)] at or above verify_jaccard, best first."""
        later, earlier = self._candidates(sig_pos, band, index)
        sims = np.empty(len(later), dtype=np.float64)
        all_sigs = index._sigs
        for s in range(0, len(later), 50_000):  # blocks bound the memory of the row gathers
            a, b = later[s : s + 50_000], earlier[s : s + 50_000]
            sims[s : s + 50_000] = minhash.estimate_jaccard(all_sigs[a], all_sigs[b])
        alive = np.asarray(index.alive, dtype=bool)
        ok = (sims >= self.verify_jaccard) & alive[earlier]
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

    def _old_anchor_carriers(
        self, sig_pos: np.ndarray, sigs: list[Signature], first: int, index: SignatureIndex
    ) -> _OldCarriers:
        """Return the chunk's anchors against the indexed founders (see ``_OldCarriers``), vectorised."""
        spans: dict[int, tuple[int, int]] = {}
        keys_l, owners_l = [], []
        n = 0
        for pos in sig_pos.tolist():
            a = sigs[pos - first].anchors
            if len(a) >= self.min_anchors:
                keys_l.append(a)
                owners_l.append(np.full(len(a), pos, dtype=np.int64))
                spans[pos] = (n, n + len(a))
                n += len(a)
        if not keys_l:
            empty = np.zeros(0, dtype=np.int64)
            return _OldCarriers([], [], empty, empty, {}, spans)
        keys = np.concatenate(keys_l)
        owners = np.concatenate(owners_l)
        counts = index.anchor_postings.count(keys)
        rare = np.flatnonzero((counts > 0) & (counts < self.anchor_df_cap))
        entry, carrier = index.anchor_postings.lookup(keys[rare], rare)
        order = np.argsort(entry, kind="stable")
        entry, carrier = entry[order], carrier[order]
        bounds = np.searchsorted(entry, np.arange(n + 1))
        # shared rare anchors per (document, founder); below min_shared_anchors they can never count
        code = np.unique(owners[entry] * (1 << 32) + carrier, return_counts=True)
        code, n_shared = code[0][code[1] >= self.min_shared_anchors], code[1][code[1] >= self.min_shared_anchors]
        shared: dict[int, dict[int, int]] = {}
        for doc, f, c in zip((code >> 32).tolist(), (code & 0xFFFFFFFF).tolist(), n_shared.tolist(), strict=True):
            shared.setdefault(doc, {})[f] = c
        return _OldCarriers(keys.tolist(), counts.tolist(), bounds, carrier, shared, spans)

    def _containment(
        self, pos: int, anchors: np.ndarray, shared: dict[int, int], index: SignatureIndex
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """Return ([(founder, share)] pos contains, [(founder, share)] containing pos), one per cluster.

        Founders sharing at least ``min_shared_anchors`` rare anchors are candidates (the most shared
        first); the share is exact: the smaller side's anchors found in the larger one's.
        """
        contains: dict[int, tuple[float, int]] = {}
        contained_in: dict[int, tuple[float, int]] = {}
        ranked = sorted((-n, f) for f, n in shared.items() if n >= self.min_shared_anchors)
        cands = [f for _, f in ranked[: self.max_contain_candidates]]
        if not cands:
            return [], []
        # one vectorised MinHash comparison rules most candidates out before any exact anchor count
        j = np.count_nonzero(index._sigs[cands] == index._sigs[pos], axis=1) / self.num_perm
        len_pos = index.key_len[pos]
        for f, jf in zip(cands, j.tolist(), strict=True):
            len_f = index.key_len[f]
            small, large = (len_pos, len_f) if len_pos <= len_f else (len_f, len_pos)
            if jf >= self.verify_jaccard or small > self.contain_max_ratio * large:
                continue
            if _share_from_jaccard(jf, small, large) < self.contain_threshold - ESTIMATE_MARGIN:
                continue
            share = self._contained_share(pos, anchors, f, index)
            if share is None:
                continue
            target = contained_in if index.key_len[pos] <= index.key_len[f] else contains
            cluster = index.cluster_of[f]
            if cluster not in target or (share, -f) > (target[cluster][0], -target[cluster][1]):
                target[cluster] = (share, f)
        return (
            sorted((f, s) for s, f in contains.values()),
            sorted((f, s) for s, f in contained_in.values()),
        )

    def _contained_share(self, pos: int, anchors: np.ndarray, f: int, index: SignatureIndex) -> float | None:
        """Return the share of the smaller of pos and founder f held by the larger one, if it is a containment:
        at least contain_threshold, the smaller at most contain_max_ratio of the larger, guards agree, and
        not a near duplicate (Jaccard below verify_jaccard)."""
        if not index.alive[f] or f == pos:
            return None
        f_anchors = index._anchors[f]
        small, large, small_a = (pos, f, anchors) if index.key_len[pos] <= index.key_len[f] else (f, pos, f_anchors)
        if len(small_a) < self.min_anchors:
            return None
        if index.key_len[small] > self.contain_max_ratio * index.key_len[large]:
            return None
        # cheap MinHash checks first: a near duplicate is no containment, and a share estimated far below
        # the threshold will not reach it
        j = np.count_nonzero(index._sigs[pos] == index._sigs[f]) / self.num_perm
        if j >= self.verify_jaccard or _share_from_jaccard(j, index.key_len[small], index.key_len[large]) < (
            self.contain_threshold - ESTIMATE_MARGIN
        ):
            return None
        n = len(np.intersect1d(anchors, f_anchors, assume_unique=True))
        share = n / len(small_a)
        if share < self.contain_threshold:
            return None
        if containment_conflict(index.guards(small), index.guards(large)):
            return None
        return round(share, 4)

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
        j = np.count_nonzero(index._sigs[a] == index._sigs[b]) / self.num_perm
        return _share_from_jaccard(j, index.key_len[a], index.key_len[b])

    def _splice_holding(
        self,
        pos: int,
        anchors: np.ndarray,
        cluster: int,
        index: SignatureIndex,
        chunk_postings: dict[int, list[int]],
        rep_cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]],
    ) -> tuple[int, float] | None:
        """Return (representative, share) if the cluster pos would join was founded by a splice holding pos:
        the representative holds most of pos and is much longer, and also holds most of another founder
        that is no near duplicate of pos (a second source). None otherwise."""
        rep = index.representative(cluster)
        rep_anchors = index._anchors.get(rep)
        if rep_anchors is None or len(anchors) < self.min_anchors:
            return None
        if index.key_len[pos] > self.contain_max_ratio * index.key_len[rep]:
            return None
        j = np.count_nonzero(index._sigs[pos] == index._sigs[rep]) / self.num_perm
        if _share_from_jaccard(j, index.key_len[pos], index.key_len[rep]) < self.contain_threshold - ESTIMATE_MARGIN:
            return None
        n = len(np.intersect1d(anchors, rep_anchors, assume_unique=True))
        if n < self.contain_threshold * len(anchors):
            return None
        # founders (other than rep) sharing rare anchors with rep: indexed ones, then this chunk's
        keys = rep_anchors
        key_list = keys.tolist()
        if rep not in rep_cache:  # the indexed postings do not change within a chunk
            ranges = index.anchor_postings.ranges(keys)
            old_n = sum((right - left for left, right, _ in ranges), np.zeros(len(keys), dtype=np.int64))
            key_of, carrier_of = [], []
            for left, right, seg_pos in ranges:
                counts = np.where(old_n < self.anchor_df_cap, right - left, 0)
                total = int(counts.sum())
                if total:
                    starts = np.repeat(left - (np.cumsum(counts) - counts), counts)
                    carrier_of.append(seg_pos[starts + np.arange(total)])
                    key_of.append(np.repeat(np.arange(len(keys)), counts))
            flat = (
                (np.concatenate(key_of), np.concatenate(carrier_of)) if key_of else (np.zeros(0, dtype=np.int64),) * 2
            )
            rep_cache[rep] = (old_n, *flat)
        old_n, key_of_flat, carrier_flat = rep_cache[rep]
        chunk_n = np.fromiter((len(chunk_postings.get(k, ())) for k in key_list), dtype=np.int64, count=len(keys))
        rare = old_n + chunk_n < self.anchor_df_cap
        found = [carrier_flat[rare[key_of_flat]]]
        for k in np.flatnonzero(rare & (chunk_n > 0)).tolist():
            found.append(np.asarray(chunk_postings[key_list[k]], dtype=np.int64))
        if not found:
            return None
        carriers, n_shared = np.unique(np.concatenate(found), return_counts=True)
        shared = dict(zip(carriers.tolist(), n_shared.tolist(), strict=True))
        shared.pop(rep, None)
        ranked = sorted((-c, f) for f, c in shared.items() if c >= self.min_shared_anchors)
        for _, f in ranked[: self.max_contain_candidates]:
            if index.cluster_of[f] == cluster or not index.alive[f] or index.key_len[f] > index.key_len[rep]:
                continue
            f_anchors = index._anchors[f]
            in_pos = len(np.intersect1d(f_anchors, anchors, assume_unique=True)) / len(f_anchors)
            if in_pos >= SECOND_SOURCE_SHARE:
                continue  # the same notice again (a split cluster), not a second source
            if self._contained_share(rep, rep_anchors, f, index) is not None:
                return rep, round(n / len(anchors), 4)
        return None

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
        return float((index._sigs[pos] == rep_sig).mean()) >= self.chain_floor


def _share_from_jaccard(j: float, len_a: int, len_b: int) -> float:
    """Return the share of a in b implied by Jaccard j and the sizes: |a & b| = j (|a| + |b|) / (1 + j)."""
    size_a, size_b = max(1, len_a), max(1, len_b)
    return min(1.0, j * (size_a + size_b) / ((1 + j) * size_a))


class _OldCarriers(NamedTuple):
    """A chunk's anchors against the indexed founders: flat keys (entries, by document span), indexed
    founders carrying each (``counts``), the carriers of rare entries (``carriers[bounds[e]:bounds[e+1]]``),
    and per document {founder: shared rare anchors} for founders sharing at least min_shared_anchors."""

    keys: list[int]
    counts: list[int]
    bounds: np.ndarray
    carriers: np.ndarray
    shared: dict[int, dict[int, int]]
    spans: dict[int, tuple[int, int]]


def _anchors_by_doc(batch: minhash.ShingleBatch, bits: int, span: int, ngram: int) -> list[np.ndarray]:
    """Return each document's sorted unique anchors (one sort for the whole batch): hashes of the
    ``span * ngram``-character windows that start at a sampled n-gram (see ``minhash.anchor_windows``)."""
    n = len(batch.offsets) - 1
    h, owner = minhash.anchor_windows(batch, bits, span, ngram)
    order = np.lexsort((h, owner))
    h, owner = h[order], owner[order]
    keep = np.ones(len(h), dtype=bool)
    keep[1:] = (h[1:] != h[:-1]) | (owner[1:] != owner[:-1])
    h, owner = h[keep], owner[keep]
    bounds = np.searchsorted(owner, np.arange(n + 1))
    return [h[bounds[i] : bounds[i + 1]] for i in range(n)]


def _capped_lookup(
    postings: minhash.SortedPostings, keys: np.ndarray, owners: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (owner, position) pairs for matching postings, at most ``cap`` earliest ones per key, and
    the total number of postings per key."""
    out_o, out_p = [], []
    taken = np.zeros(len(keys), dtype=np.int64)
    total_n = np.zeros(len(keys), dtype=np.int64)
    for left, right, seg_pos in postings.ranges(keys):
        total_n += right - left
        counts = np.minimum(right - left, np.maximum(cap - taken, 0))
        taken += counts
        total = int(counts.sum())
        if not total:
            continue
        starts = np.repeat(left - (np.cumsum(counts) - counts), counts)
        out_o.append(np.repeat(owners, counts))
        out_p.append(seg_pos[starts + np.arange(total)])
    if not out_o:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, total_n
    return np.concatenate(out_o), np.concatenate(out_p), total_n

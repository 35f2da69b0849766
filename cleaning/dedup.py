"""Dedup: exact keys, and a MinHash/LSH engine that clusters reposts without chaining.

Dedup keys fold width, script, case, spaces and punctuation, but keep digits (years and 文号 differ).
Only for finding duplicates; stored text is never normalised this way.

The engine (``DedupEngine``) is pure: it reads a ``SignatureIndex`` and new documents and returns one
``Assignment`` per document (and one per earlier document that moved, see 6.). Persistence is the
caller's: ``SignatureIndex.to_rows()`` gives plain rows (see ``ROW_COLUMNS``) and
``SignatureIndex.from_rows()`` rebuilds the index from them.

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
import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import NamedTuple

import numpy as np

from cleaning import minhash
from cleaning.script import get_converter

# Unicode categories dropped from the key: punctuation, symbols, separators, control/format.
DROPPED_CATEGORIES: tuple[str, ...] = ("P", "S", "Z", "C")

# 文号 and year mentions, found in one pass from their year digits (the search skips ahead to a 1 or 2).
# A year mention: 2024年 / 2024年度 / 2024-03-05 / 2024.3.5 (group 2 set). A 文号: issuer abbreviation, year in
# 〔〕 [] 【】 () brackets, number, 号 (group 3 is the number; the opening bracket is checked before the
# digits). Matched on NFKC + simplified text, so ［］（）﹝﹞ and 號 are already folded. e.g. 民发〔2024〕8号,
# 青民发[2024]12号, 粤民函【2023】第5号. The look-behind (no digit before the year) sits after the year:
# four times faster than a leading (?<!\d) on long texts. A 文号's year is no year mention.
GUARD_RE = re.compile(
    r"((?:19|20)\d{2})(?<!\d{5})\s*"
    r"(?:(年|[-/.]\d{1,2}[-/.]\d{1,2})"  # year mention
    r"|[〕\]】)]\s*第?\s*0*(\d{1,5})\s*号)"  # 文号
)
DOC_NUMBER_OPEN = frozenset("〔[【(")
# The issuer abbreviation: the Han characters right before the bracket (searched backwards, so cheap).
DOC_PREFIX_RE = re.compile(r"([\u4e00-\u9fff]{1,12})\s*$")
# Characters that end the running text before an issuer abbreviation (根据民发… -> 民发).
DOC_PREFIX_CUT_RE = re.compile(r".*[的据照将和及与见于为按依转在以是经对]")
DOC_PREFIX_MAX = 8
# A side whose year mentions are at least this share on years the other side never mentions differs.
YEAR_CONFLICT_SHARE = 0.5

# A founder held by a splice is a second source (another notice) when less than this share of it is in
# the notice the splice is matched with; more means a shorter copy of the same notice (a split cluster).
SECOND_SOURCE_SHARE = 0.5
# A member holding less than this share of a new notice is another notice: a cluster is split between
# the holders of a new notice (a splice) and the others only when all the others are (copies of one
# notice that dropped different paragraphs hold 0.3-0.5 of each other; other notices under 0.2).
FOREIGN_SHARE = 0.25
# How far below contain_threshold a MinHash estimate of a share may fall and still be checked exactly
# (the estimate's standard error is about 0.05-0.1 at 128 permutations).
ESTIMATE_MARGIN = 0.25

# A host needs at least this many anchors its cluster's representative lacks (see SignatureIndex).
HOST_MIN_EXTRA = 3

# Bump when signatures, anchors or guards change meaning: persisted index rows of another version are
# rebuilt from the documents (zhcorpus.dedupjob), never mixed with new ones.
INDEX_VERSION = 3

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
    "anchors",  # bytes: sorted little-endian uint64 anchors (20-char windows), None for short documents
    "guards",  # JSON {"doc_numbers": [[prefix, year, number], ...], "years": {"2024": 3}}
    "site_id",  # for the canonical choice
    "published_at",  # ISO date or None
    "is_authority",  # 1 when published on the issuing authority's own site
)


# -- keys ---------------------------------------------------------------------------------------------
# Characters whose t2s conversion changes only through a phrase rule (反覆 -> 反复, 沈思 -> 沉思): OpenCC
# converts each of them alone unchanged. With the characters it changes alone, they decide whether a text
# needs OpenCC at all (tests/cleaning/test_dedup_engine.py checks this against the installed dictionaries).
T2S_PHRASE_CHARS = "哩坏沈甦瞭藉衹覆"

# Bits of the per-code-point table (filled lazily for the characters a process meets).
_SEEN, _KEEP, _T2S = 1, 2, 4


@cache
def _char_table() -> np.ndarray:
    """Return the shared uint8 table over all code points (see ``_classify``); starts unfilled."""
    return np.zeros(sys.maxunicode + 1, dtype=np.uint8)


def _classify(cps: np.ndarray) -> np.ndarray:
    """Return the table after classifying the code points not seen before: kept in a key (not punctuation,
    symbol, separator or control), and changed by OpenCC t2s (alone, or as a ``T2S_PHRASE_CHARS``)."""
    table = _char_table()
    new = cps[(table[cps] & _SEEN) == 0]
    if len(new):
        chars = [chr(c) for c in np.unique(new).tolist() if c != 0x0A]
        # one OpenCC call for all new characters, newline-separated (no conversion rule holds a newline)
        converted = get_converter("t2s").convert("\n".join(chars)).split("\n") if chars else []
        table[0x0A] = _SEEN
        for c, t in zip(chars, converted, strict=True):
            bits = _SEEN
            if not unicodedata.category(c).startswith(DROPPED_CATEGORIES):
                bits |= _KEEP
            if t != c or c in T2S_PHRASE_CHARS:
                bits |= _T2S
            table[ord(c)] = bits
    return table


def _code_points(texts: Sequence[str]) -> np.ndarray:
    return np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _split_like(joined: str, texts: Sequence[str]) -> list[str]:
    """Return joined cut back into pieces as long as texts."""
    result, pos = [], 0
    for t in texts:
        result.append(joined[pos : pos + len(t)])
        pos += len(t)
    return result


def _flag_texts(cps: np.ndarray, texts: Sequence[str], bit: int) -> list[bool]:
    """Return per text (cps: the texts' code points, joined) whether one of its characters has bit."""
    where = np.flatnonzero(_classify(cps)[cps] & bit)
    ends = np.cumsum(np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts)))
    return (np.bincount(np.searchsorted(ends, where, side="right"), minlength=len(texts)) > 0).tolist()


def fold_texts(texts: Sequence[str]) -> list[str]:
    """Return each text NFKC-folded, simplified (OpenCC t2s) and case-folded, punctuation kept."""
    t2s = get_converter("t2s")
    # full-width forms (U+FF01..FF5E) and the ideographic space to ASCII in one numpy pass: NFKC's work
    cps = _code_points(texts)
    wide = (cps >= 0xFF01) & (cps <= 0xFF5E)
    ideo_space = cps == 0x3000
    if wide.any() or ideo_space.any():
        cps = cps.copy()
        cps[wide] -= 0xFEE0
        cps[ideo_space] = 0x20
        texts = _split_like(cps.tobytes().decode("utf-32-le", "surrogatepass"), texts)
    # OpenCC only where a character could change: most pages are simplified already
    needs = _flag_texts(cps, texts, _T2S)
    out = []
    for text, need in zip(texts, needs, strict=True):
        # after the full-width pass the quick check usually finds the text NFKC already
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
            need = _flag_texts(_code_points([text]), [text], _T2S)[0]
        out.append((t2s.convert(text) if need else text).casefold())
    return out


def _strip_folded(folded: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return (keys, code points of all keys joined, key lengths): folded texts without dropped categories."""
    cps = _code_points(folded)
    keep = (_classify(cps)[cps] & _KEEP) != 0
    lengths = np.fromiter((len(f) for f in folded), dtype=np.int64, count=len(folded))
    # kept characters per text: a sum per segment (a cumulative sum over all characters costs more)
    key_lengths = np.zeros(len(folded), dtype=np.int64)
    nonempty = lengths > 0
    if nonempty.any():
        key_lengths[nonempty] = np.add.reduceat(keep, (np.cumsum(lengths) - lengths)[nonempty], dtype=np.int64)
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

    # derived once per object: guards are compared for every candidate pair
    @cached_property
    def prefixes(self) -> frozenset[str]:
        """Return the issuer prefixes of the 文号."""
        return frozenset(p for p, _, _ in self.doc_numbers)

    @cached_property
    def year_counts(self) -> dict[str, int]:
        """Return year -> mentions."""
        return dict(self.years)

    @cached_property
    def year_total(self) -> int:
        """Return the number of year mentions."""
        return sum(n for _, n in self.years)


def _doc_prefix(raw: str) -> str:
    prefix = DOC_PREFIX_CUT_RE.sub("", raw)
    return (prefix or raw)[-DOC_PREFIX_MAX:]


def _scan_guards(folded: str) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """Return (文号 as (issuer prefix, year, number), year -> mentions) of NFKC+simplified text, one pass."""
    numbers, years = [], {}
    for m in GUARD_RE.finditer(folded):
        year, mention, number = m.groups()
        if mention is not None:
            years[year] = years.get(year, 0) + 1
            continue
        j = m.start() - 1
        while j >= 0 and folded[j].isspace():
            j -= 1
        if j < 0 or folded[j] not in DOC_NUMBER_OPEN:
            continue
        head = DOC_PREFIX_RE.search(folded, max(0, j - 16), j)
        if head:
            numbers.append((_doc_prefix(head.group(1)), year, number))
    return numbers, years


def extract_doc_numbers(folded: str) -> list[tuple[str, str, str]]:
    """Return the 文号 in NFKC+simplified text as (issuer prefix, year, number without leading zeros)."""
    return _scan_guards(folded)[0]


def format_doc_number(doc_number: tuple[str, str, str]) -> str:
    """Return a normalised 文号 string, e.g. 民发〔2024〕8号."""
    prefix, year, number = doc_number
    return f"{prefix}〔{year}〕{number}号"


def extract_years(folded: str) -> dict[str, int]:
    """Return year -> mentions (2024年, 2024年度, 2024-03-05) in NFKC+simplified text, 文号 excluded."""
    return _scan_guards(folded)[1]


def extract_guards(folded: str, doc_number: str | None = None) -> Guards:
    """Return the guards of a folded text plus its page's own 文号 (meta), if any."""
    numbers, years = _scan_guards(folded)
    if doc_number:
        numbers += extract_doc_numbers(fold_texts([doc_number])[0])
    return Guards(frozenset(numbers), tuple(sorted(years.items())))


def guard_conflict(a: Guards, b: Guards) -> str | None:
    """Return why two documents must stay apart ("doc_number" or "year"), or None.

    文号: they conflict when they share none and some pair has the same issuer prefix (same series,
    another number: next year's edition), so a forwarding wrapper with its own 文号 still matches.
    Years: one side has at least half of its year mentions on years the other never mentions.
    """
    if a.doc_numbers and b.doc_numbers and not (a.doc_numbers & b.doc_numbers) and a.prefixes & b.prefixes:
        return "doc_number"
    if a.years and b.years:
        for this, other in ((a, b), (b, a)):
            seen = other.year_counts
            alien = sum(n for y, n in this.years if y not in seen)
            if alien and alien >= YEAR_CONFLICT_SHARE * this.year_total:
                return "year"
    return None


def containment_conflict(small: Guards, large: Guards) -> bool:
    """Return True if the smaller document cannot be a part of the larger: its 文号 series or years differ.

    Only the smaller side is checked for foreign years: a splice mixes the years of several notices.
    """
    if small.doc_numbers and large.doc_numbers and not (small.doc_numbers & large.doc_numbers):
        if small.prefixes & large.prefixes:
            return True
    if small.years and large.years:
        seen = large.year_counts
        alien = sum(n for y, n in small.years if y not in seen)
        if alien and alien >= YEAR_CONFLICT_SHARE * small.year_total:
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
    moved_from: str | None = None  # set when an earlier document left this cluster id (a splice found out)


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
        return self._anchors.get(pos, _NO_ANCHORS)

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
        extra = _missing_from(anchors, self.anchors(rep))
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
        return SignatureIndex(num_perm=self.num_perm, bands=self.bands, min_anchors=self.min_anchors)

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
        """Return the signatures of several documents (vectorised; same result as one by one)."""
        folded = fold_texts([d.text for d in docs])
        keys, cps, key_lengths = _strip_folded(folded)
        heads = fold_texts([f"{d.title}\n{d.doc_number or ''}" for d in docs])
        batch = minhash.shingle_hashes(keys, self.ngram)
        sigs = minhash.minhash_matrix(batch, self.num_perm)
        offsets = batch.offsets.astype(np.int64)
        anchors_of = _anchors_by_doc(batch, self.anchor_bits, self.anchor_span, self.ngram)
        out = []
        for i, doc in enumerate(docs):
            key = keys[i]
            guards = extract_guards(heads[i] + "\n" + folded[i], None)
            long_enough = len(key) >= self.min_chars and offsets[i + 1] > offsets[i]
            anchors = anchors_of[i] if long_enough else _NO_ANCHORS
            out.append(
                Signature(doc.id, _hash_key(key)[:16], len(key), sigs[i] if long_enough else None, anchors, guards)
            )
        return out

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
        if index.num_perm != self.num_perm or index.bands != self.bands:
            raise ValueError("index LSH layout differs from the engine's")
        seen: set[str] = set()
        for d in new_docs:
            if d.id in seen:
                raise ValueError(f"duplicate document id in batch: {d.id}")
            seen.add(d.id)
        with _cyclic_gc_paused():
            return self._assign(new_docs, index)

    def _assign(self, new_docs: Sequence[DocInput], index: SignatureIndex) -> list[Assignment]:
        """Return the assignments of ``assign`` (its arguments checked)."""
        links: dict[str, list[Link]] = {}
        moved: dict[str, str] = {}  # id -> cluster id it left (its first move in this run)
        todo: list[DocInput] = []
        for start in range(0, len(new_docs), self.chunk_size):
            chunk = new_docs[start : start + self.chunk_size]
            sigs = self.signatures(chunk)
            fresh_docs, fresh_sigs = [], []
            for doc, sig in zip(chunk, sigs, strict=True):
                pos = index.pos_of.get(doc.id)
                if pos is not None and index.alive[pos]:
                    if index.key_hash[pos] == sig.key_hash:
                        continue
                    index.remove([doc.id])
                fresh_docs.append(doc)
                fresh_sigs.append(sig)
            self._assign_chunk(fresh_docs, fresh_sigs, index, links, moved)
            todo.extend(chunk)
        in_batch = {d.id for d in todo}
        out = []
        canon_cache: dict[int, tuple[str, str]] = {}
        for doc_id in [d.id for d in todo] + [i for i in moved if i not in in_batch]:
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
                    links.get(doc_id, []),
                    moved.get(doc_id),
                )
            )
        return out

    def touched_clusters(self, assignments: Sequence[Assignment], index: SignatureIndex) -> list[ClusterInfo]:
        """Return the clusters these assignments touched (also the ones moved documents left), with their
        (possibly new) canonical document."""
        ids = [a.cluster_id for a in assignments] + [a.moved_from for a in assignments if a.moved_from]
        return [index.cluster(c) for c in dict.fromkeys(ids)]

    def _candidates(
        self, positions: np.ndarray, keys: np.ndarray, index: SignatureIndex
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (later, earlier) candidate position pairs: LSH band matches among earlier documents."""
        b = self.bands
        flat_keys = keys.ravel()
        owners = np.repeat(positions, b)
        # earlier documents already in the index: the first max_candidates postings of each band key
        o_later, o_earlier, old_n = index.lsh.lookup(flat_keys, owners, cap=self.max_candidates)
        # earlier documents of this chunk come after every indexed one, so the cap counts old ones first
        room = np.maximum(self.max_candidates - old_n, 0)
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
        state = _ChunkState(old.spans, old.count_array, self.anchor_df_cap)
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
    def _join(self, pos: int, cluster: int, index: SignatureIndex, state: _ChunkState) -> None:
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
                    index.may_hold[pos] = True
                if not index.may_hold[f] and self._held_share(pos, f, index) is not None:
                    index.may_hold[f] = True

    def _shared_with(self, pos: int, index: SignatureIndex, state: _ChunkState) -> dict[int, int]:
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

    def _promote(self, pos: int, index: SignatureIndex, state: _ChunkState) -> None:
        """Index pos's anchors as a cluster representative's (founder postings)."""
        anchors = index.anchors(pos)
        if len(anchors) >= self.min_anchors:
            state.add_founder(pos, anchors)

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
        """Return the chunk's anchors against the indexed representatives and hosts (see ``_OldCarriers``)."""
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
            return _OldCarriers([], [], empty, empty, {}, spans, {}, empty)
        keys = np.concatenate(keys_l)
        owners = np.concatenate(owners_l)
        entries = np.arange(n, dtype=np.int64)
        # carriers of rare entries only (an entry with anchor_df_cap carriers or more is common)
        entry, carrier, counts = index.anchor_postings.lookup(keys, entries, rare_below=self.anchor_df_cap)
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
        rare = np.flatnonzero(counts < self.anchor_df_cap)
        h_entry, host, _ = index.host_postings.lookup(keys[rare], rare)
        # a host can only hold a document it is long enough for (most hits are copies of one notice)
        key_len = np.asarray(index.key_len)
        doc = owners[h_entry]
        fits = key_len[host] * self.contain_max_ratio >= key_len[doc]
        code, n_hits = np.unique(doc[fits] * (1 << 32) + host[fits], return_counts=True)
        host_hits: dict[int, dict[int, int]] = {}
        for doc, h, c in zip((code >> 32).tolist(), (code & 0xFFFFFFFF).tolist(), n_hits.tolist(), strict=True):
            host_hits.setdefault(doc, {})[h] = c
        return _OldCarriers(keys.tolist(), counts.tolist(), bounds, carrier, shared, spans, host_hits, counts)

    def _shared_founders(self, pos: int, old: _OldCarriers, state: _ChunkState) -> tuple[dict[int, int], set[int]]:
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

    def _rare_outside(self, pos: int, other: int, old: _OldCarriers, index: SignatureIndex) -> int:
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

    def _made_common(self, pos: int, old: _OldCarriers, state: _ChunkState) -> set[int]:
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
        j = np.count_nonzero(index._sigs[cands] == index._sigs[pos], axis=1) / self.num_perm
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
        short = index.shortest[cluster]
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
            j = np.count_nonzero(index._sigs[small] == index._sigs[large]) / self.num_perm
        if _share_from_jaccard(j, len_small, len_large) < self.contain_threshold - ESTIMATE_MARGIN:
            return None
        small_a = index.anchors(small)
        if len(small_a) < self.min_anchors or containment_conflict(index.guards(small), index.guards(large)):
            return None
        share = _count_common(small_a, index.anchors(large)) / len(small_a)
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
        j = np.count_nonzero(index._sigs[a] == index._sigs[b]) / self.num_perm
        return _share_from_jaccard(j, index.key_len[a], index.key_len[b])

    def _splice_holding(
        self, pos: int, anchors: np.ndarray, cluster: int, index: SignatureIndex, state: _ChunkState
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
        j = np.count_nonzero(index._sigs[pos] == index._sigs[rep]) / self.num_perm
        if _share_from_jaccard(j, index.key_len[pos], index.key_len[rep]) < self.contain_threshold - ESTIMATE_MARGIN:
            return None
        n = _count_common(anchors, rep_anchors)
        if n < self.contain_threshold * len(anchors):
            return None
        # a second source is held by rep but mostly not by pos: founders (other than rep) sharing rare anchors
        # with the part of rep outside pos, indexed ones, then this chunk's
        keys = _missing_from(rep_anchors, anchors)
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
            if _count_common(f_anchors, anchors) / len(f_anchors) >= SECOND_SOURCE_SHARE:
                continue  # the same notice again (a split cluster), not a second source
            if self._held_share(f, rep, index) is not None:
                return rep, round(n / len(anchors), 4)
        return None

    # -- splices found out by their second source
    def _holding_hosts(
        self, pos: int, common: set[int] | None, old: _OldCarriers, state: _ChunkState, index: SignatureIndex
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
            and h in index._extra
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
            n = _count_common(rare_keys, index._extra[h])
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
        short = index.shortest[cluster]
        return len(index.anchors(pos)) >= self.min_anchors and (short < 0 or index.key_len[pos] < index.key_len[short])

    def _holders_of_member(
        self,
        pos: int,
        contained_in: list[tuple[int, float]],
        common: set[int] | None,
        old: _OldCarriers,
        index: SignatureIndex,
        links: dict[str, list[Link]],
        moved: dict[str, str],
        state: _ChunkState,
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
        state: _ChunkState,
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

    def _shares_of(self, pos: int, live: list[int], index: SignatureIndex) -> list[float]:
        """Return per member the share of pos it holds (exact on anchors; estimated from MinHash without
        enough anchors; a short member gets the representative's)."""
        anchors = index.anchors(pos)
        out = []
        for m in live:
            m_anchors = index.anchors(m)
            if len(m_anchors) >= self.min_anchors:
                out.append(_count_common(anchors, m_anchors) / len(anchors))
            elif index._has_sig[m]:
                out.append(self._estimated_share(pos, m, index))
            else:
                out.append(out[0] if out else 0.0)
        return out

    def _move(
        self,
        movers: list[int],
        cluster: int,
        *,
        splice_moves: bool,
        index: SignatureIndex,
        links: dict[str, list[Link]],
        state: _ChunkState,
    ) -> None:
        """Move members out of a cluster into a new one (founded by the first of them) and rewrite the
        links that involve them: the new representative's link to the old cluster becomes the containment
        between the splice and the notice; the other movers repost the new representative; links of
        documents placed in this run to a mover are dropped (the store drops them too)."""
        gone = set(movers)
        index.members[cluster] = [p for p in index.members[cluster] if p not in gone]
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
            j = float(np.count_nonzero(index._sigs[m] == index._sigs[new_rep])) / self.num_perm
            links[index.ids[m]] = [Link(index.ids[new_rep], "repost", round(j, 4))]
        moved_ids = {index.ids[m] for m in movers}
        for p in index.live_members(cluster):
            own = links.get(index.ids[p])
            if own and any(link.other_id in moved_ids for link in own):
                links[index.ids[p]] = [link for link in own if link.other_id not in moved_ids]

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


def _share_from_jaccard(j: float, len_a: int, len_b: int) -> float:
    """Return the share of a in b implied by Jaccard j and the sizes: |a & b| = j (|a| + |b|) / (1 + j)."""
    size_a, size_b = max(1, len_a), max(1, len_b)
    return min(1.0, j * (size_a + size_b) / ((1 + j) * size_a))


def _count_common(a: np.ndarray, b: np.ndarray) -> int:
    """Return how many values of sorted unique a are in sorted unique b."""
    if not len(a) or not len(b):
        return 0
    i = np.searchsorted(b, a)
    np.minimum(i, len(b) - 1, out=i)
    return int(np.count_nonzero(b[i] == a))


def _missing_from(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the values of sorted unique a that are not in sorted unique b."""
    if not len(a) or not len(b):
        return a
    i = np.searchsorted(b, a)
    np.minimum(i, len(b) - 1, out=i)
    return a[b[i] != a]


class _OldCarriers(NamedTuple):
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
class _ChunkState:
    """What a chunk adds to the anchor postings, visible to its later documents at once: anchor ->
    representatives (``founder_keys``) and hosts (``host_keys``, extra anchors) of this chunk, in order.
    Anchors of chunk documents that anchor_df_cap indexed representatives carry are left out: they stay
    common (``spans``, ``counts``: see _OldCarriers)."""

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


_NO_ANCHORS = np.zeros(0, dtype=np.uint64)


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

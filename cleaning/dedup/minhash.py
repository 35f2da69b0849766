"""Vectorised shingling, MinHash signatures (rensa) and LSH band keys over dedup keys.

Character 5-grams of many keys are hashed at once with numpy (a polynomial over code points, then a
splitmix64 finaliser), and rensa's Rust MinHash turns the flat hash buffer into a signature matrix.
``bench/dedup/RESULTS.md`` has the measurements that picked rensa over datasketch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import rensa

SEED = 20240601  # fixed: signatures stored in SQLite must stay comparable across runs
_POLY = np.uint64(0x100000001B3)  # FNV-64 prime as the polynomial base
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def mix64(x: np.ndarray) -> np.ndarray:
    """Return the splitmix64 finaliser of a uint64 array (a good bit mixer, wraps mod 2**64)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _MIX1
    x = x ^ (x >> np.uint64(27))
    x = x * _MIX2
    return x ^ (x >> np.uint64(31))


@dataclass
class ShingleBatch:
    """Flat 5-gram hashes of several keys: ``hashes[offsets[i]:offsets[i+1]]`` belong to key i."""

    hashes: np.ndarray  # uint64
    offsets: np.ndarray  # uint64, len(keys) + 1


def shingle_hashes(keys: list[str], ngram: int) -> ShingleBatch:
    """Return the hashes of every character n-gram of each key (keys shorter than n give none)."""
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    counts = np.maximum(lengths - (ngram - 1), 0)
    offsets = np.zeros(len(keys) + 1, dtype=np.uint64)
    np.cumsum(counts, out=offsets[1:])
    if not counts.sum():
        return ShingleBatch(np.zeros(0, dtype=np.uint64), offsets)
    cps = np.frombuffer("".join(keys).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    n = len(cps) - (ngram - 1)
    with np.errstate(over="ignore"):
        h = cps[:n].copy()
        for k in range(1, ngram):
            h *= _POLY
            h += cps[k : k + n]
        h = mix64(h)
    # Keep windows that start in a key and end in the same key: drop those starting in a key's last
    # ngram - 1 characters (a mask: cheaper than gathering the valid positions)
    ends = np.cumsum(lengths)
    keep = np.ones(n, dtype=bool)
    for k in range(1, ngram):
        last = ends[lengths >= k] - k
        keep[last[last < n]] = False
    return ShingleBatch(h[keep], offsets)


def minhash_matrix(batch: ShingleBatch, num_perm: int) -> np.ndarray:
    """Return the (n, num_perm) uint32 MinHash signatures of a shingle batch (rows without shingles are 0)."""
    rows = len(batch.offsets) - 1
    if rows == 0:
        return np.zeros((0, num_perm), dtype=np.uint32)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(batch.hashes, batch.offsets, num_perm, SEED)
    sigs = np.array(matrix.to_rows(), dtype=np.uint32).reshape(rows, num_perm)
    empty = batch.offsets[1:] == batch.offsets[:-1]
    sigs[empty] = 0
    return sigs


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Return (n, bands) uint64 LSH keys; the band number is mixed in so one sorted array holds all bands."""
    n = sigs.shape[0]
    parts = sigs[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        h = np.zeros((n, bands), dtype=np.uint64)
        for r in range(rows):
            h = mix64(h * _POLY + parts[:, :, r])
        h ^= (np.arange(1, bands + 1, dtype=np.uint64) * _GOLDEN)[None, :]
        return mix64(h)


def anchor_mask(hashes: np.ndarray, sample_bits: int) -> np.ndarray:
    """Return which shingle hashes are anchors: a content-defined 1/2**bits sample, the same in every doc."""
    return (hashes >> np.uint64(64 - sample_bits)) == 0


def anchor_windows(batch: ShingleBatch, bits: int, span: int, ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (hash, key number) of every anchor window: ``span`` back-to-back n-grams (``span * ngram``
    characters) starting at an n-gram that ``anchor_mask`` samples.

    Single 5-grams of template-heavy notices are shared by thousands of documents; 20-character windows
    stay rare enough to find which notices a splice holds, and sampling by content keeps them aligned
    across documents.
    """
    counts = np.diff(batch.offsets.astype(np.int64))
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    tail = ngram * (span - 1)  # the last n-gram of a window starts this far after the first
    start = np.flatnonzero(anchor_mask(batch.hashes, bits))
    end = start + tail
    ok = end < len(batch.hashes)
    start, end = start[ok], end[ok]
    start = start[owner[end] == owner[start]]
    h = batch.hashes[start]
    with np.errstate(over="ignore"):
        for k in range(1, span):
            h = mix64(h * _POLY + batch.hashes[start + k * ngram])
    return h, owner[start]


def estimate_jaccard(sigs_a: np.ndarray, sigs_b: np.ndarray) -> np.ndarray:
    """Return the share of equal MinHash slots, row by row."""
    return np.count_nonzero(sigs_a == sigs_b, axis=1) / sigs_a.shape[1]


# Postings segments are merged while the newer one is at least half the older, up to this many entries:
# larger segments stay apart (a lookup searches each; merging two 16M-entry segments would need ~400 MB
# for a moment, the memory a million-document batch cannot spare).
SEGMENT_MAX = 1 << 22


def merge_sorted(k1: np.ndarray, p1: np.ndarray, k2: np.ndarray, p2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return two sorted (key, position) runs merged, the first run's entries first among equal keys."""
    at = np.searchsorted(k1, k2, side="right") + np.arange(len(k2))
    keys = np.empty(len(k1) + len(k2), dtype=k1.dtype)
    positions = np.empty(len(keys), dtype=p1.dtype)
    second = np.zeros(len(keys), dtype=bool)
    second[at] = True
    keys[at], positions[at] = k2, p2
    keys[~second], positions[~second] = k1, p1
    return keys, positions


class SortedPostings:
    """uint64 keys -> positions (uint32), as a few sorted segments (merged geometrically, like an LSM tree)."""

    def __init__(self) -> None:
        self.segments: list[tuple[np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(k) for k, _ in self.segments)

    def nbytes(self) -> int:
        """Return the bytes the postings hold."""
        return sum(k.nbytes + p.nbytes for k, p in self.segments)

    def add(self, keys: np.ndarray, positions: np.ndarray) -> None:
        """Add postings; a key's postings keep insertion order (the LSH adds increasing positions, so the
        earliest documents come first)."""
        if not len(keys):
            return
        order = np.argsort(keys, kind="stable")
        self.segments.append((keys[order], positions[order].astype(np.uint32)))
        while len(self.segments) > 1:
            (k1, p1), (k2, p2) = self.segments[-2], self.segments[-1]
            if len(k2) * 2 < len(k1) or len(k1) + len(k2) > SEGMENT_MAX:
                break
            self.segments[-2:] = [merge_sorted(k1, p1, k2, p2)]

    def lookup(
        self, keys: np.ndarray, owners: np.ndarray, *, cap: int | None = None, rare_below: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (owner, position) for the postings whose key equals one of keys (owners[i] owns keys[i]),
        and each key's total number of postings.

        With ``cap``, at most the ``cap`` earliest postings of each key; with ``rare_below``, none for keys
        with that many postings or more.
        """
        ranges = self.ranges(keys)
        totals = np.zeros(len(keys), dtype=np.int64)
        for left, right, _ in ranges:
            totals += right - left
        taken = np.zeros(len(keys), dtype=np.int64)
        out_o, out_p = [], []
        for left, right, seg_pos in ranges:
            counts = right - left
            if cap is not None:
                counts = np.minimum(counts, np.maximum(cap - taken, 0))
                taken += counts
            if rare_below is not None:
                counts = np.where(totals < rare_below, counts, 0)
            total = int(counts.sum())
            if not total:
                continue
            starts = np.repeat(left - (np.cumsum(counts) - counts), counts)
            out_o.append(np.repeat(owners, counts))
            out_p.append(seg_pos[starts + np.arange(total)].astype(np.int64))
        if not out_o:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, totals
        return np.concatenate(out_o), np.concatenate(out_p), totals

    def totals(self, keys: np.ndarray, cap: int) -> np.ndarray:
        """Return each key's number of postings, at most ``cap`` (no postings are gathered)."""
        totals = np.zeros(len(keys), dtype=np.int64)
        for left, right, _ in self.ranges(keys):
            totals += right - left
        return np.minimum(totals, cap)

    def ranges(self, keys: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Return per segment (left, right, positions): keys[i]'s postings are positions[left[i]:right[i]]."""
        if not self.segments:
            return []
        order = np.argsort(keys, kind="stable")  # sorted queries make searchsorted cache-friendly
        sorted_keys = keys[order]
        out = []
        for seg_keys, seg_pos in self.segments:
            left, right = np.empty(len(keys), dtype=np.int64), np.empty(len(keys), dtype=np.int64)
            left[order] = np.searchsorted(seg_keys, sorted_keys, side="left")
            right[order] = np.searchsorted(seg_keys, sorted_keys, side="right")
            out.append((left, right, seg_pos))
        return out


def pairs_within(
    keys: np.ndarray, owners: np.ndarray, limit: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return (later, earlier) owner pairs sharing a key; owners must be non-decreasing along keys.

    With ``limit``, entry i pairs only with the first ``limit[i]`` entries of its key.
    """
    if len(keys) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    order = np.argsort(keys, kind="stable")
    k, o = keys[order], owners[order]
    new_run = np.empty(len(k), dtype=bool)
    new_run[0] = True
    new_run[1:] = k[1:] != k[:-1]
    run_start = np.maximum.accumulate(np.where(new_run, np.arange(len(k)), 0))
    rank = np.arange(len(k)) - run_start
    if limit is not None:
        rank = np.minimum(rank, limit[order])
    total = int(rank.sum())
    if not total:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    later = np.repeat(np.arange(len(k)), rank)
    offset = np.arange(total) - np.repeat(np.cumsum(rank) - rank, rank)
    earlier = run_start[later] + offset
    a, b = o[later], o[earlier]
    keep = a != b
    return a[keep], b[keep]

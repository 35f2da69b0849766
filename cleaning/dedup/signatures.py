"""Dedup signatures: what the index keeps of each document (key hash, MinHash, anchors, guards).

A document's key (``cleaning.dedup.keys``) is shingled into character n-grams; their MinHash
(``cleaning.dedup.minhash``) finds near-duplicates through LSH, and its anchors (hashes of 20-character windows
starting at content-sampled n-grams, sorted and unique) measure containment exactly. Part of the dedup
engine (``cleaning/dedup/engine.py``).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from cleaning.dedup import minhash
from cleaning.dedup.arrays import NO_ANCHORS
from cleaning.dedup.furniture import dense_lines
from cleaning.dedup.guards import Guards, extract_guards
from cleaning.dedup.keys import evidence_lines, fold_texts, hash_key, strip_folded


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


def compute_signatures(
    docs: Sequence[DocInput], *, num_perm: int, ngram: int, min_chars: int, anchor_bits: int, anchor_span: int
) -> list[Signature]:
    """Return the signatures of several documents (vectorised; same result as one by one); documents whose
    key is shorter than ``min_chars`` get no MinHash and no anchors."""
    lines = evidence_lines([d.text for d in docs])
    folded = ["\n".join(ls).casefold() for ls in lines]
    keys, cps, key_lengths = strip_folded(folded)
    heads = fold_texts([f"{d.title}\n{d.doc_number or ''}" for d in docs])
    batch = minhash.shingle_hashes(keys, ngram)
    sigs = minhash.minhash_matrix(batch, num_perm)
    offsets = batch.offsets.astype(np.int64)
    anchors_of = _anchors_by_doc(batch, anchor_bits, anchor_span, ngram)
    out = []
    for i, doc in enumerate(docs):
        key = keys[i]
        guards = extract_guards(heads[i] + "\n" + folded[i], None, "\n".join(dense_lines(lines[i])))
        long_enough = len(key) >= min_chars and offsets[i + 1] > offsets[i]
        anchors = anchors_of[i] if long_enough else NO_ANCHORS
        out.append(Signature(doc.id, hash_key(key)[:16], len(key), sigs[i] if long_enough else None, anchors, guards))
    return out


def count_common(a: np.ndarray, b: np.ndarray) -> int:
    """Return how many values of sorted unique a are in sorted unique b."""
    if not len(a) or not len(b):
        return 0
    i = np.searchsorted(b, a)
    np.minimum(i, len(b) - 1, out=i)
    return int(np.count_nonzero(b[i] == a))


def missing_from(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the values of sorted unique a that are not in sorted unique b."""
    if not len(a) or not len(b):
        return a
    i = np.searchsorted(b, a)
    np.minimum(i, len(b) - 1, out=i)
    return a[b[i] != a]


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


class RecentSignatures:
    """The signatures of the last ``size`` distinct inputs (text, title, 文号), so an exact copy of a text met
    recently costs a dictionary lookup, not a signature. Keyed by a digest of the input (no text is kept) and
    holding copies of the rows (no chunk's arrays are kept alive): about 2 KB an entry."""

    def __init__(self, size: int = 1 << 12) -> None:
        self.size = size
        self.cache: OrderedDict[bytes, Signature] = OrderedDict()

    def signatures(
        self, docs: Sequence[DocInput], compute: Callable[[Sequence[DocInput]], list[Signature]]
    ) -> list[Signature]:
        """Return the signatures of docs, computing (in one call of ``compute``) those not cached."""
        keys = [_input_digest(d) for d in docs]
        out: list[Signature | None] = []
        missing: dict[bytes, int] = {}
        for k in keys:
            sig = self.cache.get(k)
            if sig is not None:
                self.cache.move_to_end(k)
            elif k not in missing:
                missing[k] = len(missing)
            out.append(sig)
        if missing:
            first = {}
            for d, k in zip(docs, keys, strict=True):
                if k in missing and k not in first:
                    first[k] = d
            computed = compute([first[k] for k in missing])
            for k, sig in zip(missing, computed, strict=True):
                own = None if sig.minhash is None else sig.minhash.copy()
                self.cache[k] = replace(sig, minhash=own, anchors=sig.anchors.copy())
            while len(self.cache) > self.size:
                self.cache.popitem(last=False)
            fresh = dict(zip(missing, computed, strict=True))
            out = [o if o is not None else fresh[k] for o, k in zip(out, keys, strict=True)]
        return [sig if sig.id == d.id else replace(sig, id=d.id) for sig, d in zip(out, docs, strict=True)]


def _input_digest(doc: DocInput) -> bytes:
    """Return a digest of what a signature depends on: text, title and 文号."""
    h = hashlib.blake2b(doc.text.encode("utf-8", "surrogatepass"), digest_size=16)
    h.update(b"\0" + doc.title.encode("utf-8", "surrogatepass") + b"\0" + (doc.doc_number or "").encode("utf-8"))
    return h.digest()

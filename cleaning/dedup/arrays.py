"""Block storage for the dedup index: numpy rows and runs appended without ever copying what is stored, and
the documents' signature rows and anchors kept in them (``SignatureRows``).

A growable array that doubles copies everything at each growth and holds two copies for a moment: at a
million signatures (512 MB) that moment alone breaks the memory budget. Blocks of fixed size never move.
"""

from __future__ import annotations

import numpy as np

NO_ANCHORS = np.zeros(0, dtype=np.uint64)  # the anchors of a document without any (shared, never written)


class BlockRows:
    """Fixed-width rows in blocks of ``BLOCK_ROWS``: appending never copies what is stored (no doubling,
    no moment with two copies of a million signatures)."""

    BLOCK_BITS = 14

    def __init__(self, dtype: type, width: int) -> None:
        self.dtype, self.width = dtype, width
        self.blocks: list[np.ndarray] = []
        self.n = 0

    def extend(self, rows: np.ndarray) -> int:
        """Append rows; return the index of the first."""
        start = self.n
        size = 1 << self.BLOCK_BITS
        done = 0
        while done < len(rows):
            at = self.n & (size - 1)
            if at == 0:
                self.blocks.append(np.zeros((size, self.width), dtype=self.dtype))
            take = min(size - at, len(rows) - done)
            self.blocks[-1][at : at + take] = rows[done : done + take]
            done += take
            self.n += take
        return start

    def row(self, i: int) -> np.ndarray:
        """Return row i (a view)."""
        return self.blocks[i >> self.BLOCK_BITS][i & ((1 << self.BLOCK_BITS) - 1)]

    def take(self, idx: np.ndarray) -> np.ndarray:
        """Return the rows at indices idx (a copy)."""
        block = idx >> self.BLOCK_BITS
        offset = idx & ((1 << self.BLOCK_BITS) - 1)
        if len(idx) and block.min() == block.max():
            return self.blocks[int(block[0])][offset]
        out = np.empty((len(idx), self.width), dtype=self.dtype)
        for b in np.unique(block).tolist():
            where = block == b
            out[where] = self.blocks[b][offset[where]]
        return out


class BlockRuns:
    """Variable-length uint64 runs (each document's anchors) in blocks; a run never spans two blocks."""

    BLOCK = 1 << 20

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []
        self.used = 0  # values used in the last block

    def add(self, values: np.ndarray) -> int:
        """Store a run; return its address (block << 32 | offset)."""
        n = len(values)
        if not self.blocks or self.used + n > len(self.blocks[-1]):
            self.blocks.append(np.zeros(max(self.BLOCK, n), dtype=np.uint64))
            self.used = 0
        at = self.used
        self.blocks[-1][at : at + n] = values
        self.used += n
        return (len(self.blocks) - 1) << 32 | at

    def get(self, address: int, n: int) -> np.ndarray:
        """Return the run of n values stored at address (a view)."""
        at = address & 0xFFFFFFFF
        return self.blocks[address >> 32][at : at + n]


class SignatureRows:
    """Each document's MinHash row (uint32[num_perm]) and sorted anchors (uint64), by slot.

    The index maps positions to slots. Documents with the same values share a slot: an exact duplicate
    (``same_as``: its original's slot, used only when the values match) and every document without a
    signature (one zero row). A corpus of copies then holds one row per distinct text, not one per copy.
    """

    def __init__(self, num_perm: int) -> None:
        self.num_perm = num_perm
        self.rows = BlockRows(np.uint32, num_perm)
        self.anchor_runs = BlockRuns()
        self.anchor_span = BlockRows(np.int64, 2)  # per slot: (address in anchor_runs, count)
        self.zero_slot: int | None = None

    def __len__(self) -> int:
        """Return the number of slots stored."""
        return self.rows.n

    def add(
        self, sig: bytes | np.ndarray | None, anchors: bytes | np.ndarray | None, same_as: int | None = None
    ) -> int:
        """Return the slot of a signature row and anchors (little-endian bytes or arrays, None for none): the
        slot ``same_as`` when it holds the same values, the zero slot for neither, else new rows."""
        if sig is None and (anchors is None or not len(anchors)):
            if self.zero_slot is None:
                self.zero_slot = self._store(np.zeros((1, self.num_perm), dtype=np.uint32), None)
            return self.zero_slot
        if sig is None:
            row = np.zeros((1, self.num_perm), dtype=np.uint32)
        elif isinstance(sig, bytes | bytearray | memoryview):
            if len(sig) != self.num_perm * 4:
                raise ValueError(f"signature has {len(sig)} bytes, expected {self.num_perm * 4}")
            row = np.frombuffer(sig, dtype="<u4").astype(np.uint32).reshape(1, self.num_perm)
        else:
            row = sig.reshape(1, self.num_perm)
        a = None
        if anchors is not None and len(anchors):
            a = np.frombuffer(anchors, dtype="<u8") if isinstance(anchors, bytes) else anchors
        if same_as is not None and self._holds(same_as, row[0], a):
            return same_as
        return self._store(row, a)

    def sig(self, slot: int) -> np.ndarray:
        """Return a slot's MinHash row (a view)."""
        return self.rows.row(slot)

    def sigs(self, slots: np.ndarray) -> np.ndarray:
        """Return the MinHash rows of slots (a copy)."""
        return self.rows.take(slots)

    def anchors(self, slot: int) -> np.ndarray:
        """Return a slot's anchors (a view; empty for none)."""
        address, n = self.anchor_span.row(slot).tolist()
        return self.anchor_runs.get(address, n) if n else NO_ANCHORS

    def _store(self, row: np.ndarray, anchors: np.ndarray | None) -> int:
        slot = self.rows.extend(row)
        if anchors is None:
            span = np.zeros((1, 2), dtype=np.int64)
        else:
            span = np.array([[self.anchor_runs.add(anchors), len(anchors)]], dtype=np.int64)
        self.anchor_span.extend(span)
        return slot

    def _holds(self, slot: int, row: np.ndarray, anchors: np.ndarray | None) -> bool:
        """Return True if a slot holds this MinHash row and these anchors."""
        address, n = self.anchor_span.row(slot).tolist()
        if n != (0 if anchors is None else len(anchors)) or not np.array_equal(self.rows.row(slot), row):
            return False
        return n == 0 or np.array_equal(self.anchor_runs.get(address, n), anchors)

"""Block storage for the dedup index: numpy rows and runs appended without ever copying what is stored.

A growable array that doubles copies everything at each growth and holds two copies for a moment: at a
million signatures (512 MB) that moment alone breaks the memory budget. Blocks of fixed size never move.
"""

from __future__ import annotations

import numpy as np


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

"""Quality metrics for cleaning output, shared by the benchmarks and the tests that hold their floors."""

from __future__ import annotations

from collections import Counter


def char_bag_f1(predicted: str, gold: str) -> float:
    """Return the F1 of the multisets of non-whitespace characters (the magic-html benchmark's measure)."""
    a = Counter(c for c in predicted if not c.isspace())
    b = Counter(c for c in gold if not c.isspace())
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * precision * recall / (precision + recall)

"""Export the corpus as JSON Lines or Parquet, streamed in batches so memory stays flat."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

FORMATS = ("jsonl", "parquet")


def write_jsonl(batches: Iterator[list[dict]], out: TextIO) -> int:
    """Write one JSON object per document; return how many were written."""
    count = 0
    for batch in batches:
        for row in batch:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += len(batch)
    return count


def write_parquet(batches: Iterator[list[dict]], path: Path) -> int:
    """Write documents to a Parquet file (nested JSON columns as JSON text); return how many were written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    count = 0
    try:
        for batch in batches:
            rows = [
                {k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for k, v in row.items()}
                for row in batch
            ]
            table = pa.Table.from_pylist(rows)
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema, compression="zstd")
            writer.write_table(table.cast(writer.schema))
            count += len(rows)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # no documents: still leave a valid (empty) file behind
        pq.write_table(pa.table({"id": pa.array([], pa.string())}), str(path))
    return count


def export(batches: Iterator[list[dict]], fmt: str, output: Path | None) -> int:
    """Write batches in the given format to `output` (stdout for jsonl without output); return the count."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt == "parquet":
        if output is None:
            raise ValueError("parquet is binary: give --output FILE")
        return write_parquet(batches, output)
    if output is None:
        return write_jsonl(batches, sys.stdout)
    with open(output, "w", encoding="utf-8") as fh:
        return write_jsonl(batches, fh)

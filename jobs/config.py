"""Where data lives: the one place that reads ZHCORPUS_DATA."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from db.shards import RawShards

DATA_ENV = "ZHCORPUS_DATA"
DEFAULT_DATA_DIR = "data"
# Pages per batch (one Prefect task each). Each task costs the flow ~30 ms and the Prefect server ~40 ms of
# CPU (state events, log lines): 500 rather than 200 saves about 1 s per 5,000 pages; memory stays a few MB.
DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class DataPaths:
    """The files of one data directory: the raw store (a file per site, db/shards.py) and corpus.db."""

    root: Path

    @property
    def raw_dir(self) -> Path:
        """raw/: what servers sent, one SQLite file per site plus the crawl-run file."""
        return self.root / "raw"

    def raw(self) -> RawShards:
        """Return the raw store (an old single-file raw.db here is split into site files first)."""
        return RawShards(self.root)

    def has_raw(self) -> bool:
        """Return True when something was crawled into this data directory (either layout)."""
        return (self.root / "raw.db").exists() or RawShards(self.root).exists()

    @property
    def corpus_db(self) -> Path:
        """corpus.db: clean documents for downstream tools."""
        return self.root / "corpus.db"

    @property
    def cache_dir(self) -> Path:
        """cache/: what jobs may rebuild at will (the cleaning models' compact copy)."""
        return self.root / "cache"


def data_paths(data_dir: str | os.PathLike | None = None) -> DataPaths:
    """Return the data paths: the argument, else $ZHCORPUS_DATA, else ./data."""
    root = Path(data_dir or os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR).expanduser().resolve()
    return DataPaths(root)

"""Corpus and last-run figures for the CLI's stats and run tables."""

from __future__ import annotations

from db.corpus import CorpusStore
from jobs.config import DataPaths
from jobs.report import loud_sites


def corpus_stats(paths: DataPaths) -> dict:
    """Return corpus.db figures (CorpusStore.stats) with the raw store's drops by reason, internal errors by
    exception type and the last run's figures."""
    corpus = CorpusStore(paths.corpus_db, readonly=True)
    try:
        stats = corpus.stats()
    finally:
        corpus.close()
    shards = paths.raw()
    runs = shards.open_runs()
    try:
        last = runs.last_run()
    finally:
        runs.close()
    with shards.reader() as raw:
        stats["drops"] = raw.drop_counts()
        stats["internal_errors"] = raw.internal_error_counts()
    run = (last or {}).get("stats", {})
    stats["last_run"] = {
        "run_id": (last or {}).get("run_id"),
        "finished_at": (last or {}).get("finished_at"),
        "status": (last or {}).get("status"),
        **{
            key: run.get(key, 0)
            for key in (
                "pages_fetched",
                "detail_pages_new",
                "detail_pages_changed",
                "not_modified",
                "detail_pages_downloaded",
                "errors",
            )
        },
        "failed_sites": run.get("failed_sites", []),
        # site -> named walk errors (no_detail_links, pagination_stalled, budget cuts, ...) of the last run
        "walk_errors": loud_sites(run.get("spider") or {}),
    }
    return stats

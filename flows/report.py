"""Prefect artifacts a data engineer wants to read after a run.

Every figure says what it counts: this run's work per site (with the sum in a row of its own, under the sites),
and, separately, the corpus after the run per site. Sites that failed or that their timeout cut are listed by name.
"""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from db.corpus import CorpusStore
from jobs.config import DataPaths
from jobs.report import (
    CORPUS_COLUMNS,
    CORPUS_LEGEND,
    CRAWL_COLUMNS,
    CRAWL_LEGEND,
    RUN_COLUMNS,
    RUN_LEGEND,
    corpus_rows,
    loud_sites,
    render_alerts,
    render_counter,
    render_markdown_table,
    site_rows,
    total_row,
)


def _corpus(paths: DataPaths) -> tuple[dict, dict]:
    corpus = CorpusStore(paths.corpus_db)
    try:
        return corpus.stats(), corpus.site_counts()
    finally:
        corpus.close()


def _clean_section(clean: dict) -> str:
    docs = clean.get("documents", {})
    return "\n\n".join(
        [
            "## Clean stage, this run",
            f"Pipeline `{clean['pipeline_version']}` cleaned {clean['pages']} pages: "
            f"{docs.get('inserted', 0)} documents inserted, {docs.get('updated', 0)} updated, "
            f"{docs.get('unchanged', 0)} unchanged, {docs.get('withdrawn', 0)} withdrawn (kept, marked).",
            render_counter("Why pages were cleaned", clean.get("reasons", {})),
            f"Site templates changed: {', '.join(clean.get('templates_changed', [])) or 'none'}.",
            render_counter("Pages left out of template learning (by exception)", clean.get("template_errors", {})),
            render_counter("Drops by reason", clean.get("drops", {})),
            render_counter("Internal errors (dropped by a cleaning bug)", clean.get("internal_errors", {})),
            render_counter("Encodings used", clean.get("encodings", {})),
            render_counter("Repairs", clean.get("repairs", {})),
            render_counter("Flags", clean.get("flags", {})),
        ]
    )


def _dedup_line(clean: dict, stats: dict) -> str:
    dedup = clean.get("dedup", {})
    links = ", ".join(f"{n} {rel}" for rel, n in sorted(dedup.get("links", {}).items())) or "no new links"
    return (
        f"Dedup, this run: {dedup.get('placed', 0)} documents placed, {dedup.get('joined_existing', 0)} joined an "
        f"existing cluster ({links}), {dedup.get('moved', 0)} earlier documents moved out of a cluster (splices "
        f"found out).\n\n**Corpus after this run**: {stats['documents']} documents, {stats['canonical_documents']} "
        f"canonical, {stats['duplicates']} reposts and duplicates in {stats['dedup']['clusters_with_reposts']} "
        "clusters."
    )


def _crawl_lines(crawl: dict) -> list[str]:
    """Return the lines naming failed sites and sites cut short."""
    failed = ", ".join(f"{site} ({why})" for site, why in crawl.get("failures", {}).items()) or "none"
    spider = crawl.get("spider", {})
    cut = (
        ", ".join(f"{site} (after {spider.get(site, {}).get('timeout_s', 0):g} s)" for site in crawl.get("cut", {}))
        or "none"
    )
    return [f"**Failed sites**: {failed}.", f"**Sites cut by their timeout** (resumed by the next run): {cut}."]


def _totals_table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    return "**Totals, this run** (`cut`: sites cut; `crawl s`: the slowest site)\n\n" + render_markdown_table(
        [total_row(rows)], columns
    )


def _walk_section(crawl: dict, clean_by_site: dict) -> str:
    """Return the list-walk part of a run's artifact: walk errors by site, resumed and unfinished walks."""
    spider = crawl.get("spider") or {}
    loud = loud_sites(spider, clean_by_site)
    lines = [f"- {site}: {render_alerts(errors)}" for site, errors in sorted(loud.items())]
    head = "**Walk errors** (no detail links, stalled pagers, budgets that cut a walk, sites whose pages all fail)"
    walks = {k: sum((s.get("walk") or {}).get(k, 0) for s in spider.values()) for k in ("resumed", "partial")}
    tail = (
        f"List walks: {walks['resumed']} resumed from an earlier unfinished walk, "
        f"{walks['partial']} left unfinished for the next crawl."
    )
    return "\n".join([head + (":" if lines else ": none"), *lines, "", tail])


def publish_clean_report(clean: dict, paths: DataPaths) -> None:
    """Publish the re-clean run's markdown artifact."""
    stats, _ = _corpus(paths)
    markdown = "\n\n".join(
        [
            "# zhcorpus re-clean",
            _clean_section(clean),
            _dedup_line(clean, stats),
            f"Duration {clean['duration_s']:.1f} s.",
        ]
    )
    create_markdown_artifact(markdown=markdown, key="zhcorpus-reclean", description="Re-clean summary")


def publish_crawl_report(crawl: dict) -> None:
    """Publish a crawl-only run's markdown and table artifacts."""
    rows = site_rows(crawl["by_site"], {}, crawl.get("spider", {}))
    markdown = "\n\n".join(
        [
            f"# zhcorpus crawl `{crawl['run_id']}`",
            f"## Per site, this run\n\n{CRAWL_LEGEND}",
            render_markdown_table(rows, CRAWL_COLUMNS),
            _totals_table(rows, CRAWL_COLUMNS),
            *_crawl_lines(crawl),
            _walk_section(crawl, {}),
        ]
    )
    create_markdown_artifact(markdown=markdown, key="zhcorpus-crawl", description="Crawl summary")
    create_table_artifact(table=rows, key="zhcorpus-crawl-sites", description="Per-site crawl counts, this run")


def publish_nightly_report(result: dict, paths: DataPaths) -> None:
    """Publish the nightly run's markdown and table artifacts."""
    crawl, clean = result["crawl"], result["clean"]
    stats, site_counts = _corpus(paths)
    rows = site_rows(crawl["by_site"], clean.get("by_site", {}), crawl.get("spider", {}))
    markdown = "\n\n".join(
        [
            f"# zhcorpus nightly run `{crawl['run_id']}`",
            f"## Per site, this run\n\n{RUN_LEGEND}",
            render_markdown_table(rows, RUN_COLUMNS),
            _totals_table(rows, RUN_COLUMNS),
            *_crawl_lines(crawl),
            _walk_section(crawl, clean.get("by_site", {})),
            _clean_section(clean),
            _dedup_line(clean, stats),
            f"## Corpus after this run, per site\n\n{CORPUS_LEGEND}",
            render_markdown_table(corpus_rows(site_counts), CORPUS_COLUMNS),
            f"Duration {result['duration_s']:.1f} s.",
        ]
    )
    create_markdown_artifact(markdown=markdown, key="zhcorpus-nightly", description="Nightly run summary")
    create_table_artifact(table=rows, key="zhcorpus-nightly-sites", description="Per-site counts, this run")

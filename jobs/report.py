"""Run summaries as rows, rendered as a terminal table or markdown (CLI and Prefect artifacts).

Two kinds of figures never share a table: what this run did per site (`site_rows`, with their sum in a separate
`total_row`), and what the corpus holds per site after it (`corpus_rows`).
"""

from __future__ import annotations

# Per site, this run: the crawl, then what the clean stage made of this run's pages.
RUN_COLUMNS = [
    ("site", "site"),
    ("pages_fetched", "fetched"),
    ("detail_pages_new", "new"),
    ("detail_pages_changed", "changed"),
    ("not_modified", "304"),
    ("errors", "errors"),
    ("cut", "cut"),
    ("crawl_s", "crawl s"),
    ("cleaned", "cleaned"),
    ("documents", "docs made"),
    ("dropped", "dropped"),
    ("alerts", "alerts"),
]
CRAWL_COLUMNS = [*RUN_COLUMNS[:8], RUN_COLUMNS[-1]]  # a crawl without clean (zhcorpus crawl, manual-crawl)
# What each column counts, for the artifacts.
CRAWL_LEGEND = (
    "Per site, this run only: responses fetched (304s included), detail pages new and changed, 304 Not Modified "
    "answers, failed requests; `cut` names what ended the crawl early (its timeout) or `failed`; `crawl s` is the "
    "site's crawl time; `alerts` names the walk errors an operator must look at (no detail links, a stalled "
    "pager, a budget that cut the walk, every detail page failing)."
)
RUN_LEGEND = CRAWL_LEGEND + (
    " `cleaned`: pages this run's clean stage cleaned; `docs made`: the documents they yielded; `dropped`: pages "
    "that yielded none (`all_details_dropped` in `alerts` when every one did)."
)
CORPUS_COLUMNS = [
    ("site", "site"),
    ("documents", "documents"),
    ("canonical", "canonical"),
    ("duplicates", "duplicates"),
]
CORPUS_LEGEND = "Per site, the whole corpus after this run: documents, canonical ones, reposts and duplicates."
# Columns summed into the totals row; `cut` counts sites, `crawl s` is the slowest site.
SUMMED = ("pages_fetched", "detail_pages_new", "detail_pages_changed", "not_modified", "errors", "cleaned")
SUMMED += ("documents", "dropped")

# A site all of whose pages cleaned in a run were dropped (and at least this many): loud, like a crawl error.
ALL_DROPPED = "all_details_dropped"
ALL_DROPPED_MIN_PAGES = 3

# Walk errors after which a site gave the run (next to) nothing: the flow ends Failed naming the site. The others
# (empty_list_page, list_budget_cut, detail_budget_cut) are shown wherever errors are, and the walk resumes.
FAILING_WALK_ERRORS = frozenset(
    {"no_detail_links", "pagination_stalled", "pagination_repeats", "all_details_failed", ALL_DROPPED}
)


def loud_sites(spider: dict[str, dict], clean_by_site: dict[str, dict] | None = None) -> dict[str, dict[str, int]]:
    """Return site -> {error name: count} of the walk errors a run must not pass over silently.

    From each spider summary's `walk_errors` (no_detail_links, pagination_stalled, list_budget_cut,
    detail_budget_cut, all_details_failed), plus all_details_dropped for a site none of whose cleaned pages
    gave a document.
    """
    loud: dict[str, dict[str, int]] = {}
    for site, summary in (spider or {}).items():
        errors = {k: v for k, v in (summary.get("walk_errors") or {}).items() if v}
        if errors:
            loud[site] = dict(errors)
    for site, counts in (clean_by_site or {}).items():
        if counts.get("dropped", 0) >= ALL_DROPPED_MIN_PAGES and not counts.get("documents"):
            loud.setdefault(site, {})[ALL_DROPPED] = 1
    return loud


def failing_sites(loud: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Return the sites among `loud_sites` whose walk errors fail a run (FAILING_WALK_ERRORS)."""
    out = {site: {k: v for k, v in errors.items() if k in FAILING_WALK_ERRORS} for site, errors in loud.items()}
    return {site: errors for site, errors in out.items() if errors}


def render_alerts(errors: dict[str, int]) -> str:
    """Return walk errors as a short cell: `no_detail_links×2, pagination_stalled`."""
    return ", ".join(name + (f"×{n}" if n > 1 else "") for name, n in sorted(errors.items()))


def site_rows(
    crawl_counts: dict[str, dict],
    clean_by_site: dict[str, dict] | None = None,
    spider: dict[str, dict] | None = None,
) -> list[dict]:
    """Return one row per site of what this run did: crawl counts, how its crawl ended, this run's clean figures,
    and the walk errors of its spider summary (`spider`: site -> crawlers.run summary)."""
    clean_by_site = clean_by_site or {}
    spider = spider or {}
    loud = loud_sites(spider, clean_by_site)
    sites = sorted(set(crawl_counts) | set(clean_by_site) | set(spider) | set(loud))
    rows = []
    for site in sites:
        crawl = crawl_counts.get(site, {})
        summary = spider.get(site, {})
        clean = clean_by_site.get(site, {})
        row: dict = {"site": site}
        for key in SUMMED[:5]:
            row[key] = crawl.get(key) or 0
        row["cut"] = "failed" if "error" in summary else (summary.get("cut") or "")
        row["crawl_s"] = round(summary["duration_s"]) if summary.get("duration_s") is not None else ""
        row["cleaned"] = clean.get("pages", 0)
        row["documents"] = clean.get("documents", 0)
        row["dropped"] = clean.get("dropped", 0)
        row["alerts"] = render_alerts(loud.get(site, {}))
        rows.append(row)
    return rows


def total_row(rows: list[dict], label: str = "all sites") -> dict:
    """Return the sum of the per-site rows (their `cut` counted, the slowest `crawl s`), labelled `label`."""
    total: dict = {"site": label}
    for key in SUMMED:
        total[key] = sum(int(r.get(key) or 0) for r in rows)
    total["cut"] = sum(1 for r in rows if r.get("cut"))
    total["crawl_s"] = max((r["crawl_s"] for r in rows if isinstance(r.get("crawl_s"), int)), default="")
    alerted = sum(1 for r in rows if r.get("alerts"))
    total["alerts"] = f"{alerted} sites" if alerted else ""
    return total


def corpus_rows(site_counts: dict[str, dict]) -> list[dict]:
    """Return one row per site of the corpus: documents, canonical and duplicates (CorpusStore.site_counts)."""
    return [
        {"site": site, **counts, "duplicates": counts["documents"] - counts["canonical"]}
        for site, counts in sorted(site_counts.items())
    ]


def _cell_width(value: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


def render_table(rows: list[dict], columns: list[tuple[str, str]] = RUN_COLUMNS) -> str:
    """Return rows as an aligned plain-text table."""
    header = [title for _, title in columns]
    body = [[str(row.get(key, "")) for key, _ in columns] for row in rows]
    widths = [max(_cell_width(c) for c in col) for col in zip(header, *body, strict=False)]

    def line(cells: list[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - _cell_width(cell))
            out.append(cell + pad if i == 0 else pad + cell)
        return "  ".join(out)

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in body)])


def render_run_table(rows: list[dict], columns: list[tuple[str, str]] = RUN_COLUMNS) -> str:
    """Return the per-site table with the totals under a rule of their own (never as if they were a site)."""
    table = render_table([*rows, total_row(rows)], columns)
    lines = table.splitlines()
    rule = lines[1]
    return "\n".join([*lines[:-1], rule, lines[-1]]) if rows else table


def render_markdown_table(rows: list[dict], columns: list[tuple[str, str]] = RUN_COLUMNS) -> str:
    """Return rows as a markdown table."""
    head = "| " + " | ".join(title for _, title in columns) + " |"
    sep = "|" + "|".join("---" if i == 0 else "---:" for i in range(len(columns))) + "|"
    lines = ["| " + " | ".join(str(r.get(key, "")) for key, _ in columns) + " |" for r in rows]
    return "\n".join([head, sep, *lines])


def render_counter(title: str, counts: dict[str, int]) -> str:
    """Return a markdown bullet list of counts, largest first, or a 'none' line."""
    if not counts:
        return f"**{title}**: none"
    items = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return f"**{title}**\n" + "\n".join(f"- {name}: {n}" for name, n in items)

"""Run summaries as rows, rendered as a terminal table or markdown (CLI and Prefect artifacts)."""

from __future__ import annotations

SITE_COLUMNS = [
    ("site", "site"),
    ("pages_fetched", "fetched"),
    ("detail_pages_new", "new"),
    ("detail_pages_changed", "changed"),
    ("not_modified", "304"),
    ("errors", "errors"),
    ("documents", "documents"),
    ("dropped", "dropped"),
    ("alerts", "alerts"),
]
# Columns summed in the TOTAL row.
NUMERIC_COLUMNS = [key for key, _ in SITE_COLUMNS[1:] if key != "alerts"]

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
    clean_by_site: dict[str, dict],
    corpus_sites: dict[str, int],
    spider: dict[str, dict] | None = None,
) -> list[dict]:
    """Return one row per site: crawl counts of this run, pages dropped by this clean, documents in the corpus,
    and the walk errors of its spider summary (`spider`: site -> crawlers.run summary)."""
    loud = loud_sites(spider or {}, clean_by_site)
    sites = sorted(set(crawl_counts) | set(clean_by_site) | set(corpus_sites) | set(loud))
    rows = []
    for site in sites:
        crawl = crawl_counts.get(site, {})
        row = {"site": site}
        for key, _ in SITE_COLUMNS[1:6]:
            row[key] = crawl.get(key) or 0
        row["documents"] = corpus_sites.get(site, 0)
        row["dropped"] = clean_by_site.get(site, {}).get("dropped", 0)
        row["alerts"] = render_alerts(loud.get(site, {}))
        rows.append(row)
    if rows:
        total = {"site": "TOTAL", "alerts": f"{len(loud)} sites" if loud else ""}
        for key in NUMERIC_COLUMNS:
            total[key] = sum(r[key] for r in rows)
        rows.append(total)
    return rows


def _cell_width(value: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


def render_table(rows: list[dict], columns: list[tuple[str, str]] = SITE_COLUMNS) -> str:
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


def render_markdown_table(rows: list[dict], columns: list[tuple[str, str]] = SITE_COLUMNS) -> str:
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

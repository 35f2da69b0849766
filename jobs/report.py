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
]


def site_rows(
    crawl_counts: dict[str, dict], clean_by_site: dict[str, dict], corpus_sites: dict[str, int]
) -> list[dict]:
    """Return one row per site: crawl counts of this run, pages dropped by this clean, documents in the corpus."""
    sites = sorted(set(crawl_counts) | set(clean_by_site) | set(corpus_sites))
    rows = []
    for site in sites:
        crawl = crawl_counts.get(site, {})
        row = {"site": site}
        for key, _ in SITE_COLUMNS[1:6]:
            row[key] = crawl.get(key) or 0
        row["documents"] = corpus_sites.get(site, 0)
        row["dropped"] = clean_by_site.get(site, {}).get("dropped", 0)
        rows.append(row)
    if rows:
        total = {"site": "TOTAL"}
        for key, _ in SITE_COLUMNS[1:]:
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

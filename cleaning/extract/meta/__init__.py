"""Page metadata: title, publication date (with every candidate and the source chosen), issuer, 文号, 索引号,
editor, attachments and column.

Reads the whole parsed page (facts.py, before extraction prunes it), the extracted content lines, the URL and the
list row that linked to the page (ListedAs). One module per job: dates, titles, docnumber, fields, attachments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml.etree import _Element

from cleaning.extract.meta.attachments import anchors, attachments
from cleaning.extract.meta.dates import (
    DateCandidate,
    choose_date,
    head_line_candidates,
    header_candidates,
    meta_candidates,
    parse_date,
    parse_moment,
    roc_era_candidates,
    signature_candidates,
    text_candidates,
    url_candidates,
)
from cleaning.extract.meta.docnumber import extract_doc_number, extract_index_number
from cleaning.extract.meta.facts import PageFacts, locate_zones, read_meta_tags, read_page_facts
from cleaning.extract.meta.fields import extract_editor, extract_issuer
from cleaning.extract.meta.titles import choose_title, norm, strip_site_suffix

__all__ = [
    "Meta",
    "PageFacts",
    "extract_meta",
    "parse_date",
    "read_meta_tags",
    "read_page_facts",
    "strip_site_suffix",
]


@dataclass
class Meta:
    """Metadata of one page."""

    title: str = ""
    published_at: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    attachments: list[dict] = field(default_factory=list)
    column: str | None = None
    index_number: str | None = None  # 索引号 of a 信息公开 page
    editor: str | None = None  # 责任编辑 / 责编 names
    date_source: str | None = None  # which evidence settled published_at (see dates.SOURCE_WEIGHTS)
    date_candidates: list[dict] = field(default_factory=list)  # every {date, source, detail} found
    title_source: str | None = None  # meta, heading, title_tag or listed
    flags: list[str] = field(default_factory=list)  # listed_title_mismatch, listed_date_mismatch, title_from_list


def extract_meta(
    root: _Element | None,
    content: _Element | None,
    lines: list[str],
    url: str,
    column_default: str | None,
    *,
    facts: PageFacts | None = None,
    listed=None,  # cleaning.pipeline.ListedAs (title, date, column, list_url) or None
) -> Meta:
    """Return the page's Meta from the full page tree (or its facts read earlier), the content element, the
    content lines, the URL and the list row that linked here."""
    if facts is None:
        if root is None:
            return Meta(column=column_default)
        facts = read_page_facts(root)
    page_text = facts.page_text
    skip = {norm(h.text) for h in facts.headings}
    zones = locate_zones(page_text, lines, skip)
    listed_title = getattr(listed, "title", None) or None
    listed_date = parse_moment(getattr(listed, "date", None) or "") if listed is not None else None
    title = choose_title(facts, zones.text_start, listed_title)
    zones = zones.with_title(page_text, title.title)
    header = zones.header(page_text)
    candidates = _unique(
        ([DateCandidate(listed_date, "listed", "list row")] if listed_date else [])
        + meta_candidates(facts.tags, facts.ld_dates, facts.times)
        + text_candidates(page_text, zones.text_start, zones.tail(page_text))
        + (
            header_candidates(header)
            if header
            else header_candidates(zones.header_fallback(page_text), unlabelled=False)
        )
        + head_line_candidates(lines)
        + url_candidates(url)
        + signature_candidates(lines)
        + roc_era_candidates(page_text)
    )
    chosen = choose_date(candidates, listed_date)
    outside = page_text if zones.text_start < 0 else page_text[: zones.text_start] + " " + zones.tail(page_text)
    headings = [h.text for h in facts.headings if h.kind in ("h1", "h2", "cls")]
    return Meta(
        title=title.title,
        published_at=chosen.date,
        issuer=extract_issuer(page_text, facts.tags, lines),
        doc_number=extract_doc_number(outside, header, lines, headings),
        attachments=attachments(facts.base or url, anchors(content), facts.labelled_anchors),
        column=facts.column if facts.column is not None else column_default,
        index_number=extract_index_number(outside),
        editor=extract_editor(page_text[zones.text_start :] if zones.text_start >= 0 else page_text),
        date_source=chosen.source,
        date_candidates=[c.as_dict() for c in candidates],
        title_source=title.source,
        flags=[*title.flags, *chosen.flags],
    )


def _unique(candidates: list[DateCandidate]) -> list[DateCandidate]:
    """Return the candidates with one per (date, source): a label seen in two zones is one piece of evidence."""
    seen: set[tuple[str, str]] = set()
    out = []
    for c in candidates:
        if (c.date, c.source) not in seen:
            seen.add((c.date, c.source))
            out.append(c)
    return out

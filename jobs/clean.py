"""The clean stage over stored pages: raw.db rows -> cleaning.clean_page -> corpus.db documents.

Shared by the CLI and the Prefect flows; batches keep memory flat and transactions short.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cleaning.decode.encoding import decode_bytes
from cleaning.extract.templates import learn_site_template, merge_templates, template_digest
from cleaning.pipeline import PIPELINE_VERSION, CleanDocument, ListedAs, PageInput, PageResult, clean_page, warm_up
from crawlers.sites import Registry
from db.corpus import CorpusStore
from db.ids import document_id_for
from db.raw import RawPageRow, RawStore, utc_now
from jobs.config import DEFAULT_BATCH_SIZE, DataPaths

# Pages per site a template is learned from: enough for recurring lines to stand out, cheap to decode.
TEMPLATE_SAMPLE_PAGES = 60


@dataclass
class CleanSummary:
    """What one clean run did, summed over its batches."""

    pages: int = 0
    documents: Counter = field(default_factory=Counter)  # inserted / updated / unchanged / removed
    drops: Counter = field(default_factory=Counter)  # drop reason -> pages
    encodings: Counter = field(default_factory=Counter)  # codec -> pages
    repairs: Counter = field(default_factory=Counter)  # repair name -> count
    flags: Counter = field(default_factory=Counter)  # flag name -> documents
    by_site: dict[str, Counter] = field(default_factory=dict)

    def add(self, other: CleanSummary) -> None:
        """Add another batch's figures to this one."""
        self.pages += other.pages
        for name in ("documents", "drops", "encodings", "repairs", "flags"):
            getattr(self, name).update(getattr(other, name))
        for site, counts in other.by_site.items():
            self.by_site.setdefault(site, Counter()).update(counts)

    def as_dict(self) -> dict:
        """Return plain JSON-able figures."""
        return {
            "pages": self.pages,
            "documents": dict(self.documents),
            "drops": dict(self.drops),
            "encodings": dict(self.encodings),
            "repairs": dict(self.repairs),
            "flags": dict(self.flags),
            "by_site": {site: dict(c) for site, c in self.by_site.items()},
        }


def batched(items: list[str], size: int) -> Iterator[list[str]]:
    """Yield consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def current_template_digests(raw: RawStore) -> dict[str, str]:
    """Return site id -> digest of its stored template ("" when it drops nothing)."""
    return {site_id: template_digest(template) for site_id, template in raw.site_templates().items()}


def find_stale(
    paths: DataPaths, *, sites: list[str] | None = None, since: str | None = None, reprocess: bool = False
) -> dict[str, str]:
    """Return {page id: reason} for pages to clean: new, raw_changed, pipeline, template (or all, with reprocess)."""
    raw = RawStore(paths.raw_db)
    try:
        return raw.stale_page_reasons(
            PIPELINE_VERSION,
            sites=sites,
            since=since,
            reprocess=reprocess,
            template_digests=current_template_digests(raw),
        )
    finally:
        raw.close()


def sync_last_seen(paths: DataPaths) -> int:
    """Carry the crawler's latest sightings (304s, unchanged pages) onto their documents; return rows moved."""
    raw = RawStore(paths.raw_db)
    corpus = CorpusStore(paths.corpus_db)
    try:
        return corpus.touch_last_seen(raw.last_seen_by_page())
    finally:
        corpus.close()
        raw.close()


def sites_to_refresh(paths: DataPaths, page_ids: list[str]) -> list[str]:
    """Return the sites of the pages about to be cleaned: only their templates need a refresh."""
    raw = RawStore(paths.raw_db)
    try:
        return raw.sites_of(page_ids)
    finally:
        raw.close()


@dataclass
class TemplateRefresh:
    """What a template refresh did."""

    pages: dict[str, int] = field(default_factory=dict)  # site id -> pages its template was learned from
    changed: list[str] = field(default_factory=list)  # sites whose template digest changed: re-clean them


def refresh_site_templates(paths: DataPaths, site_ids: list[str], registry: Registry) -> TemplateRefresh:
    """Learn each site's boilerplate template from a stable sample of its pages; report which ones changed.

    Deterministic (same pages, same template), so an unchanged re-run changes nothing. A site whose new sample
    is too thin keeps its previous template (merge_templates).
    """
    raw = RawStore(paths.raw_db)
    refresh = TemplateRefresh()
    try:
        stored = raw.site_templates()
        for site_id in site_ids:
            site = registry.sites_by_id.get(site_id)
            hint = site.encoding if site else None
            htmls = [
                decode_bytes(page.body, page.headers.get("content-type"), hint).text
                for page in raw.pages(raw.sample_page_ids(site_id, TEMPLATE_SAMPLE_PAGES))
                if page.body
            ]
            template = merge_templates(stored.get(site_id), learn_site_template(htmls))
            old_digest = template_digest(stored.get(site_id))
            # Pages cleaned before digests were recorded count as made with the template the site had until now.
            raw.adopt_template_digest(site_id, old_digest)
            raw.store_site_template(site_id, template)
            refresh.pages[site_id] = len(htmls)
            if template_digest(template) != old_digest:
                refresh.changed.append(site_id)
    finally:
        raw.close()
    return refresh


@dataclass
class CleanPlan:
    """The pages a clean run will clean, and why."""

    page_ids: list[str]
    reasons: Counter  # reason (db.raw.STALE_REASONS) -> pages
    templates: TemplateRefresh


def plan_clean(
    paths: DataPaths,
    registry: Registry,
    *,
    sites: list[str] | None = None,
    since: str | None = None,
    reprocess: bool = False,
) -> CleanPlan:
    """Pick the stale pages, refresh their sites' templates, and add every page of a site whose template changed.

    Only sites with stale pages are refreshed, so an unchanged re-run costs one query.
    """
    stale = find_stale(paths, sites=sites, since=since, reprocess=reprocess)
    if not stale:
        return CleanPlan(page_ids=[], reasons=Counter(), templates=TemplateRefresh())
    templates = refresh_site_templates(paths, sites_to_refresh(paths, list(stale)), registry)
    if templates.changed:
        stale = find_stale(paths, sites=sites, since=since, reprocess=reprocess)
    return CleanPlan(page_ids=list(stale), reasons=Counter(stale.values()), templates=templates)


def listed_as(listing: dict | None) -> ListedAs | None:
    """Return the cleaning contract's ListedAs for a stored listing row (raw.db `listings`), or None."""
    if not listing:
        return None
    return ListedAs(
        title=listing.get("title"),
        date=listing.get("listed_date"),
        column=listing.get("column_name"),
        list_url=listing.get("list_url"),
    )


def page_input(
    page: RawPageRow, registry: Registry, template: dict | None = None, listing: dict | None = None
) -> PageInput:
    """Build the cleaning input for a stored page: registry hints, learned template, and its list row if any."""
    site = registry.sites_by_id.get(page.site_id)
    return PageInput(
        url=page.final_url or page.url,
        body=page.body or b"",
        headers=page.headers,
        status=page.status or 0,
        site_id=page.site_id,
        encoding_hint=site.encoding if site else None,
        script_hint=site.script if site else None,
        column=(listing or {}).get("column_name") or (site.column if site else None),
        site_template=template,
        listed=listed_as(listing),
    )


def document_row(page: RawPageRow, result: PageResult, doc: CleanDocument) -> dict:
    """Return the corpus.db row for one cleaned document."""
    return {
        "id": document_id_for(page.id, doc.part),
        "raw_page_id": page.id,
        "part": doc.part,
        "url": page.final_url or page.url,
        "site_id": page.site_id,
        "column_name": doc.column,
        "title": doc.title,
        "published_at": doc.published_at,
        "issuer": doc.issuer,
        "doc_number": doc.doc_number,
        "text": doc.text,
        "text_hans": doc.text_hans,
        "script": doc.script,
        "attachments": json.dumps(doc.attachments, ensure_ascii=False, sort_keys=True),
        "encoding": result.encoding,
        "encoding_confidence": result.encoding_confidence,
        "encoding_evidence": json.dumps(result.encoding_evidence, ensure_ascii=False, sort_keys=True),
        "repairs": json.dumps(doc.repairs, ensure_ascii=False, sort_keys=True),
        "flags": json.dumps(sorted(set(doc.flags) | set(result.flags)), ensure_ascii=False),
        "content_hash": doc.content_hash,
        # metadata evidence (db/schema.py CORPUS_ADDED_COLUMNS["meta_evidence"])
        "published_at_source": doc.date_source,
        "date_candidates": json.dumps(doc.date_candidates, ensure_ascii=False, sort_keys=True),
        "index_number": doc.index_number,
        "editor": doc.editor,
        "title_source": doc.title_source,
        "raw_sha256": page.sha256,
        "pipeline_version": PIPELINE_VERSION,
        "first_seen": page.first_seen,
        "last_seen": page.last_seen,
    }


def crawl_drop_reason(page: RawPageRow) -> str | None:
    """Return why a page cannot be cleaned at all (no body, or not a 2xx), else None."""
    if page.status is None or page.body is None:
        return page.error or "no_body"
    if not 200 <= page.status < 300:
        return f"http_{page.status}"
    return None


def clean_batch(paths: DataPaths, page_ids: list[str], registry: Registry) -> CleanSummary:
    """Clean one batch of stored pages and write documents and outcomes; never raises on bad pages."""
    warm_up(paths.cache_dir)  # models load before the first page (once per process), not on the first that needs them
    summary = CleanSummary()
    raw = RawStore(paths.raw_db)
    corpus = CorpusStore(paths.corpus_db)
    try:
        documents: list[dict] = []
        outcomes: list[dict] = []
        cleaned_at = utc_now()
        templates = raw.site_templates()
        digests = {site_id: template_digest(template) for site_id, template in templates.items()}
        listings = raw.listed_as(page_ids)
        for page in raw.pages(page_ids):
            summary.pages += 1
            site_counts = summary.by_site.setdefault(page.site_id, Counter())
            reason = crawl_drop_reason(page)
            result = None
            if reason is None:
                result = clean_page(page_input(page, registry, templates.get(page.site_id), listings.get(page.id)))
                reason = result.drop_reason
                if result.encoding:
                    summary.encodings[result.encoding] += 1
            rows = [] if reason or result is None else [document_row(page, result, d) for d in result.documents]
            if reason is None and not rows:
                reason = "no_content"
            for row, doc in zip(rows, result.documents if rows else [], strict=False):
                summary.repairs.update(doc.repairs)
                summary.flags.update(json.loads(row["flags"]))
            documents.extend(rows)
            if reason:
                summary.drops[reason] += 1
                site_counts["dropped"] += 1
            else:
                site_counts["documents"] += len(rows)
            outcomes.append(
                {
                    "page_id": page.id,
                    "raw_sha256": page.sha256,
                    "pipeline_version": PIPELINE_VERSION,
                    "outcome": "dropped" if reason else "documents",
                    "drop_reason": reason,
                    "document_ids": json.dumps([r["id"] for r in rows]),
                    "cleaned_at": cleaned_at,
                    "template_digest": digests.get(page.site_id, ""),
                    "listing_digest": (listings.get(page.id) or {}).get("digest", ""),
                }
            )
        # Corpus first, then the bookkeeping: an interruption in between only means a redo next run.
        summary.documents.update(corpus.upsert_documents(page_ids, documents))
        raw.record_clean_outcomes(outcomes)
    finally:
        corpus.close()
        raw.close()
    return summary


def clean_pages(
    paths: DataPaths,
    page_ids: list[str],
    registry: Registry,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> CleanSummary:
    """Clean pages batch by batch, reporting (done, total) after each batch."""
    total = CleanSummary()
    done = 0
    for batch in batched(page_ids, batch_size):
        total.add(clean_batch(paths, batch, registry))
        done += len(batch)
        if progress:
            progress(done, len(page_ids))
    return total

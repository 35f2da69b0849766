"""The clean stage over stored pages: raw store rows -> cleaning.clean_page -> corpus.db documents.

Shared by the CLI and the Prefect flows; batches keep memory flat and transactions short.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cleaning.decode.encoding import decode_bytes
from cleaning.extract.templates import learn_site_template, merge_templates, template_digest
from cleaning.pipeline import (
    PIPELINE_VERSION,
    CleanDocument,
    ListedAs,
    PageInput,
    PageResult,
    clean_page,
    describe_exception,
    warm_up,
)
from crawlers.sites import Registry
from db.corpus import CorpusStore
from db.ids import document_id_for
from db.raw import RawPageRow, utc_now
from db.shards import RawReader
from jobs.config import DEFAULT_BATCH_SIZE, DataPaths

logger = logging.getLogger(__name__)

# Pages per site a template is learned from: enough for recurring lines to stand out, cheap to decode.
TEMPLATE_SAMPLE_PAGES = 60
INTERNAL_ERROR = "internal_error"  # the drop reason of a page a cleaning bug could not clean


@dataclass
class CleanSummary:
    """What one clean run did, summed over its batches."""

    pages: int = 0
    documents: Counter = field(default_factory=Counter)  # inserted / updated / unchanged / withdrawn / versions_kept
    drops: Counter = field(default_factory=Counter)  # drop reason -> pages
    encodings: Counter = field(default_factory=Counter)  # codec -> pages
    repairs: Counter = field(default_factory=Counter)  # repair name -> count
    flags: Counter = field(default_factory=Counter)  # flag name -> documents
    errors: Counter = field(default_factory=Counter)  # exception type -> pages dropped as internal_error
    by_site: dict[str, Counter] = field(default_factory=dict)  # site -> pages, documents (made), dropped

    def add(self, other: CleanSummary) -> None:
        """Add another batch's figures to this one."""
        self.pages += other.pages
        for name in ("documents", "drops", "encodings", "repairs", "flags", "errors"):
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
            "internal_errors": dict(self.errors),
            "by_site": {site: dict(c) for site, c in self.by_site.items()},
        }


def batched(items: list[str], size: int) -> Iterator[list[str]]:
    """Yield consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def current_template_digests(raw: RawReader) -> dict[str, str]:
    """Return site id -> digest of its stored template ("" when it drops nothing)."""
    return {site_id: template_digest(template) for site_id, template in raw.site_templates().items()}


def find_stale(
    paths: DataPaths, *, sites: list[str] | None = None, since: str | None = None, reprocess: bool = False
) -> dict[str, str]:
    """Return {page id: reason} for pages to clean: new, raw_changed, pipeline, template (or all, with reprocess)."""
    return find_stale_pages(paths, sites=sites, since=since, reprocess=reprocess)[0]


def find_stale_pages(
    paths: DataPaths, *, sites: list[str] | None = None, since: str | None = None, reprocess: bool = False
) -> tuple[dict[str, str], dict[str, str]]:
    """Return ({page id: reason}, {page id: site id}) for the pages to clean (see find_stale)."""
    raw = paths.raw().reader(sites)
    try:
        reasons = raw.stale_page_reasons(
            PIPELINE_VERSION,
            sites=sites,
            since=since,
            reprocess=reprocess,
            template_digests=current_template_digests(raw),
        )
        return reasons, raw.page_sites(list(reasons))
    finally:
        raw.close()


def sync_last_seen(paths: DataPaths) -> int:
    """Carry the crawler's latest sightings (304s, unchanged pages) onto their documents; return rows moved."""
    raw = paths.raw().reader()
    corpus = CorpusStore(paths.corpus_db)
    try:
        return corpus.touch_last_seen(raw.last_seen_by_page())
    finally:
        corpus.close()
        raw.close()


def sites_to_refresh(paths: DataPaths, page_ids: list[str]) -> list[str]:
    """Return the sites of the pages about to be cleaned: only their templates need a refresh."""
    raw = paths.raw().reader()
    try:
        return raw.sites_of(page_ids)
    finally:
        raw.close()


@dataclass
class TemplateRefresh:
    """What a template refresh did."""

    pages: dict[str, int] = field(default_factory=dict)  # site id -> pages its template was learned from
    changed: list[str] = field(default_factory=list)  # sites whose template digest changed: re-clean them
    errors: Counter = field(default_factory=Counter)  # exception type -> sample pages left out of learning


def _exception_type(error: str) -> str:
    return error.split(":", 1)[0]


def _sample_html(page: RawPageRow, hint: str | None, refresh: TemplateRefresh) -> str | None:
    """Return a sample page's decoded HTML, or None (counted) when decoding it fails: the page is left out."""
    try:
        return decode_bytes(page.body or b"", page.headers.get("content-type"), hint).text
    except Exception as exc:  # one bad page must not stop the refresh; cleaning it gives its drop reason
        error = describe_exception(exc)
        logger.warning("template refresh: page %s left out: %s", page.id, error)
        refresh.errors[_exception_type(error)] += 1
        return None


def _learn_isolated(htmls: list[str], refresh: TemplateRefresh) -> dict:
    """Return the template learned from htmls; if learning fails, learn again without the pages that fail alone."""
    try:
        return learn_site_template(htmls)
    except Exception as exc:  # only on failure: find the pages that break learning, one by one
        logger.warning("template learning failed (%s): again without the failing pages", describe_exception(exc))
    kept = []
    for html in htmls:
        try:
            learn_site_template([html])
        except Exception as exc:
            refresh.errors[type(exc).__name__] += 1
            continue
        kept.append(html)
    return learn_site_template(kept)


def refresh_site_templates(paths: DataPaths, site_ids: list[str], registry: Registry) -> TemplateRefresh:
    """Learn each site's boilerplate template from a stable sample of its pages; report which ones changed.

    Deterministic (same pages, same template), so an unchanged re-run changes nothing. A site whose new sample
    is too thin keeps its previous template (merge_templates). A page that fails to decode or to be learned
    from is left out of the sample and counted (``errors``); it still gets its drop reason when cleaned.
    """
    raw = paths.raw().reader(site_ids)
    refresh = TemplateRefresh()
    try:
        stored = raw.site_templates()
        for site_id in site_ids:
            site = registry.sites_by_id.get(site_id)
            hint = site.encoding if site else None
            decoded = (
                _sample_html(page, hint, refresh)
                for page in raw.pages(raw.sample_page_ids(site_id, TEMPLATE_SAMPLE_PAGES))
                if page.body
            )
            htmls = [html for html in decoded if html is not None]
            template = merge_templates(stored.get(site_id), _learn_isolated(htmls, refresh))
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
    page_sites: dict[str, str] = field(default_factory=dict)  # page id -> site id: which raw file holds it

    def batches(self, size: int) -> Iterator[tuple[list[str], list[str]]]:
        """Yield (page ids, their sites) in slices of at most `size` pages."""
        for batch in batched(self.page_ids, size):
            yield batch, sorted({self.page_sites[p] for p in batch if p in self.page_sites})


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
    stale, page_sites = find_stale_pages(paths, sites=sites, since=since, reprocess=reprocess)
    if not stale:
        return CleanPlan(page_ids=[], reasons=Counter(), templates=TemplateRefresh())
    templates = refresh_site_templates(paths, sorted(set(page_sites.values())), registry)
    if templates.changed:
        stale, page_sites = find_stale_pages(paths, sites=sites, since=since, reprocess=reprocess)
    return CleanPlan(page_ids=list(stale), reasons=Counter(stale.values()), templates=templates, page_sites=page_sites)


def listed_as(listing: dict | None) -> ListedAs | None:
    """Return the cleaning contract's ListedAs for a stored listing row (the site's raw file, `listings`), or None."""
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


@dataclass
class _PageOutcome:
    """One page's documents and clean_status row, ready to store."""

    page_id: str
    site_id: str
    seen_at: str  # the crawl time of the page version cleaned: when documents it no longer yields were withdrawn
    rows: list[dict]
    status: dict


def _outcome_row(page: RawPageRow, reason: str | None, rows: list[dict], extra: dict) -> dict:
    return {
        "page_id": page.id,
        "raw_sha256": page.sha256,
        "pipeline_version": PIPELINE_VERSION,
        "outcome": "dropped" if reason else "documents",
        "drop_reason": reason,
        "document_ids": json.dumps([r["id"] for r in rows]),
        "error": None,
        **extra,
    }


def _check_storable(rows: list[dict]) -> None:
    """Raise UnicodeEncodeError if a row holds text SQLite cannot store (a lone surrogate), before the batch write."""
    for row in rows:
        for value in row.values():
            if isinstance(value, str) and not value.isascii():
                value.encode("utf-8")


def _clean_one(
    page: RawPageRow, registry: Registry, template: dict | None, listing: dict | None, summary: CleanSummary
) -> _PageOutcome:
    """Clean one stored page into its documents and clean_status row; any failure is the page's internal_error."""
    try:
        reason = crawl_drop_reason(page)
        result = None
        error = None
        if reason is None:
            result = clean_page(page_input(page, registry, template, listing))
            reason, error = result.drop_reason, result.error
            if result.encoding:
                summary.encodings[result.encoding] += 1
        rows = [] if reason or result is None else [document_row(page, result, d) for d in result.documents]
        if reason is None and not rows:
            reason = "no_content"
        _check_storable(rows)
        for row, doc in zip(rows, result.documents if rows else [], strict=False):
            summary.repairs.update(doc.repairs)
            summary.flags.update(json.loads(row["flags"]))
    except Exception as exc:  # a bug in the code around clean_page must cost this page only
        reason, rows, error = INTERNAL_ERROR, [], describe_exception(exc)
        logger.warning("clean: page %s dropped: %s", page.id, error)
    if error:
        summary.errors[_exception_type(error)] += 1
    return _PageOutcome(page.id, page.site_id, page.last_seen, rows, _outcome_row(page, reason, rows, {"error": error}))


def _store_outcomes(raw: RawReader, corpus: CorpusStore, outcomes: list[_PageOutcome], summary: CleanSummary) -> None:
    """Write documents and clean_status rows, the whole batch in one transaction.

    If the batch write fails for a reason that is not the database's (a value SQLite rejects), the pages are
    written one by one and a page whose documents cannot be written is dropped as internal_error.
    """
    page_ids = [o.page_id for o in outcomes]
    try:
        counts = _upsert(corpus, outcomes, page_ids)
    except sqlite3.DatabaseError:
        raise  # the database itself failed (locked, full, corrupt): that stops the stage, loudly
    except Exception as exc:
        logger.warning("clean: batch write failed (%s): writing page by page", describe_exception(exc))
        counts = Counter()
        for outcome in outcomes:
            try:
                counts.update(_upsert(corpus, [outcome]))
            except sqlite3.DatabaseError:
                raise
            except Exception as page_exc:
                error = describe_exception(page_exc)
                summary.errors[_exception_type(error)] += 1
                outcome.rows = []
                outcome.status.update(outcome="dropped", drop_reason=INTERNAL_ERROR, document_ids="[]", error=error)
                counts.update(_upsert(corpus, [outcome]))
    summary.documents.update(counts)
    raw.record_clean_outcomes([o.status for o in outcomes])


def _upsert(corpus: CorpusStore, outcomes: list[_PageOutcome], page_ids: list[str] | None = None) -> dict[str, int]:
    """Write these pages' documents; documents they no longer yield are withdrawn with the page's drop reason."""
    return corpus.upsert_documents(
        page_ids if page_ids is not None else [o.page_id for o in outcomes],
        [row for o in outcomes for row in o.rows],
        withdrawn={o.page_id: o.status["drop_reason"] for o in outcomes if o.status["drop_reason"]},
        seen_at={o.page_id: o.seen_at for o in outcomes},
    )


def clean_batch(
    paths: DataPaths, page_ids: list[str], registry: Registry, sites: list[str] | None = None
) -> CleanSummary:
    """Clean one batch of stored pages and write documents and outcomes; a bad page never stops the batch.

    `sites`: the sites the pages belong to (CleanPlan.batches), so only their raw files are opened.
    """
    warm_up(paths.cache_dir)  # models load before the first page (once per process), not on the first that needs them
    summary = CleanSummary()
    raw = paths.raw().reader(sites)
    corpus = CorpusStore(paths.corpus_db)
    try:
        cleaned_at = utc_now()
        templates = raw.site_templates()
        digests = {site_id: template_digest(template) for site_id, template in templates.items()}
        listings = raw.listed_as(page_ids)
        outcomes: list[_PageOutcome] = []
        for page in raw.pages(page_ids):
            summary.pages += 1
            listing = listings.get(page.id)
            outcome = _clean_one(page, registry, templates.get(page.site_id), listing, summary)
            outcome.status.update(
                cleaned_at=cleaned_at,
                template_digest=digests.get(page.site_id, ""),
                listing_digest=(listing or {}).get("digest", ""),
            )
            outcomes.append(outcome)
        # Corpus first, then the bookkeeping: an interruption in between only means a redo next run.
        _store_outcomes(raw, corpus, outcomes, summary)
        for outcome in outcomes:
            site_counts = summary.by_site.setdefault(outcome.site_id, Counter())
            site_counts["pages"] += 1
            reason = outcome.status["drop_reason"]
            if reason:
                summary.drops[reason] += 1
                site_counts["dropped"] += 1
            else:
                site_counts["documents"] += len(outcome.rows)
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
    page_sites: dict[str, str] | None = None,
) -> CleanSummary:
    """Clean pages batch by batch, reporting (done, total) after each batch (`page_sites`: CleanPlan.page_sites)."""
    total = CleanSummary()
    done = 0
    page_sites = page_sites or {}
    for batch in batched(page_ids, batch_size):
        sites = sorted({page_sites[p] for p in batch if p in page_sites}) or None
        total.add(clean_batch(paths, batch, registry, sites))
        done += len(batch)
        if progress:
            progress(done, len(page_ids))
    return total

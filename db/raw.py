"""raw.db: exactly what servers sent, one current row per URL, older bodies kept in history.

Bodies are stored zstd-compressed (``BodyCodec``) and handed back as sent: readers of ``RawStore`` never see
the difference, and rows written before compression (``body_codec`` NULL) are read as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from db.bodies import BodyCodec
from db.ids import canonical_url, page_id_for, sha256_hex
from db.runs import RunOwner
from db.store import open_raw, open_readonly, transaction

# Outcomes of one fetch, as counted in run summaries.
NEW, CHANGED, UNCHANGED, NOT_MODIFIED, ERROR = "new", "changed", "unchanged", "not_modified", "error"

# Why the clean stage picks a page, the first that applies: never cleaned, raw bytes changed, an older pipeline
# version, its site's template changed since, what its list row says changed, or none of these (cleaned again on
# request).
STALE_REASONS = ("new", "raw_changed", "pipeline", "template", "listing", "reprocess")

# The listing a page is cleaned with when several columns list it: the first seen (then by column), in SQL.
CHOSEN_LISTING = """
    SELECT page_id, title, listed_date, column_name, list_url, digest FROM (
        SELECT l.*, ROW_NUMBER() OVER (PARTITION BY page_id ORDER BY first_seen, column_key) AS rank
        FROM listings l {where}
    ) WHERE rank = 1
"""


def listing_digest(title: str | None, listed_date: str | None, column: str | None) -> str:
    """Return the digest of what a list row says of a page (title, date, column): a change re-cleans the page."""
    return sha256_hex(json.dumps([title, listed_date, column], ensure_ascii=False).encode("utf-8"))[:20]


# crawl_runs.status: a run is running until it records its end, or the next run finds its owner gone.
RUNNING, FINISHED, INTERRUPTED = "running", "finished", "interrupted"


def utc_now() -> str:
    """Return the current UTC time as an ISO-8601 string with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RawFetch:
    """One response (or failure) as the crawler saw it; nothing decoded."""

    run_id: str
    site_id: str
    page_type: str  # "list" | "detail"
    url: str
    final_url: str | None
    status: int | None
    headers: dict[str, str]
    body: bytes | None
    fetched_at: str
    error: str | None = None


@dataclass(frozen=True)
class KnownPage:
    """What the crawler needs to decide whether to fetch a URL again."""

    etag: str | None
    last_modified: str | None
    sha256: str | None
    fetched_at: str | None
    status: int | None
    last_seen: str | None = None  # last time the crawler checked the page (200, 304 or error)
    error: str | None = None  # why the last attempt failed, if it did (too_large, http_404, ...)
    first_seen: str | None = None  # first time the crawler fetched it (a list walk is settled on older pages)


@dataclass(frozen=True)
class RawPageRow:
    """A stored raw page, as the clean stage reads it."""

    id: str
    url: str
    site_id: str
    final_url: str | None
    status: int | None
    headers: dict[str, str]
    body: bytes | None
    sha256: str | None
    error: str | None
    first_seen: str
    last_seen: str
    fetched_at: str | None = None
    page_type: str = "detail"


def _known_pages(db, site_id: str) -> dict[str, KnownPage]:
    sql = """SELECT url, etag, last_modified, sha256, fetched_at, status, last_seen, error, first_seen
             FROM raw_pages WHERE site_id = ?"""
    return {row.pop("url"): KnownPage(**row) for row in db.query(sql, [site_id])}


def read_known_pages(path: Path, site_id: str) -> dict[str, KnownPage]:
    """Return a site's known pages without writing (or creating) raw.db: empty when the file does not exist."""
    if not Path(path).exists():
        return {}
    db = open_readonly(Path(path))
    try:
        return _known_pages(db, site_id) if db["raw_pages"].exists() else {}
    finally:
        db.conn.close()


def read_list_pages(path: Path, site_id: str, limit: int = 2) -> list[dict]:
    """Return a site's latest good list pages (url, body, headers) without writing raw.db; [] without the file."""
    if not Path(path).exists():
        return []
    db = open_readonly(Path(path))
    try:
        if not db["raw_pages"].exists():
            return []
        # a file from before compression has no body_codec column: its bodies are stored as sent
        codec_col = "body_codec" if "body_codec" in db["raw_pages"].columns_dict else "NULL AS body_codec"
        sql = f"""SELECT url, body, {codec_col}, headers FROM raw_pages
                  WHERE site_id = ? AND page_type = 'list' AND sha256 IS NOT NULL ORDER BY fetched_at DESC LIMIT ?"""
        codec = BodyCodec(db)
        return [
            {
                "url": row["url"],
                "body": codec.decode(row["body"], row["body_codec"]),
                "headers": json.loads(row["headers"] or "{}"),
            }
            for row in db.query(sql, [site_id, limit])
        ]
    finally:
        db.conn.close()


class RawStore:
    """Read and write raw.db; every write is one short transaction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = open_raw(self.path)
        self.codec = BodyCodec(self.db)

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    # -- runs -------------------------------------------------------------------------------------
    def start_run(self, run_id: str, sites: list[str], owner: RunOwner | None = None) -> None:
        """Record the start of a crawl run by `owner` (default: this process)."""
        owner = owner or RunOwner.current()
        now = utc_now()
        self.db["crawl_runs"].upsert(
            {
                "run_id": run_id,
                "started_at": now,
                "sites": json.dumps(sites),
                "status": RUNNING,
                "host": owner.host,
                "pid": owner.pid,
                "pid_started": owner.started,
                "heartbeat_at": now,
            },
            pk="run_id",
        )

    def heartbeat(self, run_id: str) -> None:
        """Record that the run's owner is still alive."""
        self.db.execute("UPDATE crawl_runs SET heartbeat_at = ? WHERE run_id = ?", [utc_now(), run_id])

    def finish_run(self, run_id: str, stats: dict, *, status: str = FINISHED) -> None:
        """Record the end of a crawl run with its summary (`status`: finished, or interrupted)."""
        self.db["crawl_runs"].update(
            run_id, {"finished_at": utc_now(), "status": status, "stats": json.dumps(stats, ensure_ascii=False)}
        )

    def unfinished_runs(self) -> list[dict]:
        """Return the rows of runs without an end: still running, or killed before they could record one."""
        rows = self.db.query("SELECT * FROM crawl_runs WHERE finished_at IS NULL ORDER BY started_at")
        return [{**row, "sites": json.loads(row["sites"])} for row in rows]

    @staticmethod
    def run_owner(row: dict) -> RunOwner:
        """Return the owner recorded on a crawl_runs row (rows from before owners were recorded: host unknown)."""
        return RunOwner(host=row.get("host") or "", pid=row.get("pid") or 0, started=row.get("pid_started"))

    def last_run(self) -> dict | None:
        """Return the latest ended run (finished, or closed as interrupted): run_id, times, status and its stats."""
        rows = list(
            self.db.query("SELECT * FROM crawl_runs WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1")
        )
        if not rows:
            return None
        row = rows[0]
        return {
            **row,
            "status": row.get("status") or "finished",
            "sites": json.loads(row["sites"]),
            "stats": json.loads(row["stats"] or "{}"),
        }

    def record_site_run(self, run_id: str, site_id: str, summary: dict, *, started_at: str, timeout_s: float) -> None:
        """Store one site's crawl summary for a run (written by the process that crawled it)."""
        owner = RunOwner.current()
        self.db["site_runs"].upsert(
            {
                "run_id": run_id,
                "site_id": site_id,
                "started_at": started_at,
                "finished_at": utc_now(),
                "finish_reason": summary.get("finish_reason"),
                "timeout_s": timeout_s,
                "summary": json.dumps(summary, ensure_ascii=False, sort_keys=True),
                "host": owner.host,
                "pid": owner.pid,
            },
            pk=("run_id", "site_id"),
        )

    def site_runs(self, run_id: str) -> dict[str, dict]:
        """Return site id -> the summary each site's crawl stored for this run."""
        rows = self.db.query("SELECT site_id, summary FROM site_runs WHERE run_id = ?", [run_id])
        return {row["site_id"]: json.loads(row["summary"]) for row in rows}

    def run_counts(self, run_id: str) -> dict[str, dict[str, int]]:
        """Return per-site counts of fetch outcomes for a run, from the fetch log."""
        sql = """
            SELECT site_id,
                   SUM(status IS NOT NULL)                                   AS pages_fetched,
                   SUM(page_type = 'list' AND status IS NOT NULL)            AS list_pages,
                   SUM(page_type = 'detail' AND outcome = 'new')             AS detail_pages_new,
                   SUM(page_type = 'detail' AND outcome = 'changed')         AS detail_pages_changed,
                   SUM(page_type = 'detail' AND outcome = 'unchanged')       AS detail_pages_unchanged,
                   SUM(outcome = 'not_modified')                             AS not_modified,
                   SUM(page_type = 'detail' AND status BETWEEN 200 AND 299)  AS detail_pages_downloaded,
                   SUM(outcome = 'error')                                    AS errors
            FROM fetch_log WHERE run_id = ? GROUP BY site_id
        """
        return {row.pop("site_id"): row for row in self.db.query(sql, [run_id])}

    def run_summary(self, run_id: str, failed_sites: list[str] | None = None) -> dict:
        """Return a run's totals over all sites plus per-site counts, from the fetch log."""
        by_site = self.run_counts(run_id)
        keys = (
            "pages_fetched",
            "list_pages",
            "detail_pages_new",
            "detail_pages_changed",
            "detail_pages_unchanged",
            "not_modified",
            "detail_pages_downloaded",
            "errors",
        )
        totals = {key: sum(counts.get(key) or 0 for counts in by_site.values()) for key in keys}
        return {"run_id": run_id, **totals, "by_site": by_site, "failed_sites": sorted(failed_sites or [])}

    # -- pages ------------------------------------------------------------------------------------
    def known_pages(self, site_id: str) -> dict[str, KnownPage]:
        """Return every stored URL of a site with the validators for a conditional GET."""
        return _known_pages(self.db, site_id)

    def record_fetch(self, fetch: RawFetch) -> str:
        """Store one fetch and return its outcome: new, changed, unchanged, not_modified or error."""
        url = canonical_url(fetch.url)
        page_id = page_id_for(url)
        size = len(fetch.body) if fetch.body is not None else None
        with transaction(self.db):
            existing = self._get(page_id)
            outcome = self._store(page_id, url, fetch, existing)
            self.db["fetch_log"].insert(
                {
                    "run_id": fetch.run_id,
                    "site_id": fetch.site_id,
                    "page_id": page_id,
                    "url": url,
                    "page_type": fetch.page_type,
                    "status": fetch.status,
                    "outcome": outcome,
                    "error": fetch.error,
                    "size": size,
                    "fetched_at": fetch.fetched_at,
                }
            )
        return outcome

    def _get(self, page_id: str) -> dict | None:
        rows = list(self.db.query("SELECT * FROM raw_pages WHERE id = ?", [page_id]))
        return rows[0] if rows else None

    def _store(self, page_id: str, url: str, fetch: RawFetch, existing: dict | None) -> str:
        pages = self.db["raw_pages"]
        seen = {"last_seen": fetch.fetched_at, "run_id": fetch.run_id}
        good = fetch.status is not None and 200 <= fetch.status < 300 and fetch.body is not None
        if fetch.status == 304 and existing is not None:
            pages.update(page_id, seen)
            return NOT_MODIFIED
        if not good:
            # Keep a failure visible, but never let it overwrite a good body we already hold.
            if existing is None or existing["sha256"] is None:
                pages.upsert(self._row(page_id, url, fetch, existing), pk="id")
            else:
                pages.update(page_id, seen)
            return ERROR
        row = self._row(page_id, url, fetch, existing)
        if existing is None or existing["sha256"] is None:
            pages.upsert(row, pk="id")
            self.codec.count_body(fetch.site_id)
            return NEW
        if existing["sha256"] == row["sha256"]:
            pages.update(
                page_id,
                {**seen, "etag": row["etag"], "last_modified": row["last_modified"], "error": None},
            )
            return UNCHANGED
        self.db["raw_history"].upsert(
            {
                "page_id": page_id,
                "sha256": existing["sha256"],
                "status": existing["status"],
                "headers": existing["headers"],
                "body": existing["body"],  # moved as stored: compressed or not, with its codec
                "body_codec": existing.get("body_codec"),
                "fetched_at": existing["fetched_at"],
                "run_id": existing["run_id"],
                "replaced_at": fetch.fetched_at,
            },
            pk=("page_id", "sha256"),
        )
        pages.upsert({**row, "changed_at": fetch.fetched_at}, pk="id")
        self.codec.count_body(fetch.site_id)
        return CHANGED

    def _row(self, page_id: str, url: str, fetch: RawFetch, existing: dict | None) -> dict:
        headers = {k.lower(): v for k, v in fetch.headers.items()}
        body = fetch.body
        blob, codec = self.codec.encode(fetch.site_id, body) if body else (body, None)
        return {
            "id": page_id,
            "url": url,
            "site_id": fetch.site_id,
            "page_type": fetch.page_type,
            "final_url": fetch.final_url,
            "status": fetch.status,
            "headers": json.dumps(headers, ensure_ascii=False, sort_keys=True),
            "body": blob,
            "body_codec": codec,
            "sha256": sha256_hex(body) if body is not None and fetch.status and fetch.status < 300 else None,
            "size": len(body) if body is not None else None,
            "etag": headers.get("etag"),
            "last_modified": headers.get("last-modified"),
            "error": fetch.error,
            "fetched_at": fetch.fetched_at,
            "run_id": fetch.run_id,
            "first_seen": existing["first_seen"] if existing else fetch.fetched_at,
            "last_seen": fetch.fetched_at,
        }

    # -- list evidence and list walks ---------------------------------------------------------------
    def record_listings(
        self,
        *,
        site_id: str,
        run_id: str,
        column_key: str,
        column_name: str | None,
        list_url: str,
        rows: list[dict],
        seen_at: str,
    ) -> dict[str, int]:
        """Store what one list page said of its rows (url, title, date, date_text); return new/changed/same counts.

        One row per detail page and column: first and last seen, the list page it was last seen on; a change of
        title, date or column updates it and sets `changed_at` (the page is then stale for cleaning).
        """
        counts = {"new": 0, "changed": 0, "same": 0}
        listing = self.db["listings"]
        with transaction(self.db):
            for row in rows:
                url = canonical_url(row["url"])
                page_id = page_id_for(url)
                digest = listing_digest(row.get("title"), row.get("date"), column_name)
                existing = list(
                    self.db.query(
                        "SELECT digest FROM listings WHERE page_id = ? AND column_key = ?", [page_id, column_key]
                    )
                )
                seen = {"last_seen": seen_at, "list_url": list_url, "run_id": run_id}
                if existing and existing[0]["digest"] == digest:
                    listing.update((page_id, column_key), seen)
                    counts["same"] += 1
                    continue
                values = {
                    "title": row.get("title"),
                    "listed_date": row.get("date"),
                    "date_text": row.get("date_text"),
                    "column_name": column_name,
                    "digest": digest,
                    **seen,
                }
                if existing:
                    listing.update((page_id, column_key), {**values, "changed_at": seen_at})
                    counts["changed"] += 1
                else:
                    key = {"page_id": page_id, "column_key": column_key, "site_id": site_id, "url": url}
                    listing.insert({**key, **values, "first_seen": seen_at, "changed_at": None})
                    counts["new"] += 1
        return counts

    def listed_as(self, page_ids: list[str]) -> dict[str, dict]:
        """Return page id -> the listing it is cleaned with (title, listed_date, column_name, list_url, digest)."""
        out: dict[str, dict] = {}
        for start in range(0, len(page_ids), 500):
            chunk = page_ids[start : start + 500]
            where = f"WHERE page_id IN ({','.join('?' * len(chunk))})"
            for row in self.db.query(CHOSEN_LISTING.format(where=where), chunk):
                out[row.pop("page_id")] = row
        return out

    def listings(self, site_id: str) -> list[dict]:
        """Return every listing row of a site, newest sighting first."""
        return list(self.db.query("SELECT * FROM listings WHERE site_id = ? ORDER BY last_seen DESC, url", [site_id]))

    def list_walks(self, site_id: str) -> dict[str, dict]:
        """Return column key -> the stored state of that column's list walk (entry, resume point, ...)."""
        rows = self.db.query("SELECT * FROM list_walks WHERE site_id = ?", [site_id])
        out = {}
        for row in rows:
            for key in ("entry", "resume", "walk_state"):
                row[key] = json.loads(row[key]) if row[key] else None
            out[row["column_key"]] = row
        return out

    def save_list_walk(self, row: dict) -> None:
        """Store one column's list-walk state (upsert on site and column key)."""
        values = dict(row)
        for key in ("entry", "resume", "walk_state"):
            if values.get(key) is not None and not isinstance(values[key], str):
                values[key] = json.dumps(values[key], ensure_ascii=False, sort_keys=True)
        values.setdefault("updated_at", utc_now())
        with transaction(self.db):
            self.db["list_walks"].upsert(values, pk=("site_id", "column_key"))

    # -- clean stage bookkeeping -------------------------------------------------------------------
    def stale_page_reasons(
        self,
        pipeline_version: str,
        *,
        sites: list[str] | None = None,
        since: str | None = None,
        reprocess: bool = False,
        template_digests: dict[str, str] | None = None,
    ) -> dict[str, str]:
        """Return {page id: why it needs cleaning} for detail pages, in site and id order (STALE_REASONS).

        A page is stale when it was never cleaned, its raw bytes changed, an older pipeline version cleaned it,
        (given `template_digests`, site id -> digest of its current template, "" for none) it was cleaned
        with another template digest, or its listing (title, date, column as listed) is not the one it was
        cleaned with. Rows cleaned before digests were recorded (NULL) are not stale by
        template until `adopt_template_digest` fills them in. With `reprocess`, every selected page is returned.
        """
        params: dict[str, object] = {"pipeline": pipeline_version}
        digests = sorted((template_digests or {}).items())
        # A never-matching first row keeps VALUES valid when there are no digests.
        values = ", ".join(["(NULL, NULL)"] + [f"(:ts{i}, :td{i})" for i in range(len(digests))])
        for i, (site_id, digest) in enumerate(digests):
            params[f"ts{i}"], params[f"td{i}"] = site_id, digest
        template_changed = (
            "c.template_digest IS NOT NULL AND c.template_digest != COALESCE(t.digest, '')"
            if template_digests is not None
            else "0"
        )
        where = ["p.page_type = 'detail'"]
        if sites:
            where.append(f"p.site_id IN ({', '.join(f':s{i}' for i in range(len(sites)))})")
            params.update({f"s{i}": site for i, site in enumerate(sites)})
        if since:
            where.append("p.last_seen >= :since")
            params["since"] = since
        sql = f"""WITH t(site_id, digest) AS (VALUES {values}),
                       l AS ({CHOSEN_LISTING.format(where="")})
                  SELECT p.site_id AS site_id, p.id AS id,
                         CASE WHEN c.page_id IS NULL THEN 'new'
                              WHEN c.raw_sha256 IS NOT p.sha256 THEN 'raw_changed'
                              WHEN c.pipeline_version != :pipeline THEN 'pipeline'
                              WHEN {template_changed} THEN 'template'
                              WHEN COALESCE(c.listing_digest, '') != COALESCE(l.digest, '') THEN 'listing'
                              ELSE 'reprocess' END AS reason
                  FROM raw_pages p
                  LEFT JOIN clean_status c ON c.page_id = p.id
                  LEFT JOIN t ON t.site_id = p.site_id
                  LEFT JOIN l ON l.page_id = p.id
                  WHERE {" AND ".join(where)}"""
        keep = "" if reprocess else "WHERE reason != 'reprocess'"
        sql = f"SELECT id, reason FROM ({sql}) {keep} ORDER BY site_id, id"
        return dict(self.db.execute(sql, params).fetchall())

    def adopt_template_digest(self, site_id: str, digest: str) -> int:
        """Record `digest` on a site's pages cleaned before digests were recorded; return rows updated.

        Called with the digest of the template the site had until now, before a refresh stores a new one, so
        those pages count as made with it (the best knowledge there is) and a real change re-cleans them.
        """
        with transaction(self.db):
            cursor = self.db.execute(
                """UPDATE clean_status SET template_digest = ?
                   WHERE template_digest IS NULL
                     AND page_id IN (SELECT id FROM raw_pages WHERE site_id = ?)""",
                [digest, site_id],
            )
        return cursor.rowcount

    def last_seen_by_page(self) -> dict[str, str]:
        """Return every detail page's last sighting by the crawler (200, 304 or error)."""
        sql = "SELECT id, last_seen FROM raw_pages WHERE page_type = 'detail'"
        return {row["id"]: row["last_seen"] for row in self.db.query(sql)}

    def sites_of(self, page_ids: list[str]) -> list[str]:
        """Return the distinct site ids of these pages, sorted."""
        sites: set[str] = set()
        for start in range(0, len(page_ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = page_ids[start : start + 500]
            sql = f"SELECT DISTINCT site_id FROM raw_pages WHERE id IN ({','.join('?' * len(chunk))})"
            sites.update(row["site_id"] for row in self.db.query(sql, chunk))
        return sorted(sites)

    def sample_page_ids(self, site_id: str, limit: int) -> list[str]:
        """Return up to `limit` good (2xx, with body) detail page ids of a site, in a stable order."""
        sql = """SELECT id FROM raw_pages WHERE site_id = ? AND page_type = 'detail' AND sha256 IS NOT NULL
                 ORDER BY id LIMIT ?"""
        return [row["id"] for row in self.db.query(sql, [site_id, limit])]

    def site_templates(self) -> dict[str, dict]:
        """Return every stored site template, by site id."""
        return {row["site_id"]: json.loads(row["template"]) for row in self.db.query("SELECT * FROM site_templates")}

    def store_site_template(self, site_id: str, template: dict) -> bool:
        """Store a site's template if it differs from the stored one; return whether it changed."""
        text = json.dumps(template, ensure_ascii=False, sort_keys=True)
        rows = list(self.db.query("SELECT template FROM site_templates WHERE site_id = ?", [site_id]))
        if rows and rows[0]["template"] == text:
            return False
        self.db["site_templates"].upsert(
            {"site_id": site_id, "template": text, "pages": template.get("pages", 0), "learned_at": utc_now()},
            pk="site_id",
        )
        return True

    def pages(self, page_ids: list[str]) -> Iterator[RawPageRow]:
        """Yield the stored raw pages for the given ids (bodies included, as sent)."""
        if not page_ids:
            return
        sql = f"SELECT * FROM raw_pages WHERE id IN ({','.join('?' * len(page_ids))}) ORDER BY id"
        for row in self.db.query(sql, page_ids):
            yield self._page_row(row)

    def iter_responses(self, *, sites: list[str] | None = None, batch_size: int = 200) -> Iterator[RawPageRow]:
        """Yield every stored page that got a response (list and detail pages, any status), in id order,
        ``batch_size`` rows at a time so memory stays flat."""
        where, params = "status IS NOT NULL AND id > ?", []
        if sites:
            where += f" AND site_id IN ({','.join('?' * len(sites))})"
            params = list(sites)
        last = ""
        while True:
            sql = f"SELECT * FROM raw_pages WHERE {where} ORDER BY id LIMIT ?"
            rows = list(self.db.query(sql, [last, *params, batch_size]))
            if not rows:
                return
            for row in rows:
                yield self._page_row(row)
            last = rows[-1]["id"]

    def history(self, page_id: str) -> list[dict]:
        """Return the earlier bodies of a page (sha256, status, headers, body as sent, fetched_at, replaced_at),
        oldest first."""
        sql = "SELECT * FROM raw_history WHERE page_id = ? ORDER BY replaced_at, sha256"
        out = []
        for row in self.db.query(sql, [page_id]):
            row["body"] = self.codec.decode(row["body"], row.pop("body_codec"))
            row["headers"] = json.loads(row["headers"] or "{}")
            out.append(row)
        return out

    def _page_row(self, row: dict) -> RawPageRow:
        return RawPageRow(
            id=row["id"],
            url=row["url"],
            site_id=row["site_id"],
            final_url=row["final_url"],
            status=row["status"],
            headers=json.loads(row["headers"] or "{}"),
            body=self.codec.decode(row["body"], row["body_codec"]),
            sha256=row["sha256"],
            error=row["error"],
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            fetched_at=row["fetched_at"],
            page_type=row["page_type"],
        )

    def record_clean_outcomes(self, outcomes: list[dict]) -> None:
        """Store what the clean stage decided for each page (documents, dropped or duplicate)."""
        if not outcomes:
            return
        with transaction(self.db):
            self.db["clean_status"].upsert_all(outcomes, pk="page_id")

    def internal_error_counts(self) -> dict[str, int]:
        """Return how many detail pages a cleaning bug currently drops, by exception type."""
        sql = """SELECT substr(error, 1, instr(error || ':', ':') - 1) AS kind, COUNT(*) AS n FROM clean_status
                 WHERE drop_reason = 'internal_error' GROUP BY kind ORDER BY n DESC, kind"""
        return {row["kind"] or "unknown": row["n"] for row in self.db.query(sql)}

    def drop_counts(self) -> dict[str, int]:
        """Return how many detail pages are currently dropped, by reason."""
        sql = """SELECT drop_reason, COUNT(*) AS n FROM clean_status
                 WHERE outcome != 'documents' GROUP BY drop_reason ORDER BY n DESC"""
        return {row["drop_reason"]: row["n"] for row in self.db.query(sql)}

"""Where raw pages live: one SQLite file per site, so crawls of different sites never write the same file.

    <data>/raw/sites/<site_id>.db   one raw-store file per site: its pages, history, fetch log, site runs, clean
                                    status and template (every raw table, so tables added later land there too)
    <data>/raw/runs.db              the crawl_runs rows, one per crawl run (its other raw tables stay empty)

A site's file has one writer at a time: the crawl of that site (a site is never crawled by two processes at once)
or the clean stage after it. The clean stage reads the site files through `RawReader`, which offers the read and
bookkeeping methods of `RawStore` over many files. A raw.db of the single-file layout (`<data>/raw.db`) is split
into site files when its data directory is first opened, and kept as `raw.db.migrated`.
`RawShards.single_file(path)` routes every site to one file instead (tests, and tools over one raw.db).
This module is the one place that knows where a site's rows are.
"""

from __future__ import annotations

import fcntl
import logging
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from db.raw import INTERRUPTED, RawPageRow, RawStore, utc_now
from db.store import transaction

logger = logging.getLogger(__name__)

# Site ids are file names here: the registry allows [a-z0-9-]+, anything else must never reach the file system.
SITE_FILE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
RUN_TOTAL_KEYS = (
    "pages_fetched",
    "list_pages",
    "detail_pages_new",
    "detail_pages_changed",
    "detail_pages_unchanged",
    "not_modified",
    "detail_pages_downloaded",
    "errors",
)


class RawShards:
    """The raw store of one data directory: which file holds a site's rows, the run rows, and readers over them."""

    def __init__(self, data_dir: Path, *, single: Path | None = None) -> None:
        self.root = Path(data_dir)
        self.single = Path(single) if single is not None else None
        if self.single is None:
            legacy = self.root / "raw.db"
            if legacy.exists():
                migrate_single_file(legacy, self)

    @classmethod
    def single_file(cls, path: Path) -> RawShards:
        """Return shards that keep every site and the run rows in the one file `path`."""
        return cls(Path(path).parent, single=Path(path))

    @property
    def sites_dir(self) -> Path:
        """The directory of the per-site files."""
        return self.root / "raw" / "sites"

    @property
    def runs_path(self) -> Path:
        """The file holding crawl_runs."""
        return self.single or self.root / "raw" / "runs.db"

    def site_path(self, site_id: str) -> Path:
        """Return the file that holds a site's raw rows."""
        if not SITE_FILE_ID.fullmatch(site_id):
            raise ValueError(f"site id {site_id!r} cannot name a raw file (expected [a-z0-9-]+)")
        return self.single or self.sites_dir / f"{site_id}.db"

    def site_ids(self) -> list[str]:
        """Return the sites that have raw rows, sorted (in the single-file layout: every site_id in the file)."""
        if self.single is not None:
            if not self.single.exists():
                return []
            store = RawStore(self.single)
            try:
                return [r["site_id"] for r in store.db.query("SELECT DISTINCT site_id FROM raw_pages ORDER BY 1")]
            finally:
                store.close()
        if not self.sites_dir.is_dir():
            return []
        return sorted(p.stem for p in self.sites_dir.glob("*.db") if SITE_FILE_ID.fullmatch(p.stem))

    def exists(self) -> bool:
        """Return True when anything was crawled into this store."""
        return self.runs_path.exists() or bool(self.site_ids())

    def open_site(self, site_id: str) -> RawStore:
        """Return the RawStore of one site's file (created on first use)."""
        return RawStore(self.site_path(site_id))

    def open_runs(self) -> RawStore:
        """Return the RawStore of the file holding crawl_runs."""
        return RawStore(self.runs_path)

    def reader(self, sites: list[str] | None = None) -> RawReader:
        """Return a reader over the given sites' files (default: every site's)."""
        return RawReader(self, sites)

    # -- runs over many sites --------------------------------------------------------------------------
    def start_run(self, run_id: str, sites: list[str]) -> list[str]:
        """Close runs whose owner is gone as interrupted, then record this run's start; return the closed run ids."""
        closed = self.close_interrupted_runs()
        runs = self.open_runs()
        try:
            runs.start_run(run_id, sites)
        finally:
            runs.close()
        return closed

    def heartbeat(self, run_id: str) -> None:
        """Record that a run's owner is alive."""
        runs = self.open_runs()
        try:
            runs.heartbeat(run_id)
        finally:
            runs.close()

    def finish_run(self, run_id: str, stats: dict, *, status: str | None = None) -> None:
        """Record a run's end and summary."""
        runs = self.open_runs()
        try:
            runs.finish_run(run_id, stats, **({"status": status} if status else {}))
        finally:
            runs.close()

    def close_interrupted_runs(self) -> list[str]:
        """Close every unfinished run whose owner is gone as `interrupted`, with what its sites recorded."""
        if not self.runs_path.exists():
            return []
        runs = self.open_runs()
        try:
            dead = [row for row in runs.unfinished_runs() if RawStore.run_owner(row).is_gone(row["heartbeat_at"])]
        finally:
            runs.close()
        for row in dead:
            stats = self.run_summary(row["run_id"], row["sites"])
            stats["interrupted"] = {"detected_at": utc_now(), "owner": f"{row.get('host')}:{row.get('pid')}"}
            self.finish_run(row["run_id"], stats, status=INTERRUPTED)
            logger.warning(
                "crawl run %s (pid %s on %s) ended without recording it: closed as interrupted",
                row["run_id"],
                row.get("pid"),
                row.get("host"),
            )
        return [row["run_id"] for row in dead]

    def run_summary(self, run_id: str, sites: list[str], failed_sites: list[str] | None = None) -> dict:
        """Return a run's totals over its sites plus per-site counts, from the sites' fetch logs."""
        by_site: dict[str, dict] = {}
        spider: dict[str, dict] = {}
        for store, site_filter in self._stores_for(sites):
            try:
                counts = store.run_counts(run_id)
                recorded = store.site_runs(run_id)
            finally:
                store.close()
            by_site.update({s: c for s, c in counts.items() if site_filter is None or s in site_filter})
            spider.update({s: r for s, r in recorded.items() if site_filter is None or s in site_filter})
        totals = {key: sum(c.get(key) or 0 for c in by_site.values()) for key in RUN_TOTAL_KEYS}
        return {
            "run_id": run_id,
            **totals,
            "by_site": dict(sorted(by_site.items())),
            "spider": dict(sorted(spider.items())),
            "failed_sites": sorted(failed_sites or []),
        }

    def site_runs(self, run_id: str, sites: list[str]) -> dict[str, dict]:
        """Return site id -> the summary its crawl stored for this run, for the sites that stored one."""
        out: dict[str, dict] = {}
        for store, site_filter in self._stores_for(sites):
            try:
                out.update(
                    {s: r for s, r in store.site_runs(run_id).items() if site_filter is None or s in site_filter}
                )
            finally:
                store.close()
        return out

    def _stores_for(self, sites: list[str]) -> Iterator[tuple[RawStore, set[str] | None]]:
        """Yield (store, sites to keep from it) for the files that hold these sites' rows; only existing files."""
        if self.single is not None:
            if self.single.exists():
                yield RawStore(self.single), set(sites)
            return
        for site in sorted(set(sites)):
            if self.site_path(site).exists():
                yield self.open_site(site), None


class RawReader:
    """RawStore's read and clean-bookkeeping methods over the files of several sites (see RawShards)."""

    def __init__(self, shards: RawShards, sites: list[str] | None = None) -> None:
        self.shards = shards
        self.scope = sorted(set(sites)) if sites else None
        self._open: dict[str, RawStore] = {}
        self._site_of: dict[str, str] = {}  # page id -> site id, for every page this reader has seen

    # -- files ------------------------------------------------------------------------------------------
    def _sites(self, sites: list[str] | None = None) -> list[str]:
        known = self.scope if self.scope is not None else self.shards.site_ids()
        return sorted(set(known) & set(sites)) if sites else list(known)

    def _store(self, site_id: str) -> RawStore:
        if self.shards.single is not None:
            if "" not in self._open:
                self._open[""] = RawStore(self.shards.single)
            return self._open[""]
        if site_id not in self._open:
            self._open[site_id] = RawStore(self.shards.site_path(site_id))
        return self._open[site_id]

    def _each(self, sites: list[str] | None = None) -> Iterator[tuple[str | None, RawStore]]:
        """Yield (site id, store) per site file in scope; in the single-file layout (None, the one store)."""
        if self.shards.single is not None:
            if self.shards.single.exists():
                yield None, self._store("")
            return
        for site in self._sites(sites):
            if site in self._open:
                yield site, self._open[site]
                continue
            if not self.shards.site_path(site).exists():
                continue
            store = RawStore(self.shards.site_path(site))  # a scan: opened and closed, never kept
            try:
                yield site, store
            finally:
                store.close()

    def _single_filter(self, sites: list[str] | None) -> list[str] | None:
        """Return the site filter for the one file of the single-file layout (scope and argument combined)."""
        if self.scope is None:
            return sites
        return sorted(set(self.scope) & set(sites)) if sites else self.scope

    def close(self) -> None:
        """Close every file this reader holds open."""
        for store in self._open.values():
            store.close()
        self._open.clear()

    def __enter__(self) -> RawReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the clean stage's reads ------------------------------------------------------------------------
    def stale_page_reasons(self, pipeline_version: str, *, sites: list[str] | None = None, **kwargs) -> dict[str, str]:
        """Return {page id: why it needs cleaning} over the sites in scope, in site and id order (RawStore's)."""
        out: dict[str, str] = {}
        for site, store in self._each(sites):
            filt = [site] if site is not None else self._single_filter(sites)
            if site is None and self.scope is not None and not filt:
                continue
            reasons = store.stale_page_reasons(pipeline_version, sites=filt, **kwargs)
            out.update(reasons)
            if site is not None:
                self._site_of.update(dict.fromkeys(reasons, site))
        return out

    def page_sites(self, page_ids: list[str]) -> dict[str, str]:
        """Return page id -> site id for the given pages (looked up in the files when not seen yet)."""
        missing = [p for p in page_ids if p not in self._site_of]
        if missing:
            wanted = set(missing)
            for site, store in self._each():
                for start in range(0, len(missing), 500):  # stay under SQLite's bound-parameter limit
                    chunk = missing[start : start + 500]
                    sql = f"SELECT id, site_id FROM raw_pages WHERE id IN ({','.join('?' * len(chunk))})"
                    for row in store.db.query(sql, chunk):
                        self._site_of[row["id"]] = site or row["site_id"]
                        wanted.discard(row["id"])
                if not wanted:
                    break
        return {p: self._site_of[p] for p in page_ids if p in self._site_of}

    def sites_of(self, page_ids: list[str]) -> list[str]:
        """Return the distinct site ids of these pages, sorted."""
        return sorted(set(self.page_sites(page_ids).values()))

    def pages(self, page_ids: list[str]) -> Iterator[RawPageRow]:
        """Yield the stored raw pages for the given ids, in id order (bodies included)."""
        if self.shards.single is not None:
            yield from self._store("").pages(page_ids)
            return
        by_site: dict[str, list[str]] = {}
        for page_id, site in self.page_sites(page_ids).items():
            by_site.setdefault(site, []).append(page_id)
        rows = [row for site, ids in by_site.items() for row in self._store(site).pages(ids)]
        yield from sorted(rows, key=lambda row: row.id)

    def last_seen_by_page(self) -> dict[str, str]:
        """Return every detail page's last sighting by the crawler, over the sites in scope."""
        out: dict[str, str] = {}
        for site, store in self._each():
            seen = store.last_seen_by_page()
            out.update(seen)
            if site is not None:
                self._site_of.update(dict.fromkeys(seen, site))
        return out

    def listed_as(self, page_ids: list[str]) -> dict[str, dict]:
        """Return page id -> the listing it is cleaned with (RawStore.listed_as), each from its site's file."""
        if self.shards.single is not None:
            return self._store("").listed_as(page_ids)
        by_site: dict[str, list[str]] = {}
        for page_id, site in self.page_sites(page_ids).items():
            by_site.setdefault(site, []).append(page_id)
        out: dict[str, dict] = {}
        for site, ids in sorted(by_site.items()):
            out.update(self._store(site).listed_as(ids))
        return out

    def internal_error_counts(self) -> dict[str, int]:
        """Return how many detail pages a cleaning bug currently drops, by exception type, over the sites in scope."""
        total: Counter = Counter()
        for _, store in self._each():
            total.update(store.internal_error_counts())
        return dict(sorted(total.items(), key=lambda item: (-item[1], item[0])))

    def drop_counts(self) -> dict[str, int]:
        """Return how many detail pages are currently dropped, by reason, over the sites in scope."""
        total: Counter = Counter()
        for _, store in self._each():
            total.update(store.drop_counts())
        return dict(total.most_common())

    def site_templates(self) -> dict[str, dict]:
        """Return every stored site template in scope, by site id."""
        out: dict[str, dict] = {}
        for site, store in self._each():
            templates = store.site_templates()
            out.update(templates if site is None else {k: v for k, v in templates.items() if k == site})
        return out

    def known_pages(self, site_id: str) -> dict:
        """Return a site's stored URLs with their validators (RawStore.known_pages)."""
        return self._store(site_id).known_pages(site_id)

    def sample_page_ids(self, site_id: str, limit: int) -> list[str]:
        """Return up to `limit` good detail page ids of a site (RawStore.sample_page_ids)."""
        ids = self._store(site_id).sample_page_ids(site_id, limit)
        self._site_of.update(dict.fromkeys(ids, site_id))
        return ids

    # -- the clean stage's writes (each to the file of the site it concerns) ----------------------------
    def adopt_template_digest(self, site_id: str, digest: str) -> int:
        """Record `digest` on a site's pages cleaned before digests were recorded (RawStore's)."""
        return self._store(site_id).adopt_template_digest(site_id, digest)

    def store_site_template(self, site_id: str, template: dict) -> bool:
        """Store a site's template if it changed (RawStore's)."""
        return self._store(site_id).store_site_template(site_id, template)

    def record_clean_outcomes(self, outcomes: list[dict]) -> None:
        """Store the clean stage's outcome rows, each in the file of its page's site."""
        if self.shards.single is not None:
            self._store("").record_clean_outcomes(outcomes)
            return
        sites = self.page_sites([o["page_id"] for o in outcomes])
        unknown = [o["page_id"] for o in outcomes if o["page_id"] not in sites]
        if unknown:
            raise KeyError(f"no raw page for clean outcome(s) {', '.join(unknown[:5])}")
        by_site: dict[str, list[dict]] = {}
        for outcome in outcomes:
            by_site.setdefault(sites[outcome["page_id"]], []).append(outcome)
        for site, rows in by_site.items():
            self._store(site).record_clean_outcomes(rows)


# -- the single-file layout -------------------------------------------------------------------------------
def _columns(store: RawStore, schema: str, table: str) -> list[str]:
    return [row[1] for row in store.db.execute(f"PRAGMA {schema}.table_info([{table}])").fetchall()]


def _tables(store: RawStore, schema: str) -> list[str]:
    sql = f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return [row[0] for row in store.db.execute(sql).fetchall()]


def _copy_site(dest: RawStore, site_id: str) -> None:
    """Copy one site's rows from the attached `old` database into dest (idempotent: INSERT OR IGNORE)."""
    with transaction(dest.db):
        for table in _tables(dest, "main"):
            if table == "crawl_runs" or table not in _tables(dest, "old"):
                continue
            columns = [c for c in _columns(dest, "main", table) if c in set(_columns(dest, "old", table))]
            names = ", ".join(f"[{c}]" for c in columns)
            if "site_id" in columns:
                where, params = "WHERE site_id = ?", [site_id]
            elif "page_id" in columns:
                where, params = "WHERE page_id IN (SELECT id FROM old.raw_pages WHERE site_id = ?)", [site_id]
            else:
                # Rows about the file rather than a site or page (none today): every site file gets them.
                where, params = "", []
            dest.db.execute(
                f"INSERT OR IGNORE INTO main.[{table}] ({names}) SELECT {names} FROM old.[{table}] {where}", params
            )


def migrate_single_file(legacy: Path, shards: RawShards) -> None:
    """Split a single-file raw.db into per-site files and the run file, then rename it raw.db.migrated.

    Idempotent and safe to interrupt (rows are copied with INSERT OR IGNORE; the old file is renamed last);
    a lock file keeps two processes from migrating at once.
    """
    shards.sites_dir.mkdir(parents=True, exist_ok=True)
    with open(shards.root / "raw" / ".migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not legacy.exists():
            return  # another process migrated it while we waited
        old = RawStore(legacy)  # brings an older file's columns up to date first
        try:
            sites = sorted(
                {
                    row[0]
                    for table in _tables(old, "main")
                    if "site_id" in _columns(old, "main", table)
                    for row in old.db.execute(f"SELECT DISTINCT site_id FROM [{table}]").fetchall()
                    if row[0] and SITE_FILE_ID.fullmatch(row[0])
                }
            )
            run_rows = list(old.db.query("SELECT * FROM crawl_runs"))
        finally:
            old.close()
        logger.warning("raw store: splitting %s into %d site files under %s", legacy, len(sites), shards.sites_dir)
        for site_id in sites:
            dest = shards.open_site(site_id)
            try:
                dest.db.execute("ATTACH DATABASE ? AS old", [str(legacy)])
                try:
                    _copy_site(dest, site_id)
                finally:
                    dest.db.execute("DETACH DATABASE old")
            finally:
                dest.close()
        runs = shards.open_runs()
        try:
            with transaction(runs.db):
                for row in run_rows:
                    runs.db["crawl_runs"].insert(row, pk="run_id", ignore=True)
        finally:
            runs.close()
        legacy.rename(legacy.with_name(legacy.name + ".migrated"))
        for suffix in ("-wal", "-shm"):
            side = legacy.with_name(legacy.name + suffix)
            if side.exists():
                side.unlink()

"""Export the corpus as JSON Lines or Parquet, and the raw pages as WARC, streamed so memory stays flat."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from hashlib import sha256
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, TextIO

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from db.raw import RawPageRow, RawStore
from db.shards import RawShards

FORMATS = ("jsonl", "parquet", "warc")


def write_jsonl(batches: Iterator[list[dict]], out: TextIO) -> int:
    """Write one JSON object per document; return how many were written."""
    count = 0
    for batch in batches:
        for row in batch:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += len(batch)
    return count


def write_parquet(batches: Iterator[list[dict]], path: Path) -> int:
    """Write documents to a Parquet file (nested JSON columns as JSON text); return how many were written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    count = 0
    try:
        for batch in batches:
            rows = [
                {k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for k, v in row.items()}
                for row in batch
            ]
            table = pa.Table.from_pylist(rows)
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema, compression="zstd")
            writer.write_table(table.cast(writer.schema))
            count += len(rows)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # no documents: still leave a valid (empty) file behind
        pq.write_table(pa.table({"id": pa.array([], pa.string())}), str(path))
    return count


def export(batches: Iterator[list[dict]], fmt: str, output: Path | None) -> int:
    """Write batches in the given format to `output` (stdout for jsonl without output); return the count."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt == "warc":
        raise ValueError("warc exports raw pages: use export_warc")
    if fmt == "parquet":
        if output is None:
            raise ValueError("parquet is binary: give --output FILE")
        return write_parquet(batches, output)
    if output is None:
        return write_jsonl(batches, sys.stdout)
    with open(output, "w", encoding="utf-8") as fh:
        return write_jsonl(batches, fh)


# -- WARC ---------------------------------------------------------------------------------------------
# What a WARC response record's HTTP block holds that the raw store does not keep as sent, and how it is rebuilt:
# the status line (HTTP/1.1, the status code, its standard reason phrase), Content-Length (the stored body's
# length: the crawler stores bodies after Scrapy undid gzip/deflate/br, so the wire length no longer holds)
# and Transfer-Encoding (dropped: bodies are stored de-chunked). Every other header is copied as stored
# (names lower-cased; repeated headers were joined with ", " by the crawler).
WARC_REBUILT_HEADERS = frozenset({"content-length", "transfer-encoding"})
# Extension fields (WARC 1.1 lets readers ignore fields they do not know): the URL first requested, when a
# redirect led elsewhere (WARC-Target-URI is the final URL, where the body came from), and the site id.
WARC_REQUESTED_URI = "WARC-Zhcorpus-Requested-URI"
WARC_SITE = "WARC-Zhcorpus-Site"
# Record ids are derived from the page and the body, so exporting the same raw store twice gives the same ids.
WARC_ID_NAMESPACE = uuid.UUID("6f1b1a3e-6a55-4d0e-9a3c-1f2ad3c0b7e1")


def warc_date(iso: str | None) -> str:
    """Return an ISO-8601 UTC time as WARC 1.1 writes it (2026-01-01T00:00:00Z; fractions kept)."""
    if not iso:
        raise ValueError("a stored response has no fetch time")
    when = datetime.fromisoformat(iso).astimezone(UTC)
    text = when.replace(tzinfo=None).isoformat()
    return text + "Z"


def http_block(page: RawPageRow) -> StatusAndHeaders:
    """Return the HTTP status line and headers of a stored response as a WARC response record carries them."""
    try:
        reason = HTTPStatus(page.status).phrase
    except ValueError:
        reason = ""
    headers = [(k, v) for k, v in page.headers.items() if k not in WARC_REBUILT_HEADERS]
    headers.append(("content-length", str(len(page.body or b""))))
    return StatusAndHeaders(f"{page.status} {reason}".strip(), headers, protocol="HTTP/1.1")


def warc_record(writer: WARCWriter, page: RawPageRow, body: bytes, fetched_at: str | None) -> ArcWarcRecord:
    """Return the WARC 1.1 response record of one stored response (or an earlier body of it)."""
    page = replace(page, body=body)
    uri = page.final_url or page.url
    fields = {
        "WARC-Date": warc_date(fetched_at),
        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(WARC_ID_NAMESPACE, f'{page.id} {sha256(body).hexdigest()}')}>",
        WARC_SITE: page.site_id,
    }
    if page.final_url and page.final_url != page.url:
        fields[WARC_REQUESTED_URI] = page.url
    payload = BytesIO(body)
    return writer.create_warc_record(
        uri, "response", payload=payload, length=len(body), warc_headers_dict=fields, http_headers=http_block(page)
    )


def write_warc(
    pages: Iterable[RawPageRow],
    out: BinaryIO,
    *,
    gzip: bool = True,
    history: Callable[[str], list[dict]] | None = None,
) -> int:
    """Write a warcinfo record, then one response record per stored response (with ``history``, page id ->
    its earlier bodies, those first, oldest first); return the number of response records. ``gzip``: one gzip
    member per record, as Common Crawl's .warc.gz files are."""
    writer = WARCWriter(out, gzip=gzip, warc_version="1.1")
    info = {
        "software": f"zhcorpus {_version()}",
        "format": "WARC File Format 1.1",
        "description": "raw pages of zhcorpus' raw store: bodies as sent; status line, Content-Length and "
        "Transfer-Encoding rebuilt (see WARC_REBUILT_HEADERS)",
    }
    name = Path(str(getattr(out, "name", "zhcorpus.warc.gz"))).name
    writer.write_record(writer.create_warcinfo_record(name, info))
    count = 0
    for page in pages:
        if history is not None:
            for old in history(page.id):
                earlier = replace(page, status=old["status"], headers=old["headers"])
                writer.write_record(warc_record(writer, earlier, old["body"] or b"", old["fetched_at"]))
                count += 1
        writer.write_record(warc_record(writer, page, page.body or b"", page.fetched_at))
        count += 1
    return count


def export_warc(raw: RawShards, output: Path, *, sites: list[str] | None = None, with_history: bool = False) -> int:
    """Write the raw store's stored responses (of ``sites``, or all), site by site, to a WARC file, gzipped per
    record unless the name ends in .warc; return the number of response records."""
    site_ids = [s for s in raw.site_ids() if not sites or s in sites]
    current: list[RawStore] = []  # the store of the site being written (its history answers for its pages)

    def pages() -> Iterator[RawPageRow]:
        for site_id in site_ids:
            store = raw.open_site(site_id)
            current[:] = [store]
            try:
                yield from store.iter_responses(sites=[site_id])
            finally:
                store.close()

    def history(page_id: str) -> list[dict]:
        return current[0].history(page_id)

    with open(output, "wb") as fh:
        gzip = not str(output).endswith(".warc")
        return write_warc(pages(), fh, gzip=gzip, history=history if with_history else None)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zhcorpus")
    except PackageNotFoundError:
        return "unknown"

"""The cleaning stage: raw page bytes -> clean documents. ``clean_page`` is pure and never raises.

Steps run in the order of STEPS; bump a step's version when its output changes, and the flows
re-clean rows made by an older PIPELINE_VERSION.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cleaning.decode.charfreq import load_models
from cleaning.decode.encoding import decode_bytes
from cleaning.decode.repair import repair_text
from cleaning.dedup.keys import content_hash
from cleaning.extract.boilerplate import extract_content
from cleaning.extract.html import parse_html
from cleaning.extract.meta import extract_meta, read_page_facts
from cleaning.extract.parts import part_title, split_parts
from cleaning.text.script import detect_script, to_hans

logger = logging.getLogger(__name__)

# (name, version, function) in the order clean_page runs them.
STEPS: tuple[tuple[str, int, Callable], ...] = (
    ("decode", 4, decode_bytes),
    ("extract", 4, extract_content),  # 4: parse cost caps (attributes, nesting), forbidden characters dropped
    ("repair", 6, repair_text),  # 6: lost-byte guessing within a work budget
    ("parts", 2, split_parts),
    ("meta", 3, extract_meta),
    ("script", 2, to_hans),
    ("dedupkey", 2, content_hash),  # 2: page furniture is no evidence (cleaning/dedup/furniture.py)
)
PIPELINE_VERSION: str = "+".join(f"{name}{version}" for name, version, _ in STEPS)
_STEP = {name: fn for name, _, fn in STEPS}
_HIGH_BYTES = bytes(range(0x80, 0x100))

# Leading bytes of formats that are never HTML, whatever the Content-Type says.
BINARY_MAGIC: tuple[bytes, ...] = (
    b"%PDF",  # PDF
    b"PK\x03\x04",  # zip, docx, xlsx
    b"\xd0\xcf\x11\xe0",  # OLE2: doc, xls, ppt
    b"\x89PNG",  # PNG
    b"GIF8",  # GIF
    b"\xff\xd8\xff",  # JPEG
    b"\x1f\x8b",  # gzip body stored undecompressed
    b"Rar!",  # RAR
    b"7z\xbc\xaf",  # 7-Zip
    b"RIFF",  # WebP, AVI, WAV
    b"\x00\x00\x01\x00",  # ICO
    b"BM",  # BMP (only with NULs below)
)
NUL_SHARE = 0.01  # more NUL bytes than this in the first 8 KB means binary
UNDECODABLE_SHARE = 0.2  # more undecodable bytes than this share of non-ASCII bytes: drop
MIN_CONTENT_CHARS = 10
LOW_CONFIDENCE = 0.6
HTML_TYPES = ("html", "xhtml", "xml")
_HTML_SNIFF = re.compile(rb"<\s*(!doctype|html|head|body|div|p|table|meta|title)\b", re.I)


@dataclass(frozen=True)
class ListedAs:
    """What the list page that linked to a detail page said of it: evidence for the detail page's metadata.

    The crawler keeps it (raw.db) beside the raw page; cleaning may use the date to pin ``published_at`` and the
    title to check the extracted one. All fields are optional: a list row may show only a link.
    """

    title: str | None = None  # the link text or title attribute, as listed
    date: str | None = None  # ISO date (YYYY-MM-DD) shown in the list row
    column: str | None = None  # the column (栏目) whose list linked to the page
    list_url: str | None = None  # the list page the row was seen on


@dataclass(frozen=True)
class PageInput:
    url: str
    body: bytes
    headers: Mapping[str, str]
    status: int = 200
    site_id: str = ""
    encoding_hint: str | None = None
    script_hint: str | None = None
    column: str | None = None
    site_template: Mapping | None = None  # from cleaning.extract.templates.learn_site_template; None = none learned
    listed: ListedAs | None = None  # the list row that linked here, when the crawler saw one


@dataclass
class CleanDocument:
    part: int | None
    title: str
    published_at: str | None
    text: str
    text_hans: str
    issuer: str | None
    doc_number: str | None
    attachments: list[dict]
    column: str | None
    script: str
    flags: list[str]
    repairs: dict[str, int]
    content_hash: str
    # metadata evidence (cleaning/extract/meta): where published_at came from, every date candidate, 索引号,
    # editor and the title's source
    date_source: str | None = None
    date_candidates: list[dict] = field(default_factory=list)
    index_number: str | None = None
    editor: str | None = None
    title_source: str | None = None


@dataclass
class PageResult:
    documents: list[CleanDocument]
    encoding: str | None
    encoding_confidence: float
    encoding_evidence: dict
    drop_reason: str | None
    flags: list[str] = field(default_factory=list)
    error: str | None = None  # "ExceptionType: message" when a cleaning bug dropped the page (internal_error)


def sniff_binary(body: bytes) -> bool:
    """Return True if body is a PDF, image, archive or other binary, whatever it was served as."""
    head = body[:8192]
    if any(head.startswith(m) for m in BINARY_MAGIC if m != b"BM"):
        return True
    nul = head.count(0)
    return nul > NUL_SHARE * len(head) and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _dropped(reason: str, flags: list[str] | None = None, decoded=None) -> PageResult:
    if decoded is None:
        return PageResult([], None, 0.0, {}, reason, flags or [])
    return PageResult([], decoded.encoding, decoded.confidence, decoded.evidence, reason, flags or [])


def warm_up(cache_dir: Path | None = None) -> None:
    """Load what clean_page may need later (the character models of lost-byte repair), so that no page in the
    middle of a batch pays for it; ``cache_dir`` keeps a compact copy of the models between processes.

    The first call also freezes what the process holds then (gc.freeze): the models live as long as the
    process, and every full collection would otherwise walk their hundreds of thousands of entries again
    (measured: a third of the CPU of cleaning small pages)."""
    if load_models(cache_dir):
        gc.freeze()


def clean_page(page: PageInput, *, max_bytes: int = 3_000_000) -> PageResult:
    """Return the clean documents of one raw page, or a drop reason; never raises."""
    try:
        return _clean_page(page, max_bytes)
    except Exception as exc:  # a cleaning bug must not stop a batch; the row shows it
        error = describe_exception(exc)
        # One line per page; the traceback only when debugging (a bad page is data, not a crash).
        logger.warning("clean_page failed for %s: %s", page.url or "<page>", error)
        logger.debug("clean_page traceback for %s", page.url, exc_info=True)
        result = _dropped("internal_error", [f"exception:{type(exc).__name__}"])
        result.error = error
        return result


ERROR_MESSAGE_CHARS = 200  # an exception's message is stored cut to this length


def describe_exception(exc: BaseException) -> str:
    """Return "ExceptionType: message" on one line, cut to ERROR_MESSAGE_CHARS."""
    message = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text[:ERROR_MESSAGE_CHARS]


def _clean_page(page: PageInput, max_bytes: int) -> PageResult:
    body = page.body or b""
    headers = {str(k).lower(): str(v) for k, v in (page.headers or {}).items()}
    if page.status != 200:
        return _dropped("http_error", [f"status:{page.status}"])
    if not body.strip():
        return _dropped("empty")
    if len(body) > max_bytes:
        return _dropped("too_large", [f"bytes:{len(body)}"])
    if sniff_binary(body):
        return _dropped("binary")
    content_type = headers.get("content-type", "")
    is_plain = content_type.lower().startswith("text/plain")
    if content_type and not any(t in content_type.lower() for t in HTML_TYPES) and not is_plain:
        if not _HTML_SNIFF.search(body[:4096]):
            return _dropped("not_html", [f"content_type:{content_type.split(';')[0].strip()}"])

    decoded = _STEP["decode"](body, content_type or None, page.encoding_hint)
    page_flags: list[str] = []
    bad = decoded.evidence.get("undecodable_bytes", 0)
    if bad:
        page_flags.append(f"undecodable_bytes:{bad}")
        high = (len(body) - len(body.translate(None, _HIGH_BYTES))) or 1  # bytes >= 0x80, counted in C
        if bad > UNDECODABLE_SHARE * high:
            return _dropped("undecodable", page_flags, decoded)
    if decoded.confidence < LOW_CONFIDENCE:
        page_flags.append("encoding_low_confidence")

    if is_plain and not _HTML_SNIFF.search(body[:4096]):
        root = parse_html("<html><body><pre>" + _escape(decoded.text) + "</pre></body></html>", page_flags)
    else:
        root = parse_html(decoded.text, page_flags)  # cost caps note what they cut in page_flags
    # meta reads the whole page first, so extraction may prune the tree in place instead of copying it
    facts = read_page_facts(root) if root is not None else None
    titles = facts.page_titles if facts is not None else None
    extracted = _STEP["extract"](root, site_template=page.site_template, in_place=True, titles=titles)
    repaired = _STEP["repair"]("\n".join(extracted.lines))
    meta = _STEP["meta"](
        root, extracted.content, extracted.lines, page.url, page.column, facts=facts, listed=page.listed
    )
    title = repair_text(meta.title).text
    lines = [ln for ln in repaired.text.split("\n") if ln.strip()]
    if lines and title and lines[0] == title:
        lines = lines[1:]  # the title is stored apart
    if sum(map(len, "".join(lines).split())) < MIN_CONTENT_CHARS:  # non-space chars
        return _dropped("no_content", page_flags, decoded)

    repairs = dict(repaired.repairs)
    for rule, n in extracted.dropped.items():
        repairs[f"boilerplate:{rule}"] = n
    doc_flags = list(repaired.flags)
    parts = _STEP["parts"](lines, title)
    units = [(p.index, part_title(title, p.index, p.heading), p.lines, p.flags) for p in parts]
    units = units or [(None, title, lines, [])]

    documents = []
    for index, unit_title, unit_lines, unit_flags in units:
        text = "\n".join(unit_lines)
        script = detect_script(text)
        text_hans = text if script == "hans" else _STEP["script"](text, page.script_hint)
        documents.append(
            CleanDocument(
                part=index,
                title=unit_title,
                published_at=meta.published_at,
                text=text,
                text_hans=text_hans,
                issuer=meta.issuer,
                doc_number=meta.doc_number,
                attachments=meta.attachments,
                column=meta.column,
                script=script,
                flags=doc_flags + unit_flags + meta.flags,
                repairs=repairs,
                content_hash=_STEP["dedupkey"](text),
                date_source=meta.date_source,
                date_candidates=meta.date_candidates,
                index_number=meta.index_number,
                editor=meta.editor,
                title_source=meta.title_source,
            )
        )
    return PageResult(documents, decoded.encoding, decoded.confidence, decoded.evidence, None, page_flags)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

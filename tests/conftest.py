"""Test-wide setup: Prefect state in a temp dir (set before prefect is imported), offline switches, golden flag."""

import atexit
import os
import shutil
import tempfile

import pytest

# Prefect reads its settings when first imported: point PREFECT_HOME (and so its database, local result
# storage and caches) at a throwaway directory so tests never read or write a user's ~/.prefect.
_PREFECT_HOME = tempfile.mkdtemp(prefix="zhcorpus-test-prefect-")
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_LOCAL_STORAGE_PATH"] = os.path.join(_PREFECT_HOME, "storage")
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("ZHCORPUS_DATA", None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden expected-output files from the current code instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when golden files should be regenerated (pytest --update-golden)."""
    return request.config.getoption("--update-golden")


# A complete corpus.db `documents` row with plausible defaults; tests override what they are about.
DOCUMENT_DEFAULTS = {
    "part": None,
    "site_id": "s",
    "column_name": "通知公告",
    "title": "关于开展社会工作宣传周活动的通知",
    "published_at": "2024-03-05",
    "issuer": None,
    "doc_number": None,
    "script": "hans",
    "attachments": "[]",
    "encoding": "gb18030",
    "encoding_confidence": 0.99,
    "encoding_evidence": "{}",
    "repairs": "{}",
    "flags": "[]",
    "raw_sha256": "x",
    "pipeline_version": "v1",
    "first_seen": "2026-01-01",
}


def document_row(doc_id: str, text: str = "各街道民政科：现将有关事项通知如下。", **overrides) -> dict:
    """Return a documents row for doc_id (its own raw page, content hash of text); overrides win."""
    from cleaning.dedup.keys import content_hash

    row = {
        **DOCUMENT_DEFAULTS,
        "id": doc_id,
        "raw_page_id": doc_id,
        "url": f"http://a.example/{doc_id}",
        "text": text,
        "text_hans": text,
        "content_hash": content_hash(text),
        **overrides,
    }
    row.setdefault("last_seen", row["first_seen"])
    return row


@pytest.fixture
def make_document():
    """The documents-row factory (see document_row)."""
    return document_row

"""kill -9 of `zhcorpus clean` in the middle of its batches: the databases stay whole, and the next run ends where
an uninterrupted run ends (same documents, clusters, outcomes, a consistent FTS index)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from db.raw import RawFetch
from db.shards import RawShards

PAGES = 150
SITES = ("qingzhou-mzj", "mzb")
BATCH = 3
KILL_AFTER_ROWS = 6  # clean_status rows committed (two batches) before the kill
WAIT_S = 180  # bound on every wait
SUBJECTS = ["最低生活保障", "临时救助", "养老服务补贴", "婚姻登记", "社会组织年检", "殡葬改革", "儿童福利", "慈善募捐"]


def notice(n: int) -> bytes:
    subject = SUBJECTS[n % len(SUBJECTS)]
    # Every eighth page repeats an earlier notice word for word (a repost): dedup has clusters to make.
    k = n - 8 if n % 8 == 7 and n >= 8 else n
    return f"""<html><head><meta charset="utf-8"><title>关于做好第{k}批{subject}工作的通知</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/tzgg/">通知公告</a></div>
<div class="content"><h1>关于做好第{k}批{subject}工作的通知</h1><p>各区县民政局：</p>
<p>为做好第{k}批{subject}工作，切实保障困难群众基本生活，现就有关事项通知如下。一、提高认识，加强领导，
把{subject}工作摆上重要议事日程。二、规范程序，严格审核，做到公开公平公正。三、加强监督，畅通投诉渠道。</p>
<p>请于2024年{k % 12 + 1}月底前报送工作总结。</p><p>青州市民政局</p><p>2024年{k % 12 + 1}月{k % 28 + 1}日</p></div>
<div class="footer">青州市民政局 版权所有</div></body></html>""".encode()


@pytest.fixture(scope="module")
def raw_db(tmp_path_factory) -> Path:
    """A data directory whose raw store (a file per site) holds the pages; copied for each run."""
    root = tmp_path_factory.mktemp("raw")
    shards = RawShards(root)
    stores = {site: shards.open_site(site) for site in SITES}
    try:
        for n in range(PAGES):
            site = SITES[0] if n % 3 else SITES[1]
            url = f"http://{site}.example/tzgg/{n:04d}.html"
            headers = {"content-type": "text/html; charset=utf-8"}
            stores[site].record_fetch(
                RawFetch("run1", site, "detail", url, url, 200, headers, notice(n), "2026-01-01T00:00:00")
            )
    finally:
        for store in stores.values():
            store.close()
    return root


def data_dir(tmp_path: Path, raw_db: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(raw_db, root)
    return root


def site_files(root: Path) -> list[Path]:
    return [RawShards(root).site_path(site) for site in SITES]


def clean_command(root: Path) -> list[str]:
    return [sys.executable, "-m", "zhcorpus.cli", "--data", str(root), "clean", "--batch-size", str(BATCH)]


def run_clean(root: Path) -> None:
    subprocess.run(clean_command(root), check=True, capture_output=True, timeout=WAIT_S)


def committed_rows(root: Path) -> int:
    total = 0
    for path in site_files(root):
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
            try:
                total += conn.execute("SELECT COUNT(*) FROM clean_status").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.OperationalError:  # the table is not there yet, or a write holds the lock: try again
            pass
    return total


def kill_mid_clean(root: Path) -> int:
    """Start a clean, SIGKILL its process group once KILL_AFTER_ROWS rows are committed; return rows then."""
    proc = subprocess.Popen(
        clean_command(root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + WAIT_S
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if committed_rows(root) >= KILL_AFTER_ROWS:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the clean ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=WAIT_S)
    return committed_rows(root)


def snapshot(root: Path) -> dict:
    """What a run leaves, minus run times: documents, clusters, links, versions, outcomes; and the checks."""
    corpus = sqlite3.connect(root / "corpus.db")
    raws = [sqlite3.connect(path) for path in site_files(root)]
    try:
        for conn in (corpus, *raws):
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        corpus.execute("INSERT INTO documents_fts(documents_fts) VALUES('integrity-check')")  # raises if broken
        fts_rows = corpus.execute("SELECT COUNT(*) FROM documents_fts").fetchone()[0]
        columns = "id, title, text, content_hash, cluster_id, is_canonical, withdrawn_at"
        return {
            "documents": corpus.execute(f"SELECT {columns} FROM documents ORDER BY id").fetchall(),
            "fts_rows": fts_rows,
            "clusters": corpus.execute("SELECT * FROM clusters ORDER BY cluster_id").fetchall(),
            "links": corpus.execute("SELECT * FROM document_links ORDER BY from_id, to_id").fetchall(),
            "signatures": corpus.execute(
                "SELECT id, cluster_id, key_hash FROM dedup_signatures ORDER BY id"
            ).fetchall(),
            "outcomes": sorted(
                row
                for raw in raws
                for row in raw.execute("SELECT page_id, outcome, drop_reason, document_ids FROM clean_status")
            ),
        }
    finally:
        corpus.close()
        for raw in raws:
            raw.close()


def test_kill_9_mid_clean_then_a_rerun_equals_an_uninterrupted_run(tmp_path, raw_db):
    reference = data_dir(tmp_path, raw_db, "reference")
    run_clean(reference)
    expected = snapshot(reference)
    assert len(expected["documents"]) == PAGES and expected["fts_rows"] == PAGES
    assert any(size > 1 for *_, size in expected["clusters"])  # the reposts were clustered

    killed = data_dir(tmp_path, raw_db, "killed")
    rows_at_kill = kill_mid_clean(killed)
    assert KILL_AFTER_ROWS <= rows_at_kill < PAGES
    snapshot(killed)  # whole after the kill: integrity and FTS checks pass on what was committed
    run_clean(killed)
    assert snapshot(killed) == expected

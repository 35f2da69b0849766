"""End to end: the nightly flow crawls every bundled site through Prefect, twice, into a temp data dir."""

import json
import re
import sqlite3

import pytest

from crawlers.sites import load_registry

# Boilerplate that must never reach a document's text (footers, navigation, widgets).
BOILERPLATE_MARKERS = [
    "当前位置",
    "友情链接",
    "上一篇",
    "下一篇",
    "版权所有",
    "ICP备",
    "打印本页",
    "关闭窗口",
    "分享到",
    "【字号",
    "技术支持",
    "希望对你有帮助",
]
# A Han character followed by pinyin in parentheses: residue of flattened ruby markup.
PINYIN_RESIDUE = re.compile(r"[\u4e00-\u9fff][(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[1-5]?[)）]")


def snapshot(data_dir) -> dict[str, tuple]:
    conn = sqlite3.connect(data_dir / "corpus.db")
    rows = conn.execute("SELECT id, content_hash, text, title, site_id FROM documents ORDER BY id").fetchall()
    conn.close()
    return {row[0]: row[1:] for row in rows}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, harness):
    from flows.nightly import nightly

    data_dir = tmp_path_factory.mktemp("data")
    sites = [s.id for s in load_registry().enabled() if s.bundled]
    first_state = nightly(sites=sites, data_dir=str(data_dir), return_state=True)
    first = first_state.result(raise_on_failure=False)
    after_first = snapshot(data_dir)
    second_state = nightly(sites=sites, data_dir=str(data_dir), return_state=True)
    second = second_state.result(raise_on_failure=False)
    after_second = snapshot(data_dir)
    return {
        "data": data_dir,
        "sites": sites,
        "first": first,
        "second": second,
        "state": first_state,
        "after_first": after_first,
        "after_second": after_second,
    }


def test_corpus_has_documents_from_every_site(runs):
    docs = runs["after_first"]
    per_site = {}
    for _, text, title, site in docs.values():
        per_site.setdefault(site, []).append((title, text))
    assert len(docs) >= 40
    content_sites = [s for s in runs["sites"] if s != "traps"]
    assert len(per_site) >= 5
    for site in content_sites:
        assert site in per_site, f"no documents from {site}"
        assert any(len(text) >= 200 and title for title, text in per_site[site]), f"{site}: no real notice"
    assert runs["first"]["crawl"]["failed_sites"] == []
    assert runs["state"].is_completed(), runs["state"].message


def test_no_boilerplate_replacement_chars_or_pinyin(runs):
    for doc_id, (_, text, title, site) in runs["after_first"].items():
        for marker in BOILERPLATE_MARKERS:
            assert marker not in text, f"{site} {doc_id} {title}: boilerplate {marker!r} leaked"
        assert "\ufffd" not in text, f"{site} {doc_id}: U+FFFD in text"
        assert not PINYIN_RESIDUE.search(text), f"{site} {doc_id}: pinyin residue {PINYIN_RESIDUE.search(text)}"


def test_second_run_is_incremental(runs):
    crawl = runs["second"]["crawl"]
    assert crawl["detail_pages_downloaded"] == 0, crawl["by_site"]
    assert crawl["detail_pages_new"] == 0 and crawl["detail_pages_changed"] == 0
    assert crawl["not_modified"] > 0, "validator-supporting sites should answer 304"
    assert runs["after_second"] == runs["after_first"], "documents changed on an unchanged re-run"
    assert runs["second"]["clean"]["pages"] == 0, "nothing was stale, so nothing should be re-cleaned"
    assert runs["second"]["clean"]["reasons"] == {} and runs["second"]["clean"]["templates_changed"] == []


def test_reprocess_changes_nothing(runs):
    from flows.clean import reclean

    result = reclean(reprocess=True, data_dir=str(runs["data"]))
    assert result["pages"] > 0
    assert result["documents"].get("inserted", 0) == 0
    assert result["documents"].get("updated", 0) == 0
    assert snapshot(runs["data"]) == runs["after_first"]


def test_bad_pages_are_kept_with_reasons(runs):
    reasons, stored, statuses = {}, 0, 0
    for site_file in sorted((runs["data"] / "raw" / "sites").glob("*.db")):  # one raw file per site
        conn = sqlite3.connect(site_file)
        for reason, n in conn.execute(
            "SELECT drop_reason, COUNT(*) FROM clean_status WHERE outcome = 'dropped' GROUP BY drop_reason"
        ):
            reasons[reason] = reasons.get(reason, 0) + n
        stored += conn.execute("SELECT COUNT(*) FROM raw_pages WHERE page_type = 'detail'").fetchone()[0]
        statuses += conn.execute("SELECT COUNT(*) FROM clean_status").fetchone()[0]
        conn.close()
    assert stored == statuses, "every stored detail page has a clean outcome"
    assert reasons.get("binary", 0) >= 1, reasons  # the PDF served as text/html
    assert reasons.get("too_large", 0) >= 1, reasons  # the oversized page
    assert any(r.startswith("http_404") for r in reasons), reasons


def test_stats_json_contract(runs, capsys):
    from zhcorpus.cli import main

    assert main(["--data", str(runs["data"]), "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["documents"] == len(runs["after_first"])
    assert sum(stats["sites"].values()) == stats["documents"]
    for key in ("pages_fetched", "detail_pages_new", "detail_pages_changed", "errors"):
        assert key in stats["last_run"]
    assert stats["last_run"]["detail_pages_new"] == 0  # the last run was the incremental one
    assert stats["dedup"]["clusters_with_reposts"] >= 3
    assert stats["canonical_documents"] + stats["duplicates"] == stats["documents"]


def test_search_finds_notices(runs, capsys):
    from zhcorpus.cli import main

    assert main(["--data", str(runs["data"]), "search", "社会工作", "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert hits and all("社会工作" in h["snippet"].replace("【", "").replace("】", "") for h in hits)


def test_nightly_publishes_artifacts(runs):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    flow_run_id = runs["state"].state_details.flow_run_id
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    by_key = {a.key: a for a in artifacts}
    assert {"zhcorpus-nightly", "zhcorpus-nightly-sites"} <= set(by_key)
    markdown = by_key["zhcorpus-nightly"].data
    assert "qingzhou-mzj" in markdown and "Dedup, this run" in markdown
    # This run's figures per site, their totals in a table of their own, and the corpus per site apart from them.
    run_part, corpus_part = markdown.split("## Corpus after this run, per site")
    sites_table, after = run_part.split("**Totals, this run**")
    assert "| all sites |" not in sites_table and "| all sites |" in after
    assert "| site | documents | canonical | duplicates |" in corpus_part
    stats = runs["first"]["crawl"]
    assert f"| all sites | {stats['pages_fetched']} | {stats['detail_pages_new']} |" in after
    # The first run cleaned every page because it was new, and the report says so.
    clean = runs["first"]["clean"]
    assert clean["reasons"] == {"new": clean["pages"]}
    assert f"**Why pages were cleaned**\n- new: {clean['pages']}" in markdown


def test_reposts_cluster_with_the_ministry_original(runs):
    conn = sqlite3.connect(runs["data"] / "corpus.db")
    clusters = conn.execute(
        """SELECT c.cluster_id, c.canonical_reason, group_concat(d.site_id), group_concat(d.is_canonical)
           FROM clusters c JOIN documents d ON d.cluster_id = c.cluster_id WHERE c.size > 1 GROUP BY c.cluster_id"""
    ).fetchall()
    unplaced = conn.execute("SELECT COUNT(*) FROM documents WHERE cluster_id IS NULL").fetchone()[0]
    conn.close()
    assert unplaced == 0
    # The association reposts at least three ministry notices; each joins the original's cluster, whose
    # canonical document is the ministry's own page, and no cluster holds two ministry notices.
    with_ministry = [c for c in clusters if "mzb" in c[2].split(",")]
    assert len(with_ministry) >= 3, clusters
    for _, reason, sites, canonical_flags in with_ministry:
        sites, flags = sites.split(","), canonical_flags.split(",")
        assert sites.count("mzb") == 1, sites
        assert flags[sites.index("mzb")] == "1" and reason == "authority_site"

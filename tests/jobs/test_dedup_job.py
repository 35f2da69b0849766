"""The corpus dedup job: persisted signatures, incremental runs, withdrawals, interrupted writes."""

import sqlite3

import pytest

from crawlers.sites import load_registry
from db.corpus import CorpusStore
from jobs.config import DataPaths
from jobs.dedup import dedup_corpus, is_authority_site

NOTICE = (
    "各省、自治区、直辖市民政厅（局）：为深入贯彻落实党中央关于加强社会工作的决策部署，展示社会工作专业价值，"
    "民政部决定于2024年3月组织开展社会工作主题宣传活动。现将有关事项通知如下。一、活动主题：新时代社会工作，"
    "服务基层暖民心。二、活动时间：2024年3月18日至24日。三、工作要求：各地要结合实际制定方案，广泛动员社会工作"
    "服务机构和社会工作者参与，及时总结活动成效，于4月15日前报送活动总结。民政部办公厅 2024年3月1日"
)
REPOST = (
    "关于转发《民政部办公厅关于组织开展2024年社会工作主题宣传活动的通知》的通知 各会员单位：现转发给你们，请遵照执行。"
    + NOTICE
)
OTHER = (
    "各区县民政局：为做好2024年度最低生活保障资金发放工作，确保困难群众基本生活，现就有关事项通知如下。"
    "一、按月足额发放保障金，不得挤占挪用。二、加强动态管理，做到应保尽保、应退尽退。三、畅通投诉渠道。"
    "青州市民政局 2024年1月5日"
)


@pytest.fixture
def paths(tmp_path, make_document):
    def doc(doc_id, site_id, text, issuer, first_seen):
        return make_document(
            doc_id,
            text,
            site_id=site_id,
            issuer=issuer,
            first_seen=first_seen,
            title="",
            published_at=None,
            column_name=None,
            encoding="utf-8",
        )

    store = CorpusStore(tmp_path / "corpus.db")
    # The repost is seen first, so only the authority rule can make the ministry's copy canonical.
    for row in (
        doc("repost", "lingnan-swa", REPOST, "协会秘书处", "2026-01-01"),
        doc("orig", "mzb", NOTICE, "民政部办公厅", "2026-01-02"),
        doc("other", "qingzhou-mzj", OTHER, "青州市民政局", "2026-01-03"),
    ):
        store.upsert_documents([row["id"]], [row])
    store.close()
    return DataPaths(tmp_path)


def documents(paths):
    store = CorpusStore(paths.corpus_db)
    try:
        return {r["id"]: (r["cluster_id"], r["is_canonical"]) for r in store.db.query("SELECT * FROM documents")}
    finally:
        store.close()


def test_reposts_cluster_with_the_authority_canonical(paths):
    summary = dedup_corpus(paths, load_registry())
    assert summary.placed == 3 and summary.links == {"repost": 1}
    docs = documents(paths)
    assert docs["repost"][0] == docs["orig"][0] != docs["other"][0]
    assert docs["orig"][1] == 1 and docs["repost"][1] == 0 and docs["other"][1] == 1
    store = CorpusStore(paths.corpus_db)
    cluster = next(store.db.query("SELECT * FROM clusters WHERE size = 2"))
    assert (cluster["canonical_id"], cluster["canonical_reason"]) == ("orig", "authority_site")
    assert [r["id"] for r in store.db.query("SELECT id FROM canonical_documents ORDER BY id")] == ["orig", "other"]


def test_a_second_run_places_nothing_and_changes_nothing(paths):
    dedup_corpus(paths, load_registry())
    before = documents(paths)
    assert dedup_corpus(paths, load_registry()).placed == 0
    assert documents(paths) == before


def test_withdrawn_document_hands_canonical_on(paths):
    dedup_corpus(paths, load_registry())
    store = CorpusStore(paths.corpus_db)
    store.upsert_documents(["orig"], [], withdrawn={"orig": "no_content"})  # the ministry page is emptied
    store.close()
    assert dedup_corpus(paths, load_registry()).removed == 1
    docs = documents(paths)
    assert docs["orig"][1] == 0 and docs["repost"][1] == 1  # kept, marked, never canonical
    store = CorpusStore(paths.corpus_db)
    assert [r["id"] for r in store.db.query("SELECT id FROM dedup_signatures ORDER BY id")] == ["other", "repost"]
    assert store.db.execute("SELECT COUNT(*) FROM document_links").fetchone()[0] == 0


def test_a_withdrawn_notice_that_comes_back_before_dedup_ran_is_placed_again(paths):
    dedup_corpus(paths, load_registry())
    before = documents(paths)
    store = CorpusStore(paths.corpus_db)
    (orig,) = store.db.query("SELECT * FROM documents WHERE id = 'orig'")
    store.upsert_documents(["orig"], [], withdrawn={"orig": "http_error"})
    keep = {
        k: v for k, v in orig.items() if k not in ("cluster_id", "is_canonical", "withdrawn_at", "withdrawn_reason")
    }
    store.upsert_documents(["orig"], [keep])  # back again, with dedup interrupted in between
    store.close()
    dedup_corpus(paths, load_registry())
    assert documents(paths) == before


def test_documents_left_unplaced_by_a_crash_are_placed_next_run(paths):
    # A run that died after loading documents but before dedup leaves them unclustered but canonical ...
    store = CorpusStore(paths.corpus_db)
    assert store.stats()["dedup"]["not_yet_clustered"] == 3
    assert store.db.execute("SELECT COUNT(*) FROM canonical_documents").fetchone()[0] == 3
    store.close()
    # ... and the next run finds them by query and completes the work.
    assert dedup_corpus(paths, load_registry()).placed == 3
    store = CorpusStore(paths.corpus_db)
    assert store.stats()["dedup"]["not_yet_clustered"] == 0


def test_a_failure_inside_the_write_rolls_everything_back(paths, monkeypatch):
    real_apply = CorpusStore.apply_dedup

    def failing(self, changes, removed, links, linked, clusters, index_version, next_seq):
        # A cluster row violating NOT NULL, written after the index and links: the write fails midway.
        broken = {"cluster_id": "broken", "canonical_id": None, "canonical_reason": None, "size": 0, "member_ids": []}
        return real_apply(self, changes, removed, links, linked, [*clusters, broken], index_version, next_seq)

    monkeypatch.setattr(CorpusStore, "apply_dedup", failing)
    with pytest.raises(sqlite3.IntegrityError):
        dedup_corpus(paths, load_registry())
    monkeypatch.undo()
    store = CorpusStore(paths.corpus_db)
    for table in ("dedup_signatures", "dedup_bands", "dedup_anchors", "document_links"):
        assert store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
    assert store.db.execute("SELECT COUNT(*) FROM documents WHERE cluster_id IS NOT NULL").fetchone()[0] == 0
    store.close()
    assert dedup_corpus(paths, load_registry()).placed == 3


@pytest.mark.parametrize(
    ("site", "issuer", "expected"),
    [("民政部", "民政部办公厅", True), ("岭南省社会工作协会", "民政部网站", False), ("民政部", None, False)],
)
def test_authority_site_rule(site, issuer, expected):
    assert is_authority_site(site, issuer) is expected


def test_an_index_of_another_engine_version_is_rebuilt(paths):
    dedup_corpus(paths, load_registry())
    before = documents(paths)
    store = CorpusStore(paths.corpus_db)
    store.db.execute("UPDATE dedup_state SET value = '1' WHERE key = 'index_version'")
    store.close()
    summary = dedup_corpus(paths, load_registry())
    assert summary.rebuilt and summary.placed == 3
    assert documents(paths) == before
    assert dedup_corpus(paths, load_registry()).rebuilt is False


# A notice long enough to dominate a splice of it and a second notice: the splice joins its cluster until
# the second notice arrives, in a later run.
LONG_NOTICE = NOTICE + (
    "四、宣传重点：各地要围绕社会工作在基层治理、社会救助、养老服务、儿童福利等领域的实践成果，组织开展社会工作进社区、"
    "进机构、进学校活动，集中展示优秀社会工作服务项目和先进典型，讲好社会工作故事。五、组织保障：各级民政部门要加强"
    "组织领导，明确责任分工，统筹利用传统媒体和新媒体平台，扩大宣传覆盖面和影响力，营造全社会支持社会工作的良好氛围。"
)
SECOND = (
    "各区县民政局：为切实做好冬春季节流浪乞讨人员救助工作，保障流浪乞讨人员基本生活，现就有关事项通知如下。一、加大"
    "街面巡查力度，各地救助管理机构要会同公安、城管等部门，在寒潮降温期间增加巡查频次，重点对桥梁涵洞、地下通道、废弃"
    "房屋等区域开展排查。二、落实临时庇护措施，对不愿进站的要及时发放棉衣棉被和食品，防止发生冻伤冻亡事件。"
    "青州市民政局 2024年11月5日"
)
SPLICE = "【资讯汇编】" + LONG_NOTICE + SECOND


def add_documents(paths, make_document, docs):
    store = CorpusStore(paths.corpus_db)
    for doc_id, text, first_seen in docs:
        row = make_document(doc_id, text, site_id="farm" if doc_id == "farm" else "mzb", first_seen=first_seen)
        store.upsert_documents([doc_id], [row])
    store.close()


def dedup_state(paths):
    """Return (cluster per document, links, clusters with their size, cluster per signature row)."""
    store = CorpusStore(paths.corpus_db)
    try:
        return (
            {r["id"]: r["cluster_id"] for r in store.db.query("SELECT id, cluster_id FROM documents")},
            {(r["from_id"], r["to_id"], r["relation"]) for r in store.db.query("SELECT * FROM document_links")},
            {r["cluster_id"]: r["size"] for r in store.db.query("SELECT * FROM clusters")},
            {r["id"]: r["cluster_id"] for r in store.db.query("SELECT id, cluster_id FROM dedup_signatures")},
        )
    finally:
        store.close()


SPLICE_RUNS = [
    [("a", LONG_NOTICE, "2026-01-01"), ("farm", SPLICE, "2026-01-02")],
    [("c", SECOND, "2026-01-03")],
]


def test_a_splice_stored_in_a_notice_cluster_leaves_it_when_its_second_source_arrives(tmp_path, make_document):
    paths = DataPaths(tmp_path)
    add_documents(paths, make_document, SPLICE_RUNS[0])
    dedup_corpus(paths, load_registry())
    assert dedup_state(paths)[0] == {"a": "a", "farm": "a"}  # nothing shows yet that it is a splice
    add_documents(paths, make_document, SPLICE_RUNS[1])
    summary = dedup_corpus(paths, load_registry())
    assert (summary.placed, summary.moved) == (1, 1)
    clusters, links, sizes, rows = dedup_state(paths)
    assert clusters == rows == {"a": "a", "farm": "farm", "c": "c"}
    assert links == {("farm", "a", "contains"), ("farm", "c", "contains")}
    assert sizes == {"a": 1, "farm": 1, "c": 1}
    # the same documents in one run give the same corpus
    batch = DataPaths(tmp_path / "batch")
    batch.corpus_db.parent.mkdir(parents=True, exist_ok=True)
    add_documents(batch, make_document, SPLICE_RUNS[0] + SPLICE_RUNS[1])
    dedup_corpus(batch, load_registry())
    assert dedup_state(batch) == (clusters, links, sizes, rows)
    assert dedup_corpus(paths, load_registry()).placed == 0

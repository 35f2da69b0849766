"""DedupEngine: guards, normalisation, clustering without chaining, containment, canonical, persistence."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaning.dedup import minhash
from cleaning.dedup.contain import SECOND_SOURCE_SHARE
from cleaning.dedup.engine import FOREIGN_SHARE, DedupEngine, Link
from cleaning.dedup.guards import Guards, extract_doc_numbers, extract_years, guard_conflict
from cleaning.dedup.index import ROW_COLUMNS, MemberInfo, SignatureIndex, choose_canonical
from cleaning.dedup.keys import T2S_PHRASE_CHARS, fold_texts, strip_folded
from cleaning.dedup.signatures import DocInput
from cleaning.text.script import get_converter

# Three unrelated notice bodies (~300-400 chars each), written for these tests.
BODY_A = (
    "为深入贯彻落实党中央、国务院关于养老服务体系建设的决策部署，进一步提升养老机构服务质量，现就开展{y}年度"
    "养老机构服务质量提升行动有关事项通知如下。一、全面排查安全隐患。各地要组织对辖区内养老机构逐一开展消防、"
    "食品、设施设备等方面的安全检查，建立问题清单和整改台账，确保整改到位。二、加强护理员队伍建设。要开展养老"
    "护理员职业技能培训，{y}年内培训人次不少于三千人次，推动持证上岗。三、规范服务收费行为。养老机构应当公示"
    "收费项目和标准，不得擅自提高收费标准。四、请各省级民政部门于{y}年6月30日前将工作总结报送民政部养老服务司。"
)
BODY_B = (
    "为规范社会组织登记管理，促进社会组织健康有序发展，根据有关法规规定，现就做好社会组织年度检查工作通知如下。"
    "一、参检范围。在本机关登记的社会团体、基金会和民办非企业单位，均应参加年度检查。二、检查内容。重点检查"
    "社会组织遵守法律法规和国家政策、依照章程开展活动、财务管理和资金使用、机构变动和人员聘用等情况。三、工作"
    "要求。各社会组织应当按时如实报送年度工作报告，对年检不合格的社会组织，登记管理机关将责令限期整改。"
)
BODY_C = (
    "为切实做好冬春季节流浪乞讨人员救助工作，保障流浪乞讨人员基本生活，现就有关事项通知如下。一、加大街面巡查"
    "力度。各地救助管理机构要会同公安、城管等部门，在寒潮降温期间增加巡查频次，重点对桥梁涵洞、地下通道、"
    "废弃房屋等区域开展排查，劝导引导流浪乞讨人员进站接受救助。二、落实临时庇护措施。对不愿进站的，要及时"
    "发放棉衣棉被和食品，防止发生冻伤冻亡事件。三、做好返乡安置。对查明身份的受助人员，要及时护送返乡。"
)


def notice(body: str, year: int = 2024, number: int = 8, prefix: str = "民发") -> str:
    head = f"{prefix}〔{year}〕{number}号\n各省、自治区、直辖市民政厅（局）：\n"
    return head + f"{body.format(y=year)}\n民政部\n{year}年3月1日"


def wrapper(text: str, own: str = "粤民函〔2024〕5号", cite: str = "民发〔2024〕8号") -> str:
    head = f"关于转发《民政部关于开展养老机构服务质量提升行动的通知》的通知\n{own}\n各地级以上市民政局：\n"
    return head + f"现将《民政部关于开展养老机构服务质量提升行动的通知》（{cite}）转发给你们，请认真贯彻落实。\n{text}"


def run(docs: list[DocInput], **params) -> dict[str, object]:
    engine = DedupEngine(**params)
    return {a.id: a for a in engine.assign(docs, engine.new_index())}


# -- normalisation and guards ---------------------------------------------------------------------------
def _reference_key(text: str) -> str:
    """The original per-character implementation of dedup_key, kept to check the fast one."""
    folded = get_converter("t2s").convert(unicodedata.normalize("NFKC", text)).casefold()
    return "".join(c for c in folded if not unicodedata.category(c).startswith(("P", "S", "Z", "C")))


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("關於開展养老服務ＡＢａ１２３，。、；：（）〔〕　 \n①ﬁ㈠Ǻé")
        | st.characters(exclude_categories=("Cs",)),
        max_size=40,
    )
)
def test_fast_dedup_key_matches_reference(text):
    """The folding of dedup keys (before page furniture is dropped: see test_dedup_furniture.py)."""
    assert strip_folded(fold_texts([text]))[0][0] == _reference_key(text)


def t2s_dictionary_entries() -> list[tuple[str, str]]:
    """Return (key, first value) of every dictionary the installed OpenCC t2s config uses, dumped to text
    with the opencc_dict tool shipped in the opencc wheel."""
    clib = Path(opencc.__file__).parent / "clib"
    share = clib / "share" / "opencc"
    config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))
    files = [d["dict"]["file"] for d in config.get("normalization", [])]
    for step in config["conversion_chain"]:
        files += [d["file"] for d in step["dict"].get("dicts", [step["dict"]])]
    env = {**os.environ, "LD_LIBRARY_PATH": str(clib / "lib64")}
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            out = Path(tmp) / f"{name}.txt"
            cmd = [
                str(clib / "bin" / "opencc_dict"),
                "-i",
                str(share / name),
                "-o",
                str(out),
                "-f",
                "ocd2",
                "-t",
                "text",
            ]
            subprocess.run(cmd, check=True, env=env, capture_output=True)
            for line in out.read_text(encoding="utf-8").splitlines():
                key, values = line.split("\t")
                entries.append((key, values.split(" ")[0]))
    return entries


def test_t2s_phrase_chars_cover_every_phrase_rule():
    # a text skips OpenCC when no character changes alone and none is in T2S_PHRASE_CHARS: so every rule
    # whose key has no character that changes alone must change only T2S_PHRASE_CHARS characters
    t2s = get_converter("t2s")
    entries = t2s_dictionary_entries()
    assert len(entries) > 5000
    for key, value in entries:
        if key == value or any(t2s.convert(c) != c for c in key):
            continue
        changed = set(key) if len(key) != len(value) else {a for a, b in zip(key, value, strict=True) if a != b}
        assert changed <= set(T2S_PHRASE_CHARS), (key, value)


@pytest.mark.parametrize("text", ["请及时答覆并反覆核对", "沈思往事，藉此说明", "一目瞭然", "關於開展養老服務"])
def test_fold_texts_converts_phrase_rules_like_opencc(text):
    expected = get_converter("t2s").convert(unicodedata.normalize("NFKC", text)).casefold()
    assert fold_texts([text, "养老服务"])[0] == expected != text


def test_postings_lookup_caps_and_skips_common_keys():
    postings = minhash.SortedPostings()
    postings.add(np.array([5, 5, 7], dtype=np.uint64), np.array([0, 1, 1]))
    postings.add(np.array([5, 9], dtype=np.uint64), np.array([2, 2]))  # merged: earlier postings first
    keys, owners = np.array([5, 7, 8], dtype=np.uint64), np.array([10, 11, 12])
    assert [a.tolist() for a in postings.lookup(keys, owners)] == [[10, 10, 10, 11], [0, 1, 2, 1], [3, 1, 0]]
    assert [a.tolist() for a in postings.lookup(keys, owners, cap=2)] == [[10, 10, 11], [0, 1, 1], [3, 1, 0]]
    assert [a.tolist() for a in postings.lookup(keys, owners, rare_below=3)] == [[11], [1], [3, 1, 0]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("民政部关于…的通知（民发〔2024〕8号）", [("民发", "2024", "8")]),
        ("青民发[2024]第012号", [("青民发", "2024", "12")]),
        ("粤民函【2023】5號", [("粤民函", "2023", "5")]),
        ("根据民办发（2022）15号文件精神", [("民办发", "2022", "15")]),
        ("冀民﹝2021﹞3号", [("冀民", "2021", "3")]),
        ("2024年8号文件", []),
        ("没有文号的通知", []),
    ],
)
def test_extract_doc_numbers(text, expected):
    assert extract_doc_numbers(fold_texts([text])[0]) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年度工作；2023年总结；2024-03-05", {"2024": 2, "2023": 1}),
        ("民发〔2024〕8号，2025年", {"2025": 1}),  # a 文号's year is not a year mention
        ("电话010-58123456", {}),
    ],
)
def test_extract_years(text, expected):
    assert extract_years(fold_texts([text])[0]) == expected


def g(numbers=(), years=None) -> Guards:
    return Guards(frozenset(numbers), tuple(sorted((years or {}).items())))


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        (g([("民发", "2024", "8")]), g([("民发", "2025", "3")]), "doc_number"),  # next year's edition
        (g([("民发", "2024", "8")]), g([("民发", "2024", "9")]), "doc_number"),  # another notice, same series
        (g([("民发", "2024", "8")]), g([("粤民函", "2024", "5"), ("民发", "2024", "8")]), None),  # wrapper cites
        (g([("民发", "2024", "8")]), g([("粤民函", "2024", "5")]), None),  # wrapper, other series
        (g([], {"2024": 3}), g([], {"2025": 3, "2024": 1}), "year"),
        (g([], {"2023": 4}), g([], {"2023": 4, "2024": 1}), None),  # a wrapper's own date
        (g([], {"2024": 2}), g(), None),  # no years on one side: nothing to compare
    ],
)
def test_guard_conflict(a, b, conflict):
    assert guard_conflict(a, b) == conflict
    assert guard_conflict(b, a) == conflict


# -- clustering ------------------------------------------------------------------------------------------
def test_repost_with_wrapper_script_and_punctuation_joins_original():
    original = notice(BODY_A)
    repost = get_converter("s2t").convert(wrapper(original)).replace("，", ",").replace("。", ".")
    out = run(
        [
            DocInput("orig", original, site_id="mca", doc_number="民发〔2024〕8号", is_authority_site=True),
            DocInput("prov", repost, site_id="gd", doc_number="粤民函〔2024〕5号"),
            DocInput("other", notice(BODY_B, number=20)),
        ]
    )
    assert out["prov"].cluster_id == out["orig"].cluster_id == "orig"
    assert out["prov"].links[0].other_id == "orig" and out["prov"].links[0].relation == "repost"
    assert out["other"].cluster_id == "other"


def test_dropped_paragraph_and_changed_date_join():
    original = notice(BODY_A)
    dropped = original.replace("三、规范服务收费行为。养老机构应当公示收费项目和标准，不得擅自提高收费标准。", "")
    out = run([DocInput("a", original), DocInput("b", dropped.replace("2024年3月1日", "2024年3月9日"))])
    assert out["b"].cluster_id == "a"


def test_year_family_stays_apart():
    docs = [DocInput(f"y{y}", notice(BODY_A, year=y, number=y - 2000)) for y in (2022, 2023, 2024)]
    out = run(docs)
    assert [out[d.id].cluster_id for d in docs] == ["y2022", "y2023", "y2024"]


def test_same_text_other_doc_number_stays_apart():
    out = run([DocInput("a", notice(BODY_A, number=8)), DocInput("b", notice(BODY_A, number=9))])
    assert out["b"].cluster_id == "b"


def test_splice_is_contains_link_not_membership():
    a, b = notice(BODY_A), BODY_C  # a page of the notice, and a page holding only its body
    splice = "【资讯汇编】\n" + BODY_A.format(y=2024) + "\n" + BODY_C
    out = run([DocInput("a", a), DocInput("c", b), DocInput("farm", splice)])
    assert out["farm"].cluster_id == "farm"
    relations = {(link.other_id, link.relation) for link in out["farm"].links}
    assert relations == {("a", "contains"), ("c", "contains")}


def test_splice_first_then_notice_gets_contained_in():
    splice = "【资讯汇编】\n" + BODY_B.format(y=2024) + "\n" + BODY_C.format(y=2024) + "\n" + BODY_A.format(y=2024)
    out = run([DocInput("farm", splice), DocInput("c", BODY_C)])
    assert out["c"].cluster_id == "c"
    assert [(link.other_id, link.relation) for link in out["c"].links] == [("farm", "contained_in")]


def test_notice_after_splice_and_its_second_source_gets_a_link_not_membership():
    # the splice copies notice A (J above verify_jaccard here) and notice C (below), indexed before A
    splice = "【资讯汇编】\n" + notice(BODY_A) + "\n" + notice(BODY_C, number=30)
    docs = [DocInput("farm", splice), DocInput("c", notice(BODY_C, number=30)), DocInput("a", notice(BODY_A))]
    engine = DedupEngine(verify_jaccard=0.5)
    index = engine.new_index()
    out = {a.id: a for a in engine.assign(docs, index)}
    assert float((index.signature(2) == index.signature(0)).mean()) >= 0.5  # a would have joined farm
    assert out["a"].cluster_id == "a" and out["c"].cluster_id == "c"
    assert ("farm", "contained_in") in {(link.other_id, link.relation) for link in out["a"].links}
    assert ("farm", "contained_in") in {(link.other_id, link.relation) for link in out["c"].links}


@pytest.mark.parametrize("order", [("farm", "a", "c"), ("a", "farm", "c"), ("a", "c", "farm"), ("c", "farm", "a")])
def test_splice_never_shares_a_cluster_with_the_notices_it_holds(order):
    texts = {"a": notice(BODY_A), "c": notice(BODY_C, number=30)}
    texts["farm"] = "【资讯汇编】\n" + texts["a"] + "\n" + texts["c"] + "\n" + BODY_B
    out = run([DocInput(i, texts[i]) for i in order])
    assert len({a.cluster_id for a in out.values()}) == 3
    links = {(a.id, link.other_id, link.relation) for a in out.values() for link in a.links}
    for inner in ("a", "c"):  # one direction or the other, depending on which came first
        assert ("farm", inner, "contains") in links or (inner, "farm", "contained_in") in links


# A notice long enough to dominate a splice of it and notice C (J(splice, A) above verify_jaccard): the
# splice would join A's cluster, or A the splice's, unless C shows what the splice is.
LONG_A = notice(BODY_A + BODY_B)
NOTICE_C = notice(BODY_C, number=30)
SPLICE_AC = "【资讯汇编】\n" + LONG_A + "\n" + NOTICE_C
ORDERS = [
    ("a", "farm", "c"),  # the splice joins A's cluster, C arrives later: the splice leaves
    ("farm", "a", "c"),  # A joins the splice's cluster, C arrives later: A (and its copies) leave
    ("farm", "a", "a2", "c"),
    ("a", "farm", "a2", "c"),
    ("a", "c", "farm"),  # C already there: the splice never joins
    ("c", "farm", "a"),
]


def splice_docs(order) -> list[DocInput]:
    texts = {"a": LONG_A, "a2": LONG_A.replace("，", ","), "c": NOTICE_C, "farm": SPLICE_AC}
    return [DocInput(i, texts[i]) for i in order]


def link_set(assignments) -> set[tuple[str, str, str]]:
    """Return links as stored (contained_in as the other document's contains)."""
    out = set()
    for a in assignments:
        for link in a.links:
            if link.relation == "contained_in":
                out.add((link.other_id, a.id, "contains"))
            else:
                out.add((a.id, link.other_id, link.relation))
    return out


def final_state(parts) -> tuple[dict[str, str], set[tuple[str, str, str]]]:
    """Return (cluster per id, links) after applying assignments in order, later ones (moves) winning, and
    dropping links to a moved document from documents it no longer shares a cluster with (as the store)."""
    last = {a.id: a for a in parts}
    clusters = {i: a.cluster_id for i, a in last.items()}
    links = {(f, t, r) for f, t, r in link_set(last.values()) if r != "repost" or clusters[f] == clusters[t]}
    return clusters, links


def test_splice_joined_before_its_second_source_is_split_off():
    engine = DedupEngine()
    index = engine.new_index()
    assert (
        float(
            (
                engine.signature(DocInput("f", SPLICE_AC)).minhash == engine.signature(DocInput("a", LONG_A)).minhash
            ).mean()
        )
        >= 0.6
    )
    first = {a.id: a for a in engine.assign(splice_docs(["a", "farm"]), index)}
    assert first["farm"].cluster_id == "a"  # nothing yet shows the splice is one
    out = engine.assign(splice_docs(["c"]), index)
    assert [(a.id, a.cluster_id, a.moved_from) for a in out] == [("c", "c", None), ("farm", "farm", "a")]
    assert out[1].links == [Link("a", "contains", 1.0)]
    assert out[0].links == [Link("farm", "contained_in", 1.0)]
    assert index.cluster("a").member_ids == ["a"] and index.cluster("farm").member_ids == ["farm"]


def test_notice_that_joined_a_splice_leaves_with_its_copies():
    engine = DedupEngine()
    index = engine.new_index()
    first = {a.id: a for a in engine.assign(splice_docs(["farm", "a", "a2"]), index)}
    assert first["a"].cluster_id == first["a2"].cluster_id == "farm"
    out = {a.id: a for a in engine.assign(splice_docs(["c"]), index)}
    assert {i: (a.cluster_id, a.moved_from) for i, a in out.items()} == {
        "c": ("c", None),
        "a": ("a", "farm"),
        "a2": ("a", "farm"),
    }
    assert out["a"].links == [Link("farm", "contained_in", 1.0)]
    assert [link.other_id for link in out["a2"].links] == ["a"]
    assert [c.member_ids for c in engine.touched_clusters(list(out.values()), index)] == [["c"], ["a", "a2"], ["farm"]]


@pytest.mark.parametrize("order", ORDERS)
def test_splice_ends_outside_notice_clusters_in_any_order_batch_and_incremental(order):
    docs = splice_docs(order)
    engine = DedupEngine()
    batch = engine.assign(docs, engine.new_index())
    clusters, links = final_state(batch)
    assert clusters["farm"] == "farm" and clusters["c"] == "c" and clusters["a"] == "a"
    assert clusters.get("a2", "a") == "a"
    assert {("farm", "a", "contains"), ("farm", "c", "contains")} <= links
    # one document per nightly run, the index saved and reloaded in between
    index, parts = engine.new_index(), []
    for doc in docs:
        parts += engine.assign([doc], index)
        index = engine.load_index(index.to_rows())
    assert final_state(parts) == (clusters, links)
    assert index.to_rows() == engine.load_index(index.to_rows()).to_rows()


def test_copies_of_one_notice_holding_different_parts_of_a_new_document_are_not_split():
    # full and two copies that dropped other sentences; a new excerpt is held by full and head, and a third
    # of it by tail: tail is no other notice, so nothing leaves the cluster
    sentences = [s + "。" for s in (BODY_A.format(y=2024) + BODY_C).split("。") if s]
    docs = [
        DocInput("full", "".join(sentences)),
        DocInput("head", "".join(sentences[:9])),
        DocInput("tail", "".join(sentences[2:])),
        DocInput("excerpt", "".join(sentences[:4])),
    ]
    engine = DedupEngine()
    index = engine.new_index()
    out = {a.id: a for a in engine.assign(docs, index)}
    excerpt = index.anchors(3)
    held_by_tail = np.isin(excerpt, index.anchors(2)).mean()
    assert FOREIGN_SHARE <= held_by_tail < SECOND_SOURCE_SHARE  # a splice-like split would move tail
    assert [out[i].cluster_id for i in ("full", "head", "tail", "excerpt")] == ["full", "full", "full", "excerpt"]
    assert out["excerpt"].links == [Link("full", "contained_in", 1.0)]
    assert not any(a.moved_from for a in out.values())


def test_no_chaining_through_a_bridge():
    # bridge holds half of A and half of B: it may join one cluster, never merge the two
    half_a, half_b = BODY_A[: len(BODY_A) // 2], BODY_B[len(BODY_B) // 2 :]
    docs = [
        DocInput("a", BODY_A.format(y=2024)),
        DocInput("b", BODY_B),
        DocInput("bridge", half_a.format(y=2024) + half_b),
        DocInput("a2", BODY_A.format(y=2024) + "特此通知。"),
        DocInput("b2", BODY_B + "特此通知。"),
    ]
    out = run(docs, verify_jaccard=0.3, chain_floor=0.3)
    assert out["a2"].cluster_id == "a" and out["b2"].cluster_id == "b"
    assert out["bridge"].cluster_id in {"a", "b", "bridge"}


def test_drift_is_bounded_by_the_representative():
    # each step replaces a sentence: consecutive versions match, the last is far from the first
    sentences = [s + "。" for s in BODY_A.format(y=2024).split("。") if s]
    fresh = [s + "。" for s in BODY_C.split("。") if s]
    versions = []
    for k in range(len(fresh)):
        versions.append("".join(fresh[:k] + sentences[k:]))
    out = run([DocInput(f"v{k}", v) for k, v in enumerate(versions)], verify_jaccard=0.5, chain_floor=0.45)
    clusters = [out[f"v{k}"].cluster_id for k in range(len(versions))]
    assert clusters[0] == "v0" and clusters[-1] != "v0"


def test_short_documents_use_the_exact_layer_only():
    out = run(
        [
            DocInput("s1", "关于端午节放假的通知。"),
            DocInput("s2", "關於端午節放假的通知"),
            DocInput("s3", "关于端午节放假的通知！请周知。"),
        ]
    )
    assert out["s2"].cluster_id == "s1"
    assert out["s2"].links[0].similarity == 1.0
    assert out["s3"].cluster_id == "s3"


# -- canonical ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ([MemberInfo("a")], ("a", "only_member")),
        (
            [MemberInfo("p", published_at="2024-01-01"), MemberInfo("m", published_at="2024-02-01", is_authority=True)],
            ("m", "authority_site"),
        ),
        (
            [MemberInfo("x", published_at="2024-02-01", key_len=900), MemberInfo("y", published_at="2024-01-05")],
            ("y", "earliest_published"),
        ),
        ([MemberInfo("x", published_at=None), MemberInfo("y", published_at="2024-03-01")], ("y", "earliest_published")),
        (
            [
                MemberInfo("x", published_at="2024-01-05", key_len=500),
                MemberInfo("y", published_at="2024-01-05", key_len=620),
            ],
            ("y", "most_complete"),
        ),
        ([MemberInfo("b", key_len=5), MemberInfo("a", key_len=5)], ("a", "lowest_id")),
    ],
)
def test_choose_canonical(members, expected):
    assert choose_canonical(members) == expected


def test_assignment_reports_canonical_of_final_cluster():
    original = notice(BODY_A)
    out = run(
        [
            DocInput("prov", wrapper(original), site_id="gd", published_at="2024-03-05"),
            DocInput("orig", original, site_id="mca", published_at="2024-03-01", is_authority_site=True),
        ]
    )
    assert out["orig"].cluster_id == "prov"  # cluster ids are the first member's id
    assert out["orig"].is_canonical and not out["prov"].is_canonical
    assert out["orig"].canonical_reason == "authority_site"


# -- persistence and incremental runs ---------------------------------------------------------------------
def corpus() -> list[DocInput]:
    original = notice(BODY_A)
    return [
        DocInput("a", original, site_id="mca", published_at="2024-03-01", is_authority_site=True),
        DocInput("b", notice(BODY_B, number=20)),
        DocInput("a-gd", wrapper(original), site_id="gd", published_at="2024-03-04"),
        DocInput("a25", notice(BODY_A, year=2025, number=3)),
        DocInput("c", notice(BODY_C, number=30)),
        DocInput("farm", BODY_A.format(y=2024) + BODY_C),
        DocInput("a-tw", get_converter("s2t").convert(original), site_id="tw"),
        DocInput("short", "端午节放假通知"),
        DocInput("short2", "端午節放假通知。"),
        DocInput("b-copy", notice(BODY_B, number=20).replace("，", ",")),
    ]


def test_incremental_with_save_and_reload_equals_batch():
    docs = corpus()
    engine = DedupEngine(chunk_size=3)  # several chunks inside one batch, too
    batch = engine.assign(docs, engine.new_index())
    index = engine.new_index()
    parts = []
    for lo, hi in ((0, 4), (4, 7), (7, len(docs))):
        parts += engine.assign(docs[lo:hi], index)
        index = engine.load_index(index.to_rows())
    assert [(a.id, a.cluster_id, a.links) for a in batch] == [(a.id, a.cluster_id, a.links) for a in parts]
    final = {a.id: a.cluster_id for a in batch}
    assert final["a-gd"] == final["a-tw"] == "a" and final["a25"] == "a25" and final["short2"] == "short"
    assert final["b-copy"] == "b" and final["farm"] == "farm"


def test_incremental_equals_batch_with_splices_first():
    docs = corpus()
    docs = [d for d in docs if d.id == "farm"] + [d for d in docs if d.id != "farm"]
    docs.insert(0, DocInput("farm2", "【热点关注】\n" + BODY_B + "\n" + BODY_C))
    engine = DedupEngine(chunk_size=2)
    batch = engine.assign(docs, engine.new_index())
    index, parts = engine.new_index(), []
    for lo, hi in ((0, 3), (3, 5), (5, len(docs))):
        parts += engine.assign(docs[lo:hi], index)
        index = engine.load_index(index.to_rows())
    assert [(a.id, a.cluster_id, a.links) for a in batch] == [(a.id, a.cluster_id, a.links) for a in parts]
    clusters = {a.id: a.cluster_id for a in batch}
    assert clusters["farm"] == "farm" and clusters["farm2"] == "farm2"
    assert sum(c in ("farm", "farm2") for c in clusters.values()) == 2  # nobody joined a splice


def test_rows_round_trip_and_cluster_ids_are_stable():
    engine = DedupEngine()
    index = engine.new_index()
    engine.assign(corpus(), index)
    rows = index.to_rows()
    assert all(len(r) == len(ROW_COLUMNS) == 12 for r in rows)
    as_dicts = [dict(zip(ROW_COLUMNS, r, strict=True)) for r in reversed(rows)]
    again = SignatureIndex.from_rows(as_dicts)
    assert again.to_rows() == rows
    # re-running the same documents changes nothing (idempotent nightly re-run)
    out = engine.assign(corpus(), again)
    assert {a.id: a.cluster_id for a in out}["a-gd"] == "a"
    assert again.to_rows() == rows


def test_changed_text_is_reassigned():
    engine = DedupEngine()
    index = engine.new_index()
    engine.assign(corpus(), index)
    out = engine.assign([DocInput("b-copy", notice(BODY_C, number=30))], index)
    assert out[0].cluster_id == "c"


# -- storage: exact duplicates and short documents share their signature rows -------------------------------
def stored_rows(index: SignatureIndex) -> int:
    return len(index._rows)


def test_exact_duplicates_share_signature_rows_and_read_their_own_values():
    engine = DedupEngine(chunk_size=4)
    text = notice(BODY_A)
    docs = [DocInput(f"copy{k}", text, site_id=f"s{k}") for k in range(9)] + [DocInput("b", notice(BODY_B))]
    docs += [DocInput(f"short{k}", "端午节放假通知") for k in range(3)]
    index = engine.new_index()
    out = {a.id: a.cluster_id for a in engine.assign(docs, index)}
    assert {out[f"copy{k}"] for k in range(9)} == {"copy0"}
    assert stored_rows(index) == 3  # one row for the copies, one for b, one zero row for the short documents
    first = index.pos_of["copy0"]
    for k in range(1, 9):
        pos = index.pos_of[f"copy{k}"]
        assert np.array_equal(index.sig(pos), index.sig(first))
        assert np.array_equal(index.anchors(pos), index.anchors(first))
        assert index.key_hash[pos] is index.key_hash[first]  # one string object for the copies' key hash
    rows = index.to_rows()
    again = SignatureIndex.from_rows(rows)
    assert again.to_rows() == rows and stored_rows(again) == 3  # a reload shares them too
    # the original leaves: its copies keep their values (rows are never freed), the exact layer moves on
    engine.assign([DocInput("copy0", notice(BODY_C, number=30))], index)
    later = engine.assign([DocInput("copy9", text)], index)
    assert later[0].cluster_id == "copy0" and later[0].links[0].other_id == "copy1"
    assert np.array_equal(index.sig(index.pos_of["copy9"]), again.sig(again.pos_of["copy1"]))


def test_a_key_hash_shared_by_other_values_is_never_a_shared_row():
    """Sharing is checked value by value: a key-hash collision (or any other mismatch) gets rows of its own."""
    engine = DedupEngine()
    a, b = engine.signatures([DocInput("a", notice(BODY_A)), DocInput("b", notice(BODY_B))])
    index = engine.new_index()
    index._append(a, DocInput("a", ""), a.minhash)
    forged = type(b)("b", a.key_hash, b.key_len, b.minhash, b.anchors, b.guards)
    index._append(forged, DocInput("b", ""), forged.minhash)
    assert stored_rows(index) == 2
    assert np.array_equal(index.sig(1), b.minhash) and np.array_equal(index.anchors(1), b.anchors)
    assert np.array_equal(index.sig(0), a.minhash)


def test_exact_duplicates_get_anchor_counts_only_and_the_others_what_a_full_lookup_gives():
    """Duplicates join their original's cluster: the anchor lookup gives them counts (common or rare) and no
    carriers or hosts; every other document gets exactly what it got when all were looked up."""
    engine = DedupEngine()
    index = engine.new_index()
    engine.assign(corpus(), index)
    new = [DocInput("farm-copy", BODY_A.format(y=2024) + BODY_C), DocInput("c-new", notice(BODY_C, number=31))]
    new += [DocInput("a-gd-copy", wrapper(notice(BODY_A)), site_id="gd")]
    sigs = engine.signatures(new)
    first = index.next_pos
    for doc, sig in zip(new, sigs, strict=True):
        index._append(sig, doc, sig.minhash)
    positions = np.arange(first, first + len(new), dtype=np.int64)
    skip = np.array([True, False, True])
    full = engine._old_anchor_carriers(positions, sigs, first, index)
    part = engine._old_anchor_carriers(positions, sigs, first, index, counts_only=skip)
    assert part.spans == full.spans
    cap = engine.anchor_df_cap
    assert [c < cap for c in part.counts] == [c < cap for c in full.counts]
    kept = int(positions[1])
    assert part.shared.get(kept) == full.shared.get(kept) and part.host_hits.get(kept) == full.host_hits.get(kept)
    assert any(full.shared.get(int(p)) for p in positions[skip])  # the full lookup found carriers for them
    assert not any(part.shared.get(int(p)) or part.host_hits.get(int(p)) for p in positions[skip])
    lo, hi = part.spans[kept]
    for e in range(lo, hi):
        a, b = part.carriers[part.bounds[e] : part.bounds[e + 1]], full.carriers[full.bounds[e] : full.bounds[e + 1]]
        assert a.tolist() == b.tolist()


@pytest.mark.parametrize("enabled", [True, False])
def test_assign_leaves_the_garbage_collector_as_it_found_it(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        engine = DedupEngine()
        engine.assign(corpus(), engine.new_index())
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_index_layout_must_match():
    with pytest.raises(ValueError):
        DedupEngine(bands=16).assign([DocInput("x", "y")], SignatureIndex(bands=32))


def test_duplicate_ids_in_batch_rejected():
    with pytest.raises(ValueError):
        run([DocInput("x", "a"), DocInput("x", "b")])

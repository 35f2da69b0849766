"""Every bundled site's detail pages, as served (fixtures.server.fetch_bytes), through clean_page.

Segments: each line of a notice's source text must appear in the extracted text (compared on its Han
characters, so the repair step's punctuation fixes don't matter), and no chrome phrase may. Metadata:
title, date, 文号, issuer, attachments and column where the page states them. Also the `clean-page`
command through a small argparse harness.
"""

from __future__ import annotations

import argparse
import json
import re
from functools import cache

import pytest

from cleaning.decode.encoding import decode_bytes
from cleaning.extract.templates import learn_site_template
from cleaning.pipeline import PageInput, PageResult, clean_page
from crawlers.sites import load_registry
from fixtures.common import as_date, body_lines
from fixtures.server import _offline_sites, fetch_bytes
from zhcorpus.commands.page import add_commands

NON_HAN = re.compile("[^\u3400-\u9fff]+")
DOC_NUMBER = re.compile(r"^\S{1,12}[〔\[【(（]\d{4}[〕\]】)）]\d{1,4}号$")

# Chrome every bundled site shows around its notices; none of it may reach a document's text.
MUST_NOT: tuple[str, ...] = (
    "当前位置", "目前位置", "您的位置", "首页 >", "首頁 >",
    "上一篇", "下一篇", "友情链接", "分享到", "打印本页", "列印本頁", "关闭窗口", "回上一頁",
    "字号", "字体：", "主办单位", "承办单位", "版权所有", "ICP备", "网站标识码", "技术支持", "Copyright",
    "浏览次数", "點閱次數", "点击：", "希望对你有帮助", "本文来源", "相关推荐", "责任编辑", "索引号",
    "主题分类", "发文字号", "发布时间", "發布日期", "来源：", "网站地图",
)  # fmt: skip


def _registry_site(site_id: str):
    return next(s for s in load_registry().sites if s.id == site_id)


@cache
def _clean(site_id: str, path: str) -> PageResult:
    site = _registry_site(site_id)
    host = site.allowed_domains[0]
    status, headers, body = fetch_bytes(host, path)
    assert status == 200, (host, path, status)
    page = PageInput(
        url=f"http://{host}{path}",
        body=body,
        headers=headers,
        site_id=site.id,
        encoding_hint=site.encoding,
        script_hint=site.script,
        column=site.column,
    )
    return clean_page(page)


def _notices() -> list[dict]:
    """Return one expectation per bundled detail page, read from the fixture sites' own source texts."""
    sites = _offline_sites(1)
    out: list[dict] = []
    qz = sites["mzj.qingzhou.example"]
    for n in qz.notices:
        out.append({
            "site": "qingzhou-mzj", "path": n.path, "title": n.title, "date": as_date(n.day),
            "docno": n.docno, "issuer": "青州市民政局", "column": "通知公告", "body": n.body,
            "attachments": [(f, f"http://mzj.qingzhou.example{n.attachment_path(k)}")
                            for k, f in enumerate(n.attachments)],
        })  # fmt: skip
    for a in sites["www.lnswa.example"].articles:
        first = body_lines(a.body)[0]
        out.append({
            "site": "lingnan-swa", "path": a.path, "title": a.title, "date": as_date(a.day),
            "docno": first if DOC_NUMBER.match(first) else None, "issuer": a.source.removeprefix("转自"),
            "column": {"tzgg": "通知公告", "gzdt": "工作动态"}[a.column], "body": a.body, "attachments": [],
        })  # fmt: skip
    for n in sites["www.mzb.example"].notices:
        out.append({
            "site": "mzb", "path": n.path, "title": n.title, "date": as_date(n.day), "docno": n.docno,
            "issuer": n.issuer, "column": "通知公告", "body": n.body, "attachments": [],
        })  # fmt: skip
    for n in sites["www.twswa.example"].news:
        out.append({
            "site": "taibei-swa", "path": n.path, "title": n.title, "date": as_date(n.day), "docno": None,
            "issuer": None, "column": "最新消息", "body": n.body, "attachments": [],
        })  # fmt: skip
    for e in sites["www.fanwen.example"].essays:
        out.append({
            "site": "fanwen", "path": e.path, "title": e.title, "date": as_date(e.day), "docno": None,
            "issuer": None, "column": "活动总结", "body": "\n".join(body for _, body in e.parts),
            "attachments": [], "parts": len(e.parts),
        })  # fmt: skip
    from fixtures.site_cms import StandinFixture

    for site_id, host in (("dongjiang-mzj", "mzj.dongjiang.example"), ("donghai-mzt", "mzt.donghai.example"),
                          ("beichuan-swa", "www.bcswa.example"), ("xishan-mzj", "mzj.xishan.example")):  # fmt: skip
        cms_site: StandinFixture = sites[host]
        from fixtures.standin import notice_body

        for n in cms_site.site.notices()[:10]:  # generated pages: a sample covers their markup
            out.append({
                "site": site_id, "path": cms_site.site.detail_path(n), "title": n.title,
                # the xishan detail pages carry no date: only their list rows do
                "date": n.day if cms_site.layout.detail_date else None, "docno": None, "issuer": None,
                "column": None, "body": "\n".join(notice_body(n.title, n.id * 31 + cms_site.site.seed)),
                "attachments": [],
            })  # fmt: skip
    traps = sites["trap.example"]
    for key, path in (("n1", "/notices/n1.html"), ("n2", "/notices/n2.html"), ("n3", "/notices/n3.html"),
                      ("flaky", "/flaky.html"), ("slow", "/slow.html")):  # fmt: skip
        item = traps.texts[key]
        out.append({
            "site": "traps", "path": path, "title": item["title"], "date": as_date(item["date"]), "docno": None,
            "issuer": None, "column": "通知公告", "body": item["body"], "attachments": [],
        })  # fmt: skip
    return out


NOTICES = _notices()
IDS = [f"{n['site']}:{n['path']}" for n in NOTICES]


def test_every_bundled_site_is_covered():
    bundled = {s.id for s in load_registry().sites if s.bundled and s.enabled}
    assert bundled <= {n["site"] for n in NOTICES}


@pytest.mark.parametrize("notice", NOTICES, ids=IDS)
def test_notice_segments(notice: dict):
    result = _clean(notice["site"], notice["path"])
    assert result.drop_reason is None and result.documents
    text = "\n".join(d.text for d in result.documents)
    han_text = NON_HAN.sub("", text)
    for line in body_lines(notice["body"]):
        line = line.lstrip(">").replace("|", "")
        if notice["site"] == "fanwen":
            line = re.sub(r"\([a-zü]+\)", "", line)  # the page's pinyin residue is repaired away
        segment = NON_HAN.sub("", line)
        if notice["site"] == "fanwen" and len(segment) < 30:
            continue  # short lines may carry the byte-shift damage the repair step rewrites
        if notice["site"] == "fanwen":
            segment = segment[:12]  # the opening words: later ones may carry byte-shift damage
        assert segment in han_text, f"missing: {line}"
    for phrase in MUST_NOT:
        assert phrase not in text, f"chrome leaked: {phrase}"


@pytest.mark.parametrize("notice", NOTICES, ids=IDS)
def test_notice_metadata(notice: dict):
    docs = _clean(notice["site"], notice["path"]).documents
    doc = docs[0]
    if notice.get("parts", 1) > 1:
        assert len(docs) == notice["parts"]
        base = re.sub(r"\(共\d+篇\)", "", notice["title"])
        assert [d.title for d in docs] == [f"{base}（篇{'一二三四五'[i]}）" for i in range(len(docs))]
    else:
        assert doc.title == notice["title"]
    assert doc.published_at == (notice["date"].isoformat() if notice["date"] else None)
    assert doc.doc_number == notice["docno"]
    if notice["issuer"] is not None:
        assert doc.issuer == notice["issuer"]
    assert doc.column == notice["column"]
    assert [(a["name"], a["url"]) for a in doc.attachments] == notice["attachments"]


def test_off_topic_part_is_flagged_and_on_topic_parts_are_not():
    docs = _clean("fanwen", "/hdzj/230418.html").documents
    assert [("part_title_mismatch" in d.flags) for d in docs] == [False, False, True]
    for path in ("/hdzj/230914.html", "/hdzj/230809.html", "/hdzj/230611.html"):
        assert not any("part_title_mismatch" in d.flags for d in _clean("fanwen", path).documents)


def test_qingzhou_attachment_box_stays_in_text_and_table_rows_stay_rows():
    text = _clean("qingzhou-mzj", "/tzgg/202406/t20240618_1001.html").documents[0].text
    assert "1.2024年各区县城乡低保标准调整表.xls" in text
    names = _clean("qingzhou-mzj", "/tzgg/202406/t20240603_1003.html").documents[0].text
    assert "序号\t姓名\t性别\t年龄\t所在街道\t补贴类别" in names
    assert "3\t钱德堃\t男\t91\t东关街道\t高龄" in names


def test_list_pages_are_not_notices():
    for site_id, path in (("qingzhou-mzj", "/tzgg/index.html"), ("lingnan-swa", "/tzgg/index.html"),
                          ("traps", "/calendar?month=2024-03")):  # fmt: skip
        assert _clean(site_id, path).drop_reason == "no_content"


def test_site_template_learned_from_bundled_pages_keeps_every_notice_line():
    pages = []
    for n in NOTICES:
        if n["site"] == "qingzhou-mzj":
            _, _, body = fetch_bytes("mzj.qingzhou.example", n["path"])
            pages.append(body.decode("gbk"))
    template = learn_site_template(pages)
    assert template["pages"] == len(pages) and template["lines"]
    json.dumps(template)  # stored as JSON by the flow
    site = _registry_site("qingzhou-mzj")
    for n in NOTICES[:6]:
        _, headers, body = fetch_bytes("mzj.qingzhou.example", n["path"])
        page = PageInput(url=f"http://mzj.qingzhou.example{n['path']}", body=body, headers=headers,
                         column=site.column, site_template=template)  # fmt: skip
        text = clean_page(page).documents[0].text
        assert text == _clean("qingzhou-mzj", n["path"]).documents[0].text
        assert "青州市民政局" in text.splitlines()  # the signature recurs on every page but stays


@pytest.mark.parametrize("site_id", sorted({n["site"] for n in NOTICES}))
def test_site_template_with_blocks_changes_no_bundled_notice(site_id: str):
    """Every bundled site's own template (lines and blocks) keeps each notice exactly as cleaned without it:
    what recurs there (signature, salutation, date line, info bar) is protected or already gone."""
    site = _registry_site(site_id)
    host = site.allowed_domains[0]
    notices = [n for n in NOTICES if n["site"] == site_id]
    bodies = {n["path"]: fetch_bytes(host, n["path"]) for n in notices}
    htmls = [
        decode_bytes(body, headers.get("content-type"), site.encoding).text for _, headers, body in bodies.values()
    ]
    template = learn_site_template(htmls, min_pages=min(len(htmls), 5))
    for n in notices:
        _, headers, body = bodies[n["path"]]
        page = PageInput(url=f"http://{host}{n['path']}", body=body, headers=headers, encoding_hint=site.encoding,
                         script_hint=site.script, column=site.column, site_template=template)  # fmt: skip
        with_template = [d.text for d in clean_page(page).documents]
        assert with_template == [d.text for d in _clean(site_id, n["path"]).documents], n["path"]


# -- the clean-page command ------------------------------------------------------------------------
def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """Return (exit status, stdout, stderr) of the clean-page command run through argparse."""
    parser = argparse.ArgumentParser(prog="zhcorpus")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status = args.func(args)
    out, err = capsys.readouterr()
    return status, out, err


CONTRACT_FIELDS = {"path", "encoding", "title", "published_at", "issuer", "doc_number", "attachments",
                   "text", "repairs", "flags"}  # fmt: skip


def test_clean_page_command_prints_the_contract_fields(tmp_path, capsys):
    _, _, body = fetch_bytes("mzj.qingzhou.example", "/tzgg/202406/t20240618_1001.html")
    saved = tmp_path / "t20240618_1001.html"
    saved.write_bytes(body)
    url = "http://mzj.qingzhou.example/tzgg/202406/t20240618_1001.html"
    status, out, err = run_cli(["clean-page", "--url", url, "--site", "qingzhou-mzj", str(saved)], capsys)
    assert status == 0 and not err
    obj = json.loads(out)
    assert CONTRACT_FIELDS <= set(obj)
    assert obj["encoding"] == "gb18030"
    assert obj["title"] == "关于调整2024年全市城乡最低生活保障标准的通知"
    assert obj["published_at"] == "2024-06-18" and obj["doc_number"] == "青民发〔2024〕31号"
    assert obj["attachments"][0]["url"] == "http://mzj.qingzhou.example/tzgg/202406/P0202406180010010001.xls"
    assert "上一篇" not in obj["text"] and "各区县民政局，市直有关单位：" in obj["text"]


def test_clean_page_jsonl_one_object_per_file_and_parts(tmp_path, capsys):
    paths = []
    for host, path in (("www.fanwen.example", "/hdzj/230418.html"), ("www.twswa.example", "/news/detail.asp?id=102")):
        saved = tmp_path / f"{len(paths)}.html"
        saved.write_bytes(fetch_bytes(host, path)[2])
        paths.append(str(saved))
    status, out, _ = run_cli(["clean-page", "--jsonl", *paths], capsys)
    objs = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and [o["path"] for o in objs] == paths
    assert objs[0]["title"] == "社會工作宣傳週活動總結" and len(objs[0]["parts"]) == 3
    assert objs[1]["encoding"] == "cp950" and objs[1]["published_at"] == "2024-03-01"


def test_clean_page_errors_are_one_line(tmp_path, capsys):
    status, out, err = run_cli(["clean-page", str(tmp_path / "missing.html")], capsys)
    assert status == 1 and not out and err.count("\n") == 1 and err.startswith("zhcorpus: error:")
    status, _, err = run_cli(["clean-page", "--site", "no-such-site", str(tmp_path / "x.html")], capsys)
    assert status == 1 and "unknown site" in err

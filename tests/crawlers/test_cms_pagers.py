"""CMS adapters on small pages: detection, TRS createPageHTML, Hanweb jpage windows, JSON APIs, gkmlpt, static."""

from __future__ import annotations

import json

import pytest

from crawlers.cms import PageRequest, detect, parse_list
from crawlers.cms.base import ListPage
from crawlers.cms.hanweb import jpage_config, parse_js_object
from crawlers.cms.static import declared_pages, static_next, url_template
from crawlers.sites import JsonApiRules, ListRules

BASE = "http://mzj.example.gov.cn"
ROWS = (
    '<ul class="list"><li><a href="/tzgg/202603/t20260320_1.html">关于开展社会救助专项检查的通知</a><span>2026-03-20</span></li>'
    '<li><a href="/tzgg/202603/t20260318_2.html">关于公布养老机构等级评定结果的公告</a><span>2026-03-18</span></li></ul>'
)


def page(text: str, url: str = f"{BASE}/tzgg/index.html", **kw) -> ListPage:
    return ListPage(url=url, text=text, allowed_domains=["example.gov.cn"], **kw)


# -- detection ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "url", "adapter"),
    [
        (f'{ROWS}<script>createPageHTML(5, 0, "index", "html");</script>', f"{BASE}/tzgg/index.html", "trs"),
        ("<div id='9'><script type='text/xml'><datastore><recordset></recordset></datastore></script></div>"
         "<script src='/module/web/jpage/jpage.js'></script>", f"{BASE}/col/col1/index.html", "hanweb"),
        ("<script>window._CONFIG = {SID: '200025', TREE: []};</script>", f"{BASE}/gkmlpt/index", "gkmlpt"),
        (json.dumps({"data": {"list": [{"title": "关于x的通知", "url": "/a/1.html"}]}}), f"{BASE}/api/list", "json"),
        (ROWS.replace("202603/t20260320_1", "n1").replace("202603/t20260318_2", "n2") + '<a href="index_1.html">下一页</a>',
         f"{BASE}/tzgg/index.html", "static"),
    ],
)  # fmt: skip
def test_adapter_is_detected_from_the_first_list_page(text, url, adapter):
    assert detect(page(text, url))[0].name == adapter


def test_the_registry_names_the_adapter():
    result = parse_list(page(ROWS + '<a href="index_1.html">下一页</a>'), cms="ucap")
    assert result.adapter == "ucap" and len(result.rows) == 2 and result.next[0].url == f"{BASE}/tzgg/index_1.html"


# -- TRS -----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("script", "url", "next_url", "pages"),
    [
        # page 0 is index.html, page i is index_i.html; countPage pages
        ('createPageHTML(5, 0, "index", "html");', f"{BASE}/tzgg/index.html", f"{BASE}/tzgg/index_1.html", 5),
        ('createPageHTML(5, 3, "index", "html");', f"{BASE}/tzgg/index_3.html", f"{BASE}/tzgg/index_4.html", 5),
        ('createPageHTML(5, 4, "index", "html");', f"{BASE}/tzgg/index_4.html", None, 5),
        # the values from var assignments above the call
        ('var currentPage = 1;//所在页从0开始\nvar countPage = 3//共多少页\ncreatePageHTML(countPage, currentPage, "list", "shtml");',
         f"{BASE}/tzgg/list_1.shtml", f"{BASE}/tzgg/list_2.shtml", 3),
        # the container-id signature: current page counts from 1, page n is prefix_n
        ("createPageHTML('page_div',10, 1,'list','shtml',189);", f"{BASE}/tzgg/list.shtml", f"{BASE}/tzgg/list_2.shtml", 10),
        ("createPageHTML('page_div',10, 10,'list','shtml',189);", f"{BASE}/tzgg/list_10.shtml", None, 10),
    ],
)  # fmt: skip
def test_trs_pager_call(script, url, next_url, pages):
    result = parse_list(page(f"{ROWS}<div class='page'><script>{script}</script></div>", url))
    assert result.adapter == "trs" and result.declared_pages == pages
    assert [r.url for r in result.next] == ([next_url] if next_url else [])


# -- Hanweb ---------------------------------------------------------------------------------------------------------------
JPAGE = (
    "<script>$(document).ready(function(){$('#4455').jpage({themeName:'default',totalRecord:100,dataStore:null,"
    "groupSize:3,proxyUrl:'/module/web/jpage/dataproxy.jsp',perPage:15,barPosition:'bottom',"
    "ajaxParam:{col:1,appid:1,webid:9,path:'/',columnid:7788,sourceContentType:1,unitid:4455,webname:'某市民政局',permissiontype:0}});});</script>"
)


def records(n: int, start: int = 1) -> str:
    rows = "".join(
        f"<record><![CDATA[<li><a href='/art/2026/3/{i % 28 + 1}/art_7788_{i}.html' title='关于第{i}批救助名单的公示'>关于第{i}批救助名单的公示</a><span>2026-03-{i % 28 + 1:02d}</span></li>]]></record>"
        for i in range(start, start + n)
    )
    return f"<datastore><recordset>{rows}</recordset></datastore>"


def test_hanweb_column_page_gives_its_records_and_a_post_for_the_next_window():
    text = f"<div id='4455'><script type='text/xml'>{records(45)}</script></div>{JPAGE}"
    result = parse_list(page(text, f"{BASE}/col/col7788/index.html"))
    assert result.adapter == "hanweb" and len(result.rows) == 45 and result.declared_records == 100
    (nxt,) = result.next
    assert nxt.method == "POST"
    assert nxt.url == f"{BASE}/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"
    form = dict(nxt.form)
    assert form["columnid"] == "7788" and form["unitid"] == "4455" and form["webid"] == "9" and form["col"] == "1"
    assert form["webname"] == "某市民政局" and form["permissiontype"] == "0" and form["sourceContentType"] == "1"
    # the data proxy's answer: its rows, and the next window until totalrecord
    answer = f"<?xml version='1.0'?><datastore><totalrecord>100</totalrecord>{records(45, 46)[11:]}"
    second = parse_list(page(answer, nxt.url, state=result.state, page_no=2))
    assert len(second.rows) == 45 and "startrecord=91&endrecord=135" in second.next[0].url
    last = parse_list(
        page(
            f"<datastore><totalrecord>100</totalrecord>{records(10, 91)[11:]}",
            second.next[0].url,
            state=second.state,
            page_no=3,
        )
    )
    assert len(last.rows) == 10 and last.next == [] and last.declared_pages == 3


def test_jpage_options_from_a_param_variable_or_the_nextgroup_link():
    var = "<script>var param_4455 = {col:1,appid:'1',webid:9,path:'/',columnid:7788,unitid:'4455',permissiontype:0};$('#4455').jpage({totalRecord:30,perPage:10});</script>"
    assert jpage_config(var)["ajaxParam"]["columnid"] == "7788"
    nextgroup = '<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=9&path=/&columnid=7788&unitid=4455&permissiontype=0"></a>]]></nextgroup>'
    assert jpage_config(nextgroup)["ajaxParam"] == {
        "appid": "1",
        "webid": "9",
        "path": "/",
        "columnid": "7788",
        "unitid": "4455",
        "permissiontype": "0",
    }
    obj, _ = parse_js_object("{a:1, 'b':'x,y', c:{d:\"e\"}, f:[1,2], g:fn}", 0)
    assert obj == {"a": "1", "b": "x,y", "c": {"d": "e"}, "f": "[1,2]", "g": "fn"}


# -- JSON APIs and gkmlpt ---------------------------------------------------------------------------------------------------
def test_json_api_fields_and_paging_are_detected():
    body = {"code": 0, "data": {"total": 23, "records": [
        {"id": i, "docTitle": f"关于第{i}项工作的通知", "pubDate": 1767225600000 + i * 86400000, "link": f"/xxgk/{i}.html"}
        for i in range(10)
    ]}}  # fmt: skip
    url = f"{BASE}/api/news?pageNum=1&pageSize=10"
    result = parse_list(page(json.dumps(body, ensure_ascii=False), url, content_type="application/json"))
    assert result.adapter == "json" and len(result.rows) == 10 and result.declared_pages == 3
    assert result.rows[0].title == "关于第0项工作的通知" and result.rows[0].date == "2026-01-01"  # epoch ms, China time
    assert result.next[0].url == f"{BASE}/api/news?pageNum=2&pageSize=10"


def test_json_api_by_registry_rules_with_a_post_form_and_url_template():
    body = {"rows": [{"id": 7, "bt": "关于公示的公告", "fbrq": "2026年3月1日"}], "count": 1}
    rules = JsonApiRules(items="rows", url_template="/art/{id}.html", title="bt", date="fbrq", total="count")
    req = PageRequest(f"{BASE}/api/list", method="POST", form=(("page", "1"), ("size", "1")))
    result = parse_list(page(json.dumps(body, ensure_ascii=False), req.url, json_api=rules, request=req), cms="json")
    (row,) = result.rows
    assert (row.url, row.title, row.date) == (f"{BASE}/art/7.html", "关于公示的公告", "2026-03-01")
    assert result.next == []  # one record in all


def test_gkmlpt_shell_asks_the_api_with_its_sid_and_category():
    shell = "<div id='app'></div><script>window._CONFIG = {SID: '755041', TREE: []};</script>"
    result = parse_list(page(shell, f"{BASE}/gkmlpt/index", entry_url=f"{BASE}/gkmlpt/index#721"))
    assert result.shell and result.rows == []
    assert result.next[0].url == f"{BASE}/gkmlpt/api/all/721?page=1&sid=755041" and result.next[0].page_no == 1
    api = {
        "total": 2,
        "articles": [
            {
                "title": "关于x的通知",
                "url": f"{BASE}/gkmlpt/content/0/963/post_963149.html",
                "created_at": "2026-06-18 16:25:04",
            }
        ],
    }
    rows = parse_list(page(json.dumps(api, ensure_ascii=False), result.next[0].url, state=result.state)).rows
    assert [(r.title, r.date) for r in rows] == [("关于x的通知", "2026-06-18")]


# -- static pagers ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pager", "url", "page_no", "next_url"),
    [
        ('<a href="list_3.html">下一页</a>', f"{BASE}/tzgg/list_2.html", 2, f"{BASE}/tzgg/list_3.html"),
        ('<a href="javascript:void(0)" onclick="location.href=\'list_3.html\'">下一页</a>', f"{BASE}/tzgg/list_2.html", 2, f"{BASE}/tzgg/list_3.html"),
        ('<a href="?page=1">1</a> <span>2</span> <a href="?page=3">3</a> <span>共3页</span>', f"{BASE}/tzgg/?page=2", 2, f"{BASE}/tzgg/?page=3"),
        ('<select onchange="location=this.value"><option value="index.html">1</option><option value="index_2.html">2</option><option value="index_3.html" selected>3</option><option value="index_4.html">4</option></select>',
         f"{BASE}/tzgg/index_3.html", 3, f"{BASE}/tzgg/index_4.html"),
        ('<a href="list.jsp?start=0">1</a><a href="list.jsp?start=20">2</a><a href="list.jsp?start=40">3</a>', f"{BASE}/tzgg/list.jsp?start=20", 2, f"{BASE}/tzgg/list.jsp?start=40"),
        ('<span>共5页</span><a href="javascript:goPage(2)">下一页</a>', f"{BASE}/tzgg/list.jsp?pageNo=1", 1, f"{BASE}/tzgg/list.jsp?pageNo=2"),
        ('<a href="index_2.html">下一篇</a>', f"{BASE}/tzgg/index.html", 1, None),  # the next article, not a page
        ('<span>共3页</span><a href="list_3.html">下一页</a>', f"{BASE}/tzgg/list_3.html", 3, None),  # the last page
    ],
)  # fmt: skip
def test_static_next_page(pager, url, page_no, next_url):
    p = page(f"<html><body>{ROWS}<div class='pages'>{pager}</div></body></html>", url, page_no=page_no)
    found = static_next(p, declared_pages(p)[0])
    assert (found.url if found else None) == next_url


@pytest.mark.parametrize(
    ("text", "pages"),
    [
        ("共12页", 12),
        ("第1/12页", 12),
        ("页次：1/7", 7),
        ("共123条 每页15条", 9),
        ("共3頁", 3),
        ("<script>var totalPage = 4;</script>", 4),
        ("关于2026年共3项工作的说明", None),
    ],
)
def test_declared_pages(text, pages):
    assert declared_pages(page(f"<html><body><div>{text}</div></body></html>"))[0] == pages


def test_url_template_fits_one_growing_number():
    build = url_template([(2, f"{BASE}/a/list_2.html"), (3, f"{BASE}/a/list_3.html"), (1, f"{BASE}/a/index.html")])
    assert build(7) == f"{BASE}/a/list_7.html"
    assert url_template([(1, f"{BASE}/a/1/x.html")]) is None


def test_registry_next_page_selector_overrides_the_pager():
    text = f"{ROWS}<a class='more' href='p2.html'>more</a><script>createPageHTML(5, 0, 'index', 'html');</script>"
    result = parse_list(page(text, rules=ListRules(next_page="a.more")))
    assert [r.url for r in result.next] == [f"{BASE}/tzgg/p2.html"]

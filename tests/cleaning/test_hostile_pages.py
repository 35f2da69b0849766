"""Hostile pages: a bounded property-based fuzz of clean_page and repair_text, and the cost caps that bound what a
page can cost (counted, never timed: CPU figures are in bench/reliability/)."""

from __future__ import annotations

import codecs
import random
import re

import lxml.etree
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaning.decode import mojibake
from cleaning.decode.repair import repair_text
from cleaning.extract import html
from cleaning.extract.html import MAX_ATTRIBUTES, cap_attributes, flatten_nesting, parse_html, text_of
from cleaning.pipeline import PageInput, clean_page

# Generous per-example deadline: inputs are bounded in size and shape, so a healthy example takes milliseconds;
# the deadline only turns a hang into a failure. Examples are fixed (derandomize) so CI runs are repeatable.
FUZZ = settings(
    max_examples=120,
    deadline=30_000,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HAN = "社会工作民政局通知公告开展活动宣传服务机构各区县镇街道居委村年月日一二三的了和與在為會關於"
TEXT = st.text(
    alphabet=HAN + "，。、；：“”（）《》 \n\t0123456789abcXYZ&<>\"'=/\ufffe\uffff\u3000\x00\x0b", max_size=60
)
TAGS = ["div", "p", "span", "table", "tr", "td", "a", "br", "font", "ul", "li", "h1", "title", "script", "style",
        "meta", "iframe", "textarea", "b", "center", "html", "body", "head", "!--", "x:y"]  # fmt: skip
ATTR_NAMES = ["a", "class", "id", "href", "x", "=", "a b"]
ATTR_VALUES = ["", "=", "=x", '="', "='", '=">"', '="<"']
HREFS = ["http://[bad/a.pdf", "//[::1/x.doc", "/a.pdf", "javascript:void(0)", "http://a.example:99999/b.xls",
         "http://%zz/c.doc", "附件.pdf", "http://exa mple.com/d.pdf", ""]  # fmt: skip


@st.composite
def tag_soup(draw) -> str:
    """A page of random nesting, attributes, entities and text: every shape the parser must survive."""
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 9))
        tag = draw(st.sampled_from(TAGS))
        if kind <= 3:
            attrs = " ".join(
                draw(st.sampled_from(ATTR_NAMES)) + draw(st.sampled_from(ATTR_VALUES))
                for _ in range(draw(st.integers(0, 6)))
            )
            parts.append(f"<{tag} {attrs}>")
        elif kind <= 5:
            parts.append(f"</{tag}>")
        elif kind == 6:
            parts.append(f'<a href="{draw(st.sampled_from(HREFS))}">附件{draw(TEXT)}</a>')
        elif kind == 7:
            parts.append(
                draw(st.sampled_from(["&amp;", "&#x4e00;", "&#0;", "&#xD800;", "&bogus;", "&", "&#99999999;"]))
            )
        else:
            parts.append(draw(TEXT))
    flood = draw(st.sampled_from(["", "attrs", "nest", "br", "repeat", "cells"]))
    size = draw(st.integers(1, 3000))
    if flood == "attrs":
        parts.append("<div " + " ".join(f"a{i}=x" for i in range(size)) + ">正文</div>")
    elif flood == "nest":
        parts.append("<div>" * size + "关于开展社会救助工作的通知正文" + "</div>" * size)
    elif flood == "br":
        parts.append("字<br>" * size)
    elif flood == "repeat":
        parts.append("啊" * size * 5)
    elif flood == "cells":
        parts.append("<table>" + "<tr><td>格</td></tr>" * size + "</table>")
    return "".join(parts)


ENCODINGS = ["utf-8", "gb18030", "big5", "utf-16-le", "utf-16-be", "latin-1"]
BOMS = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-8": codecs.BOM_UTF8}
CONTENT_TYPES = [
    None,
    "text/html",
    "text/html; charset=gb2312",
    "text/plain",
    "application/pdf",
    "text/html; charset=x",
]


@st.composite
def hostile_body(draw) -> bytes:
    how = draw(st.integers(0, 3))
    if how == 0:
        return draw(st.binary(max_size=4000))
    page = draw(tag_soup())
    encoding = draw(st.sampled_from(ENCODINGS))
    body = page.encode(encoding, "replace" if encoding != "latin-1" else "ignore")
    if how == 2:
        body = BOMS.get(encoding, b"") + body
    if how == 3 and body:  # cut anywhere, even inside a character
        body = body[: draw(st.integers(0, len(body)))]
    return body


@FUZZ
@given(
    hostile_body(), st.sampled_from(CONTENT_TYPES), st.sampled_from(["http://a.example/t/1.html", "", "http://[bad"])
)
def test_clean_page_survives_any_page(body, content_type, url):
    headers = {"content-type": content_type} if content_type else {}
    result = clean_page(PageInput(url=url, body=body, headers=headers))
    assert result.drop_reason != "internal_error", result.error
    for doc in result.documents:
        doc.text.encode("utf-8")  # storable: no lone surrogate
        assert "\ufffe" not in doc.text


SURROGATE_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)


@st.composite
def damaged_text(draw) -> str:
    """Chinese read in the wrong codec, with bytes lost or dropped, or arbitrary code points (surrogates too)."""
    how = draw(st.integers(0, 3))
    if how == 0:
        return draw(SURROGATE_TEXT)
    clean = draw(st.text(alphabet=HAN + "，。、（）\n", min_size=1, max_size=400))
    data = bytearray(clean.encode(draw(st.sampled_from(["utf-8", "gb18030", "big5"])), "replace"))
    for _ in range(draw(st.integers(0, 8))):
        if data:
            del data[draw(st.integers(0, len(data) - 1))]
    return bytes(data).decode(draw(st.sampled_from(["gb18030", "gbk", "cp1252", "latin-1", "utf-8"])), "replace")


@FUZZ
@given(damaged_text())
def test_repair_text_survives_any_text(text):
    repaired = repair_text(text)
    assert isinstance(repaired.text, str) and isinstance(repaired.flags, list)


# -- cost caps, counted -------------------------------------------------------------------------------------------
def attribute_counts(text: str) -> list[int]:
    """Return the number of attributes of each start tag, as the cap's tokenizer reads them."""
    counts = []
    for m in html._START_TAG.finditer(text):
        counts.append(sum(1 for _ in html._ONE_ATTRIBUTE.finditer(text, m.start("attrs"), m.end("attrs"))))
    return counts


def test_an_attribute_flood_is_cut_to_the_cap_and_keeps_the_text():
    flood = "<html><body><div " + " ".join(f"a{i}=x" for i in range(100_000)) + ">正文</div><p>尾部</p></body></html>"
    notes: list[str] = []
    root = parse_html(flood, notes)
    assert notes == [f"attributes_capped:{100_000 - MAX_ATTRIBUTES}"]
    assert len(root.find(".//div").attrib) == MAX_ATTRIBUTES and text_of(root) == "正文尾部"
    assert max(attribute_counts(cap_attributes(flood))) == MAX_ATTRIBUTES


@pytest.mark.parametrize("extra", [0, 1, 40])
@pytest.mark.parametrize(
    "attribute",
    ["a{i}=x", 'a{i}=">"', "a{i}", 'a{i}="1"/'],  # plain, a quoted >, a bare name, a slash after a quoted value
)
def test_tags_at_the_cap_are_left_alone_and_one_past_it_is_cut(attribute, extra):
    """The page-wide check that skips pages without a flood agrees with the tag-by-tag count at the edge."""
    n = MAX_ATTRIBUTES + extra
    tag = "<div " + " ".join(attribute.format(i=i) for i in range(n)) + ">"
    page = "<p>前文</p>" + "<span a=1 b=2>x</span>" * 50 + tag + "正文</div>"
    notes: list[str] = []
    capped = cap_attributes(page, notes)
    if extra == 0:
        assert capped == page and notes == []
    else:
        assert max(attribute_counts(capped)) == MAX_ATTRIBUTES and notes == [f"attributes_capped:{extra}"]
    in_script = f"<script>var s = '{tag}';</script><p>正文</p>"  # the parser reads no tag there: left alone
    assert cap_attributes(in_script) == in_script


@pytest.mark.parametrize(
    "flood",
    [
        " ".join(f'a{i}=">"' for i in range(5000)),  # a quoted > does not end the tag
        "".join(f'a{i}=x"y b{i}="> ' for i in range(3000)),  # quotes inside an unquoted value start nothing
        "/".join(f"a{i}" for i in range(5000)),  # slashes separate attributes
        "".join(f'a{i}="1"' for i in range(5000)),  # no space needed after a quoted value
    ],
)
def test_the_cap_reads_tags_as_the_parser_does(flood):
    page = f"<div {flood}>正文</div>"
    capped = cap_attributes(page)
    assert max(attribute_counts(capped)) <= MAX_ATTRIBUTES
    root = lxml.etree.fromstring(capped, lxml.etree.HTMLParser(recover=True))
    div = root.find(".//div")  # None when the tag never ends (an unterminated quote runs to the end)
    assert div is None or len(div.attrib) <= MAX_ATTRIBUTES


ATTRIBUTE_NAME = re.compile(r"[\t\n\f\r /]*((?:=|[^\t\n\f\r /=>])[^\t\n\f\r />=]*)")


def test_the_cap_agrees_with_libxml2_on_random_tags():
    """Differential check: the cap's tokenizer counts the attributes libxml2 keeps (distinct names), on random tags."""
    rnd = random.Random(10)
    alphabet = ["a", "b", "=", '"', "'", " ", "\t", "\n", "/", ">", "<", "x", "\u3000", "-", "`", "&", "\x0c", "\r"]
    for _ in range(3000):
        page = "<div " + "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))) + ">T</div>"
        m = html._START_TAG.match(page)
        names = [
            ATTRIBUTE_NAME.match(a.group(0)).group(1).lower()
            for a in html._ONE_ATTRIBUTE.finditer(page, m.start("attrs"), m.end("attrs"))
        ]
        root = lxml.etree.fromstring("<html><body>" + page + "</body></html>", lxml.etree.HTMLParser(recover=True))
        div = root.find(".//div")
        if div is not None:
            assert len(div.attrib) == len(set(names)), repr(page)  # libxml2 keeps the first of duplicates


def test_attributes_inside_scripts_and_comments_are_left_alone():
    script = "<script>for(i=0;i<n;i++){" + " x" * 2000 + "}</script><p>正文</p>"
    comment = "<!-- <div " + " a" * 2000 + " --><p>正文</p>"
    for page in (script, comment):
        notes: list[str] = []
        assert text_of(parse_html(f"<html><body>{page}</body></html>", notes)).endswith("正文")
        assert notes == []


def tree_depth(root) -> int:
    depth = deepest = 0
    for event, _ in lxml.etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


@pytest.mark.parametrize("depth", [254, 300, 5_000, 50_000])
def test_deep_nesting_keeps_its_text(depth):
    page = "<html><body><p>头</p>" + "<div>" * depth + "正文" + "</div>" * depth + "<p>尾部</p></body></html>"
    notes: list[str] = []
    root = parse_html(page, notes)
    assert text_of(root) == "头正文尾部"
    assert notes == (["nesting_flattened"] if depth > 254 else [])
    assert tree_depth(root) <= 256 and len(root.findall(".//br")) <= 2


def test_deep_nesting_through_the_whole_pipeline_keeps_its_text():
    text = "关于开展社会救助工作的通知，各区县民政局要认真落实，确保困难群众基本生活。"
    for page in (
        "<div>" * 5000 + f"<p>{text}</p>" + "</div>" * 5000,
        "<table><tr><td>" * 100 + text + "</td></tr></table>" * 100,  # 400 levels of layout tables
    ):
        result = clean_page(
            PageInput(url="http://a.example/1.html", body=f"<html><body>{page}</body></html>".encode(), headers={})
        )
        assert result.drop_reason is None and text in result.documents[0].text
        assert "nesting_flattened" in result.flags


def test_flattening_keeps_lines_apart_and_scripts_closed():
    page = "<div>" * 10 + "<p>一</p><p>二</p><script>var s='<div>';</script><p>三</p>" + "</div>" * 10
    flat = flatten_nesting(page, max_depth=3)
    root = lxml.etree.fromstring(flat, lxml.etree.HTMLParser(recover=True))
    assert [t.strip() for t in root.itertext() if t.strip() and "var" not in t] == ["一", "二", "三"]


def test_control_characters_in_a_script_never_reach_the_tree():
    """libxml2 keeps them in a script's text; setting that text back (meta reads around scripts) used to raise."""
    page = "<html><body><script>var a='\x14\x06\x1b';</script><p>各区县民政局：现将有关事项通知如下，请认真落实。</p></body></html>"
    result = clean_page(PageInput(url="http://a.example/1.html", body=page.encode(), headers={}))
    assert result.drop_reason is None, result.error


def test_noncharacters_never_reach_the_tree():
    page = "<html><body><div class='nav'>首页</div>\ufffe\uffff<p>各区县民政局：现将有关事项通知如下，请认真落实。</p></body></html>"
    result = clean_page(PageInput(url="http://a.example/1.html", body=page.encode(), headers={}))
    assert result.drop_reason is None and "\ufffe" not in result.documents[0].text


def test_a_malformed_link_costs_the_link_not_the_page():
    page = (
        "<html><body><h1>关于开展社会救助工作的通知</h1><p>各区县民政局：现将有关事项通知如下，请认真落实。</p>"
        '<p><a href="http://[bad/a.pdf">附件1.pdf</a> <a href="/b.doc">附件2.doc</a></p></body></html>'
    )
    result = clean_page(PageInput(url="http://a.example/t/1.html", body=page.encode(), headers={}))
    assert result.drop_reason is None
    assert [a["url"] for a in result.documents[0].attachments] == ["http://a.example/b.doc"]


def guessing_work(text: str) -> tuple[float, mojibake.GuessBudget]:
    """Return (units spent, the budget) when text's lost bytes are guessed under its default budget."""
    budget = mojibake.GuessBudget.for_text(text)
    start = budget.left
    mojibake.fix_utf8_as_gbk(text, budget)
    return start - budget.left, budget


def test_lost_byte_guessing_stops_at_its_budget():
    damaged = random.Random(2).randbytes(20_000).decode("utf-8", "replace")  # random bytes: gaps everywhere
    spent, budget = guessing_work(damaged)
    allowed = mojibake.GUESS_WORK_BASE + mojibake.GUESS_WORK_PER_CHAR * len(damaged)
    widest_gap = mojibake.TRY_UNITS * 110 * 110 + mojibake.SCORE_UNITS * 110 * 110  # two lost bytes: every pair
    assert budget.skipped > 0 and spent <= allowed + widest_gap
    assert any(f.startswith("lost_byte_guesses_capped:") for f in repair_text(damaged).flags)


def test_a_damaged_notice_is_guessed_in_full_within_the_budget():
    notice = "关于开展社会救助工作的通知，各区民政局要认真落实相关政策，确保困难群众基本生活得到保障。" * 6
    damaged = notice.encode("utf-8").decode("gbk", "replace")
    spent, budget = guessing_work(damaged)
    assert budget.skipped == 0 and spent > 0
    assert repair_text(damaged).text == notice


@pytest.mark.parametrize("newlines", [False, True])
def test_a_long_utf8_run_in_a_gbk_page_is_looked_at_a_bounded_number_of_times(newlines, monkeypatch):
    """Each candidate pair of UTF-8 characters used to regrow the whole stretch around it: quadratic (a 300 KB
    run took minutes). A stretch is looked at once, and a text node past FRAGMENT_MAX_CHARS not at all."""
    from cleaning.decode import encoding

    calls = []
    real = encoding._utf8_fragment
    monkeypatch.setattr(encoding, "_utf8_fragment", lambda *a: calls.append(a[1]) or real(*a))
    gbk = ("关于开展社会救助工作的通知，各区县民政局要认真落实。" * 40).encode("gbk")
    run = ("各街道办事处要认真组织实施" * 60).encode("utf-8")  # 2,340 bytes of UTF-8 per line
    lines = [run] * 40
    body = b"<html><body><p>" + gbk + b"</p><p>" + (b"\n" if newlines else b"").join(lines) + b"</p></body></html>"
    decoded = encoding.decode_bytes(body)
    assert decoded.encoding == "gb18030"
    pairs = len(encoding._utf8_pair_starts(body))
    assert pairs > 5_000 and len(calls) <= 20 * len(lines if newlines else [1])
    if newlines:  # short nodes: each line's run is still found and read as UTF-8
        assert decoded.evidence.get("mixed_fragments") == len(lines)

"""Per-site templates (cleaning/templates.py): learning recurring lines, and applying them safely."""

from __future__ import annotations

import json

import pytest

from cleaning.extract.html import parse_html
from cleaning.extract.templates import (
    TEMPLATE_VERSION,
    apply_site_template,
    block_fingerprint,
    block_protected,
    drop_template_blocks,
    learn_site_template,
    line_fingerprint,
    merge_templates,
    template_digest,
)
from cleaning.pipeline import PageInput, clean_page

PARA = "为进一步弘扬社会工作专业精神，提升社会工作的社会认同，营造社会工作事业发展的良好氛围，现将有关事项通知如下。"
# Chrome no anchor rule knows: only its recurrence across the site's pages gives it away.
SITE_PROMO = "青禾社工微课堂每周三晚八点直播"


def site_page(k: int) -> str:
    return (
        f"<html><head><title>通知{k}_测试协会</title></head><body><div class='main'>"
        f"<p>{SITE_PROMO}</p><p>各会员单位：</p><p>第{k}项：{PARA}</p><p>一、工作要求</p><p>{PARA[::-1]}。</p>"
        f"<p>特此通知。</p><p>测试市社会工作协会</p><p>2024年{k % 12 + 1}月{k % 28 + 1}日</p>"
        f"<p>{SITE_PROMO}</p></div></body></html>"
    )


PAGES = [site_page(k) for k in range(8)]


def test_fingerprint_folds_digits_and_spaces():
    assert line_fingerprint("浏览次数：128") == line_fingerprint("浏览次数： 7")
    assert line_fingerprint("浏览次数：128") != line_fingerprint("点击：128")


def test_learn_is_json_and_counts_pages():
    template = learn_site_template(PAGES)
    assert json.loads(json.dumps(template)) == template
    assert template["pages"] == 8 and template["version"] == TEMPLATE_VERSION
    assert template["lines"][line_fingerprint(SITE_PROMO)] == 8
    assert SITE_PROMO in template["examples"].values()


def test_learn_needs_min_pages():
    assert learn_site_template(PAGES[:4])["lines"] == {}
    assert learn_site_template(PAGES[:4], min_pages=3)["lines"]


def test_learn_accepts_candidate_lines():
    pages = [[SITE_PROMO, PARA[k:]] for k in range(5)]
    template = learn_site_template(pages)
    assert list(template["examples"].values()) == [SITE_PROMO]


def test_clean_page_with_template_drops_site_chrome_and_keeps_the_notice():
    template = learn_site_template(PAGES)
    page = site_page(3).encode("utf-8")
    without = clean_page(PageInput(url="http://a.example/3.html", body=page, headers={})).documents[0].text
    with_t = (
        clean_page(PageInput(url="http://a.example/3.html", body=page, headers={}, site_template=template))
        .documents[0]
        .text
    )
    assert SITE_PROMO in without
    assert SITE_PROMO not in with_t
    # Recurring, but the notice's own: salutation, heading inside the text, closing, signature, date.
    for line in ("各会员单位：", "一、工作要求", "特此通知。", "测试市社会工作协会", "2024年4月4日"):
        assert line in with_t.splitlines()


@pytest.mark.parametrize(
    ("lines", "kept"),
    [
        # a recurring line inside the text (between its first and last sentences) always stays
        ([PARA, "本站提示", PARA], [PARA, "本站提示", PARA]),
        # lead and tail copies go; the signature above a date stays
        (
            ["本站提示", PARA, "测试市社会工作协会", "2024年3月5日", "本站提示"],
            [PARA, "测试市社会工作协会", "2024年3月5日"],
        ),  # noqa: E501
        # numbered headings and salutations are protected even in the lead
        (["各会员单位：", "一、工作要求", PARA], ["各会员单位：", "一、工作要求", PARA]),
    ],
)
def test_apply_only_acts_on_lead_and_tail(lines, kept):
    recurring = ["本站提示", "各会员单位：", "一、工作要求", "测试市社会工作协会", "2024年3月5日"]
    template = learn_site_template([recurring] * 5)
    assert apply_site_template(lines, template)[0] == kept


def test_apply_without_template_or_other_version_is_identity():
    assert apply_site_template(["a", "b"], None) == (["a", "b"], 0)
    template = learn_site_template([["a"]] * 5) | {"version": 99}
    assert apply_site_template(["a", "b"], template) == (["a", "b"], 0)


def test_merge_keeps_active_template_over_thin_refresh():
    good = learn_site_template(PAGES)
    thin = learn_site_template(PAGES[:2])
    assert merge_templates(good, thin) == good
    assert merge_templates(good, learn_site_template(PAGES[:6]))["pages"] == 6
    assert merge_templates(None, thin) == thin


def test_template_digest_follows_dropped_lines_not_counts() -> None:
    pages = [["当前位置：首页 > 通知公告", f"第{i}条通知正文。", "版权所有：青州市民政局"] for i in range(6)]
    template = learn_site_template(pages)
    assert template_digest(template) != ""
    more = learn_site_template(pages + pages[:2])
    assert more["pages"] != template["pages"]
    assert template_digest(more) == template_digest(template)
    other = learn_site_template([[*page, "友情链接"] for page in pages])
    assert template_digest(other) != template_digest(template)
    assert template_digest(None) == template_digest(learn_site_template(pages[:2])) == ""


# -- blocks ------------------------------------------------------------------------------------------
NOTICE = [
    "为进一步弘扬社会工作专业精神，提升社会工作的社会认同，现将有关事项通知如下。",
    "各单位要结合实际制定活动方案，确保宣传周活动取得实效，并于月底前报送总结材料。",
    "活动期间各单位应加强安全管理，做好疫情防控和应急处置预案，确保活动安全有序。",
]
# Chrome no anchor rule, link-density test or line template catches: full sentences, inside the content
# container, at a different place on each page and in a different markup (paragraphs or <br> lines).
BOX = ("青禾社工微课堂每周三晚八点直播，欢迎会员报名参加。", "课程回放可在会员中心查看，名额有限，先到先得。")
SIDEBAR = (
    "<div class='side'><h3>会员服务指南</h3>"
    "<p><a href='/join'>会员入会申请</a>：填写入会申请表并提交单位资质材料。</p>"
    "<p><a href='/cpd'>继续教育学时</a>：每年不少于二十四学时，可在线登记。</p></div>"
)


def box_page(k: int) -> str:
    box = "".join(f"<p>{x}</p>" for x in BOX) if k % 2 else "<br/>".join(BOX)
    paras = [f"<p>第{k + 1}期：{NOTICE[0]}</p>", *(f"<p>{x}</p>" for x in NOTICE[1:])]
    paras.insert(k % 4, f"<div class='promo box'>{box}</div>")  # before, between or after the paragraphs
    paras.insert((k + 2) % 4, SIDEBAR)
    return (
        f"<html><head><title>第{k + 1}期通知_测试协会</title></head><body><div class='main'>"
        f"<p>各会员单位：</p>{''.join(paras)}<p>特此通知。</p><p>测试市社会工作协会</p>"
        f"<p>2024年{k % 12 + 1}月{k % 28 + 1}日</p></div></body></html>"
    )


BOX_PAGES = [box_page(k) for k in range(8)]


def clean_text(html: str, template: dict | None) -> str:
    page = PageInput(url="http://a.example/n.html", body=html.encode("utf-8"), headers={}, site_template=template)
    return clean_page(page).documents[0].text


def test_recurring_blocks_go_wherever_they_stand_and_the_notice_stays():
    template = learn_site_template(BOX_PAGES)
    assert template["blocks"] and template_digest(template)
    lines_only = template | {"blocks": {}}
    for k in (0, 1, 2, 5):
        without = clean_text(BOX_PAGES[k], None)
        assert BOX[0] in without and "会员入会申请" in without  # nothing else catches them
        assert BOX[0] in clean_text(BOX_PAGES[k], lines_only)  # lines inside the text: not for line templates
        text = clean_text(BOX_PAGES[k], template)
        assert BOX[0] not in text and BOX[1] not in text and "会员服务指南" not in text and "会员入会申请" not in text
        lines = text.splitlines()
        for line in ("各会员单位：", *NOTICE[1:], "特此通知。", "测试市社会工作协会", f"2024年{k + 1}月{k + 1}日"):
            assert line in lines


def test_block_fingerprint_folds_spaces_digits_and_inner_markup():
    one = parse_html("<div class='b a' id='x1'><p>课程 回放</p><p>第3期</p></div>").find(".//div")
    two = parse_html("<div class='a b' id='x2'>课程回放<br/>第12期</div>").find(".//div")
    other = parse_html("<div class='c'>课程回放<br/>第12期</div>").find(".//div")
    assert block_fingerprint(one) == block_fingerprint(two) != block_fingerprint(other)
    assert block_fingerprint(parse_html("<p>附件：</p>").find(".//p")) is None  # too short to tell apart


@pytest.mark.parametrize(
    ("html", "protected"),
    [
        ("<div class='s'><p>测试市社会工作协会</p></div><p>2024年3月5日</p>", True),  # signature above a date
        ("<div class='s'><p>各会员单位：</p><p>请按时报送材料</p></div>", True),  # salutation
        ("<div class='s'><p>一、工作要求</p><p>按时报送</p></div>", True),  # numbered heading
        ("<div class='s'><p>发文日期 2024-03-05 备案</p></div>", True),  # a date
        (f"<div class='s'><p>{NOTICE[0] * 8}</p></div>", True),  # long text
        ("<div class='s'><p>青禾社工微课堂每周三晚八点直播</p></div>", False),
        # a list of links with dates is navigation: its dates don't protect it
        ("<div class='s'><p><a href='/1'>关于开展评估工作的通知</a> 2024-03-05</p></div>", False),
    ],
)
def test_block_protection(html: str, protected: bool):
    block = parse_html(f"<html><body>{html}</body></html>").find(".//div[@class='s']")
    assert block_protected(block, block.xpath("string()")) is protected


def test_drop_template_blocks_needs_this_version_and_keeps_tails():
    template = learn_site_template(BOX_PAGES)
    root = parse_html("<html><body><div class='promo box'>" + "".join(BOX) + "</div>尾巴文字</body></html>")
    assert drop_template_blocks(root, template | {"version": TEMPLATE_VERSION - 1}) == 0
    assert drop_template_blocks(root, template) == 1
    assert root.find(".//div") is None and "尾巴文字" in root.xpath("string()")


def test_template_digest_follows_blocks() -> None:
    template = learn_site_template(BOX_PAGES)
    assert template_digest(learn_site_template(BOX_PAGES + BOX_PAGES[:3])) == template_digest(template)
    assert template_digest(template | {"blocks": {}}) != template_digest(template)
    blocks_only = template | {"lines": {}}
    assert template_digest(blocks_only) != ""
    assert merge_templates(blocks_only, learn_site_template(BOX_PAGES[:2])) == blocks_only

"""Per-site templates (cleaning/templates.py): learning recurring lines, and applying them safely."""

from __future__ import annotations

import json

import pytest

from cleaning.pipeline import PageInput, clean_page
from cleaning.templates import (
    apply_site_template,
    learn_site_template,
    line_fingerprint,
    merge_templates,
    template_digest,
)

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
    assert template["pages"] == 8 and template["version"] == 1
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

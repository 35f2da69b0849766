"""Main-block choice that cannot collapse: each page shape that made extraction keep a box, a comment or the
footer instead of the article (or keep the whole page) holds its article, and only it."""

from __future__ import annotations

from cleaning.extract.blocks import max_stretch
from cleaning.extract.boilerplate import extract_content
from cleaning.extract.html import parse_html

SENTENCES = [
    "为进一步弘扬社会工作专业精神，提升社会工作的社会认同，营造社会工作事业发展的良好氛围，现将有关事项通知如下。",
    "各区县民政局要结合本地实际制定工作方案，明确责任分工，确保各项任务落到实处。",
    "社区社会工作服务站要发挥专业优势，为困难群众、老年人、儿童等群体提供精准服务。",
    "活动期间，各地要通过多种形式广泛宣传社会工作的理念和方法，扩大社会工作的影响力。",
    "请各单位于六月底前将活动开展情况报送市民政局社会工作科，联系电话另行通知。",
    "对工作中涌现出的先进典型，市民政局将适时组织总结推广，推动社会工作高质量发展。",
]
NAV = "".join(f'<li><a href="/c{i}/">栏目{i}</a></li>' for i in range(12))
HEADER = f'<div class="top"><ul>{NAV}</ul></div>'
FOOTER = '<div class="ft"><p>主办单位：青州市民政局 地址：中山路1号 电话：0536-1234567</p><p>版权所有 © 2024 鲁ICP备12345678号</p></div>'
TITLE = "关于开展社会工作主题宣传活动的通知"


def page(main: str, side: str = "", head: str = f"<title>{TITLE}_青州市民政局</title>") -> str:
    return f"<html><head>{head}</head><body>{HEADER}<div class='w'>{main}</div><div class='s'>{side}</div>{FOOTER}</body></html>"


def lines_of(html: str) -> list[str]:
    return extract_content(parse_html(html)).lines


def linked(sentence: str, every: int = 3) -> str:
    """Return a sentence with every n-th pair of characters in a link (a wiki paragraph)."""
    parts = [sentence[i : i + 2] for i in range(0, len(sentence), 2)]
    return "".join(f'<a href="/w/{p}">{p}</a>' if i % every == 0 else p for i, p in enumerate(parts))


def test_max_stretch_finds_the_best_run():
    assert max_stretch([-1.0, 5.0, -2.0, 4.0, -9.0, 3.0]) == (1, 4, 7.0)
    assert max_stretch([-1.0, -2.0]) == (0, 0, 0.0)


def test_a_wiki_box_never_replaces_a_link_rich_article():
    box = "本条目需要补充更多来源。请协助添加可靠来源以改善这篇条目，无法查证的内容可能会因为异议而被移除。"
    toc = "".join(f'<li><a href="#s{i}">{i} 章节{i}</a></li>' for i in range(8))
    body = "".join(
        f"<h2>章节{i}<span>[<a href='?edit={i}'>编辑</a>]</span></h2><p>{linked(s)}</p>"
        for i, s in enumerate(SENTENCES)
    )
    refs = "".join(f'<li>^ <a href="/r{i}">参考文献标题{i}</a>. 2024-05-0{i}.</li>' for i in range(1, 9))
    lines = lines_of(page(f"<table><tr><td>{box}</td></tr></table><div><ul>{toc}</ul></div>{body}<ol>{refs}</ol>"))
    assert all(s in lines for s in SENTENCES)
    assert not any("本条目" in line for line in lines)


def test_one_long_comment_never_replaces_an_article_among_menus():
    comment = "网友老李：" + "这个通知出得很及时，我们社区的老年人都盼着这样的服务，希望各部门抓紧落实。" * 3
    menus = "".join(f"<div><ul>{NAV}</ul></div><p>{s}</p>" for s in SENTENCES)
    lines = lines_of(page(f"<div>{menus}</div>", side=f"<div><p>{comment}</p></div>"))
    assert all(s in lines for s in SENTENCES)
    assert comment not in lines


def test_a_comment_section_that_outweighs_the_article_is_not_text():
    items = "".join(
        f'<div class="it"><span>网友{i}</span> <span>3小时前</span><p>{SENTENCES[i % 6]}{SENTENCES[(i + 1) % 6]}</p>'
        f"<a>回复</a> <a>赞({i})</a></div>"
        for i in range(12)
    )
    article = f"<p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p>"
    lines = lines_of(page(f"{article}<div class='box'><div class='hd'><h3>网友评论（12）</h3></div>{items}</div>"))
    assert lines == SENTENCES[:2]


def test_a_comment_heading_after_the_paragraphs_takes_the_comments_with_it():
    comments = "".join(f"<p>网友{i}：{SENTENCES[i]}</p>" for i in range(4))
    lines = lines_of(page(f"<div><p>{SENTENCES[4]}</p><p>{SENTENCES[5]}</p><p><b>热门跟帖</b></p>{comments}</div>"))
    assert lines == SENTENCES[4:]


def test_a_comment_policy_box_is_not_text():
    policy = (
        "评论须知：请遵守国家有关法律法规，尊重网上道德，承担一切因您的行为而直接或间接引起的法律责任。网友评论仅供其表达"
        "个人看法，并不表明本网同意其观点或证实其描述，请文明上网、理性发言。"
    )
    lines = lines_of(
        page("".join(f"<p>{s}</p>" for s in SENTENCES[:3]) + f"<div><p>{policy}</p><textarea></textarea></div>")
    )
    assert lines == SENTENCES[:3]


def test_a_list_formatted_article_of_linked_sentences_stays_whole():
    items = [f"第{i}项：{SENTENCES[i % 6]}" for i in range(143)]
    lis = "".join(f'<li><a href="/p/{i}.html">{item}</a></li>' for i, item in enumerate(items))
    lines = lines_of(page(f"<p>{SENTENCES[0]}</p><p><strong>推荐阅读：以下143项</strong></p><ol>{lis}</ol>"))
    assert lines[-143:] == items


def test_the_footer_never_stands_for_a_short_notice():
    notice = (
        "经研究，定于5月10日上午9时在市民政局三楼会议室召开全市养老服务工作推进会，请各区县民政局分管负责同志参加。"
    )
    side = "".join(f"<div><h3>热点{i}</h3><ul>{NAV}</ul></div>" for i in range(3))
    lines = lines_of(page(f"<h1>{TITLE}</h1><div><p>{notice}</p></div>", side=side))
    assert lines == [notice]


def test_nothing_dense_falls_back_to_the_title_region_not_the_whole_page():
    names = [
        f"{n} {g} 文昌街道"
        for n, g in zip("张三 李四 王五 赵六 孙七 周八 吴九 郑十 冯一 陈二".split(), "男女" * 5, strict=True)
    ]
    main = f"<div class='art'><h1>{TITLE}</h1><div>{''.join(f'<p>{x}</p>' for x in names)}</div></div>"
    lines = lines_of(page(main, side=f"<ul>{NAV}</ul>"))
    assert lines == names
    assert not any("栏目" in line or "版权所有" in line for line in lines)


def test_a_name_list_after_a_short_intro_stays_whole():
    names = [
        f"{n} {g} 第{i}社区"
        for i, (n, g) in enumerate(
            zip("张三 李四 王五 赵六 孙七 周八 吴九 郑十 冯一 陈二 褚三 卫四".split(), "男女" * 6, strict=True)
        )
    ]
    lines = lines_of(page(f"<p>{SENTENCES[0]}</p>" + "".join(f"<p>{x}</p>" for x in names)))
    assert lines == [SENTENCES[0], *names]


def test_a_forum_thread_keeps_its_posts_not_the_profile_panels():
    posts = "".join(
        f'<table class="pl"><tr><td class="u"><div><a>老李头{i}</a></div><dl><dt>帖子</dt><dd>{i}98</dd><dt>积分</dt>'
        f"<dd>{i}108</dd><dt>注册时间</dt><dd>2024-06-1{i}</dd></dl></td><td><div>楼主 发表于 2024-05-1{i} 12:30 | "
        f"<a>只看该作者</a></div><div>{SENTENCES[i]}</div><div><a>回复</a> <a>引用</a> <a>举报</a></div></td></tr></table>"
        for i in range(4)
    )
    lines = lines_of(page(posts))
    assert lines == SENTENCES[:4]


def test_teaser_blocks_beside_the_article_are_not_text():
    teasers = "".join(
        f'<div class="t"><h4><a href="/t{i}.html">要闻标题第{i}条消息</a></h4><p>{SENTENCES[i % 6]}<a href="/t{i}.html">[详细]</a></p></div>'
        for i in range(9)
    )
    lines = lines_of(page("".join(f"<p>{s}</p>" for s in SENTENCES[:2]), side=f"<div><h3>热点新闻</h3>{teasers}</div>"))
    assert lines == SENTENCES[:2]


def test_comments_without_a_heading_after_the_article_are_not_text():
    items = "".join(
        f'<div class="c"><div><span>网友{i}</span> <span>{i + 1}小时前</span></div><div>{SENTENCES[i % 6]}{SENTENCES[(i + 2) % 6]}</div>'
        f"<div><a>回复</a> <a>赞({i})</a></div></div>"
        for i in range(10)
    )
    lines = lines_of(page(f"<div><p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p></div><div class='x'>{items}</div>"))
    assert lines == SENTENCES[:2]


def test_a_forum_threads_posts_are_not_taken_for_comments():
    posts = "".join(
        f"<div class='p'><div><a>老李头{i}</a> 发表于 2024-05-1{i} 12:30</div><div>{SENTENCES[i]}</div><div><a>回复</a> <a>举报</a></div></div>"
        for i in range(4)
    )
    assert lines_of(page(posts)) == SENTENCES[:4]


def test_text_right_in_the_body_renders_its_stretch_not_the_teasers_beside_it():
    teasers = "".join(
        f"<div><h4><a href='/t{i}.html'>要闻标题第{i}条消息</a></h4><p>{SENTENCES[(i + 3) % 6]}<a href='/t{i}.html'>[详细]</a></p></div>"
        for i in range(8)
    )
    html = (
        f"<html><head><title>{TITLE}</title></head><body>{HEADER}<h1>{TITLE}</h1><p>各区县民政局：</p>"
        + "".join(f"<p>{s}</p>" for s in SENTENCES[:3])
        + f"<p>青州市民政局</p><p>2024年3月5日</p><div class='side'><h3>热点新闻</h3>{teasers}</div>{FOOTER}</body></html>"
    )
    assert lines_of(html) == ["各区县民政局：", *SENTENCES[:3], "青州市民政局", "2024年3月5日"]

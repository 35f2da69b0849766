"""The list layouts the list-walk benchmark scores the crawler on, split once into tuned and held-out sets.

TUNED layouts were looked at while writing the row detector and the pagers. HELD_OUT layouts were written
before any list rule existed and are only run for the final figures; never tune on them. Each varies row
markup, date format, title truncation, pinned rows, pager and CMS family (fixtures/standin.py renders them).
"""

from __future__ import annotations

from fixtures.standin import Layout

TUNED: list[Layout] = [
    Layout("static-ul-next", pager="next", row="ul_span", date_format="iso"),
    Layout("static-table-full", pager="full", row="table_3td", date_format="cn", detail_url="trs", pinned=1),
    Layout("trs-js-ul", pager="trs_js", row="ul_span", date_format="md_brackets", detail_url="trs", truncate=20),
    Layout("hanweb-post-ul", pager="hanweb", row="ul_span", date_format="iso", detail_url="hanweb"),
    Layout("json-api", pager="json", detail_url="plain", per_page=10),
    Layout("static-div-select", pager="select", row="div_item", date_format="slash", detail_url="shtml"),
    Layout("gkmlpt", pager="gkmlpt", detail_url="gkmlpt", per_page=20),
    Layout(
        "static-ol-query", pager="numbered_query", row="ol_em", date_format="dot", detail_url="query", detail_date=False
    ),
]

HELD_OUT: list[Layout] = [
    Layout(
        "ho-trs-div-signature",
        pager="trs_js_div",
        row="ul_date_first",
        date_format="datetime",
        detail_url="shtml",
        pinned=2,
        split_every=5,
    ),
    Layout(
        "ho-hanweb-table-records",
        pager="hanweb",
        row="table_3td",
        date_format="cn_padded",
        detail_url="hanweb",
        truncate=18,
    ),
    Layout("ho-static-bracket-index", pager="index_n", row="ul_bracket", date_format="md_brackets", detail_url="trs"),
    Layout("ho-static-dl-query", pager="numbered_query", row="dl", date_format="cn", pinned=1, detail_date=False),
    Layout(
        "ho-xxgk-table-next", pager="next", row="table_xxgk", date_format="dot", detail_url="query", title_attr=False
    ),
    Layout("ho-cards-full", pager="full", row="card", date_format="datetime", detail_url="shtml", per_page=10),
    Layout("ho-plines-select-gbk", pager="select", row="p_lines", date_format="slash", encoding="gbk", per_page=20),
    Layout(
        "ho-trs-in-link",
        pager="trs_js",
        row="ul_in_link",
        date_format="iso",
        detail_url="trs",
        truncate=16,
        detail_date=False,
    ),
    Layout("ho-json-20", pager="json", detail_url="hanweb", per_page=20),
]

# STRESS layouts were written after the held-out figures were taken (so they are not held out): the hard cases
# a demanding user would try next. A short list beside a longer dated hot box, many pinned rows in split blocks,
# cut titles without a title attribute (the list cannot give the full title: wrong titles are expected), no
# page chrome at all, lists without any dates, very long pages.
STRESS: list[Layout] = [
    Layout("stress-few-rows-beside-hot-box", pager="next", row="ul_span", date_format="iso", per_page=20),
    Layout("stress-pinned-split", pager="full", row="ul_date_first", date_format="cn", pinned=3, split_every=4),
    Layout("stress-cut-titles-no-attr", pager="next", row="ul_span", truncate=14, title_attr=False),
    Layout("stress-bare-page", pager="index_n", row="p_lines", date_format="dot", chrome=False),
    Layout("stress-no-dates", pager="numbered_query", row="div_item", date_format="none"),
    Layout("stress-long-pages", pager="trs_js", row="table_xxgk", date_format="iso", per_page=40, detail_url="trs"),
]
# Notices per stress site where the default does not make the case (a single short page).
STRESS_NOTICES = {"stress-few-rows-beside-hot-box": 12}

"""The page's own 文号 (发文字号) and its 索引号, kept apart.

A 文号 is found under its labels (文号, 发文字号, 字号, ...) anywhere in the header zone or a 信息公开 table, bare in a
short line under the title, or at the end of a heading. Numbers inside the text (根据《…》（民发〔2020〕1号）) are
other documents' and never taken.
"""

from __future__ import annotations

import re

# 青民发〔2024〕12号 / 民发[2020]1号 / 民电【2017】29号 / 桂社协发【2020】 3号 / 国办发明电﹝2020﹞1号
DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[【［(（﹝]\s*(?:19|20)\d{2}\s*[〕\]】］)）﹞]\s*第?\s*\d{1,5}\s*[号號]"
)  # noqa: E501
# Labels of the 文号, each with what it matches (字号 alone is also the font-size control 字号：大 中 小; the value
# must then be a 文号, which the font control never is).
DOC_NUMBER_LABELS: tuple[str, ...] = (
    r"发文字号|發文字號",  # gov.cn / 信息公开 tables: 发文字号：国办发〔2024〕1号
    r"发文文号|文件编号|文件字号|文件文号",  # 文件编号：青民发〔2024〕3号
    r"文\s*号|文\s*號",  # 文号：青民发〔2024〕31号 (also 文　号：)
    r"字\s*号|字\s*號",  # gkmlpt-style tables: 字号：青民函〔2024〕7号
)
_DOC_LABEL = re.compile(r"(?:" + "|".join(DOC_NUMBER_LABELS) + r")\s*[:：]\s*")
# 索引号：11370781MB1H24567X/2024-00123, 索 引 号：000014349/2024-00222
INDEX_LABEL = re.compile(r"索\s*引\s*号\s*[:：]\s*([0-9A-Za-z][0-9A-Za-z\-/_.]{4,50})")
BARE_LINE_SHARE = 0.7  # a line under the title is the 文号 when the number is most of it
HEAD_LINES = 5  # the lines under the title that may hold a bare 文号
_SPACES = re.compile(r"\s+")
_CLOSERS = "）)】]」』"


def _compact(number: str) -> str:
    return _SPACES.sub("", number)


def labelled_doc_number(text: str) -> str | None:
    """Return the 文号 right after one of its labels in text (the first label with a 文号 value)."""
    for m in _DOC_LABEL.finditer(text):
        if found := DOC_NUMBER.match(text, m.end()):
            return _compact(found.group(0))
    return None


def bare_doc_number(line: str) -> str | None:
    """Return the 文号 of a line that is (mostly) only a 文号: 青民发〔2024〕31号."""
    if "号" not in line and "號" not in line:  # DOC_NUMBER tries a match at every Han character: test first
        return None
    m = DOC_NUMBER.search(line)
    if m and len(_compact(m.group(0))) >= BARE_LINE_SHARE * len(_compact(line)):
        return _compact(m.group(0))
    return None


def trailing_doc_number(heading: str) -> str | None:
    """Return a 文号 that ends a heading (关于开展工作的通知 民发[2020]1号), not one quoted inside it."""
    if "号" not in heading and "號" not in heading:
        return None
    tail = heading.rstrip().rstrip(_CLOSERS).rstrip()
    found = None
    for m in DOC_NUMBER.finditer(tail):
        found = m
    if found and found.end() == len(tail):
        return _compact(found.group(0))
    return None


def delimited_doc_number(zone: str) -> str | None:
    """Return a 文号 standing on its own in the header zone (between spaces), not quoted in a sentence."""
    if "号" not in zone and "號" not in zone:
        return None
    for m in DOC_NUMBER.finditer(zone):
        before, after = zone[m.start() - 1 : m.start()], zone[m.end() : m.end() + 1]
        if before in ("", " ") and after in ("", " "):
            return _compact(m.group(0))
    return None


def extract_doc_number(outside: str, header: str, lines: list[str], headings: list[str]) -> str | None:
    """Return the page's own 文号: labelled outside the text (info line, 信息公开 table) or in its head lines,
    standing alone in the header zone or a line under the title, or ending a heading; spaces removed."""
    head = lines[: HEAD_LINES * 2]
    if found := labelled_doc_number(outside) or labelled_doc_number("\n".join(head)):
        return found
    if found := delimited_doc_number(header):
        return found
    for line in head[:HEAD_LINES]:
        if found := bare_doc_number(line.strip()):
            return found
    for heading in headings:
        if found := trailing_doc_number(heading):
            return found
    return None


def extract_index_number(page_text: str) -> str | None:
    """Return the 索引号 of a 信息公开 page (never a 文号)."""
    m = INDEX_LABEL.search(page_text)
    return m.group(1).rstrip("./-") if m else None

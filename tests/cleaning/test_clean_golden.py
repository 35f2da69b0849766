"""Golden pages: golden/NAME.in.html (bytes as served) + NAME.meta.json -> NAME.out.txt.

Discovered automatically. Regenerate with ``pytest --update-golden`` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaning.pipeline import PageInput, PageResult, clean_page

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name.removesuffix(".in.html") for p in GOLDEN.glob("*.in.html"))


def load_case(name: str) -> PageInput:
    """Return the PageInput of a golden case."""
    meta = json.loads((GOLDEN / f"{name}.meta.json").read_text(encoding="utf-8"))
    return PageInput(
        url=meta["url"],
        body=(GOLDEN / f"{name}.in.html").read_bytes(),
        headers=meta.get("headers", {}),
        status=meta.get("status", 200),
        encoding_hint=meta.get("encoding_hint"),
        script_hint=meta.get("script_hint"),
        column=meta.get("column"),
    )


def render_result(result: PageResult) -> str:
    """Return a PageResult as reviewable text: page fields, then each document's fields and text."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    out = [
        f"drop_reason: {result.drop_reason}",
        f"encoding: {result.encoding}",
        f"page_flags: {dump(result.flags)}",
    ]
    for doc in result.documents:
        out += [
            "",
            f"=== document part={doc.part}",
            f"title: {doc.title}",
            f"published_at: {doc.published_at}",
            f"issuer: {doc.issuer}",
            f"doc_number: {doc.doc_number}",
            f"date_source: {doc.date_source}",
            f"index_number: {doc.index_number}",
            f"editor: {doc.editor}",
            f"title_source: {doc.title_source}",
            f"column: {doc.column}",
            f"script: {doc.script}",
            f"attachments: {dump(doc.attachments)}",
            f"flags: {dump(doc.flags)}",
            f"repairs: {dump(doc.repairs)}",
            "--- text",
            doc.text,
            "--- text_hans",
            doc.text_hans,
        ]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str, update_golden: bool) -> None:
    expected_path = GOLDEN / f"{name}.out.txt"
    actual = render_result(clean_page(load_case(name)))
    if update_golden or not expected_path.exists():
        expected_path.write_text(actual, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"wrote missing golden file {expected_path.name}; review and commit it")
        return
    assert actual == expected_path.read_text(encoding="utf-8")


def test_golden_cases_found() -> None:
    assert len(CASES) >= 5

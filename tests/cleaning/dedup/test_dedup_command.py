"""`zhcorpus dedup --jsonl FILE` contract, through a small argparse harness (cli.py wires it)."""

from __future__ import annotations

import argparse
import io
import json
import sys

import pytest

from zhcorpus.commands.dedup import add_commands

TEXT = (
    "为切实做好冬春季节流浪乞讨人员救助工作，保障流浪乞讨人员基本生活，现就有关事项通知如下。一、加大街面巡查"
    "力度。各地救助管理机构要会同公安、城管等部门，在寒潮降温期间增加巡查频次，重点对桥梁涵洞、地下通道等区域开展排查。"
)


def run_cli(argv: list[str], stdin: str = "", monkeypatch=None) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="zhcorpus")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = args.func(args)
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
    return code, out.getvalue(), err.getvalue()


def test_dedup_covers_every_id(tmp_path):
    lines = [
        {"id": "a", "text": TEXT, "site_id": "mca", "is_authority_site": True, "published_at": "2024-01-02"},
        {"id": 7, "text": TEXT.replace("，", ","), "extra": [1, 2]},
        {"id": "c", "text": "完全不同的一则短通知"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n", encoding="utf-8")
    code, out, err = run_cli(["dedup", "--jsonl", str(path)])
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "7", "c"]
    assert all({"id", "cluster", "canonical"} <= set(r) for r in rows)
    # `canonical` is the id of the cluster's canonical document: the authority's own copy here.
    assert [(r["id"], r["cluster"], r["canonical"], r["is_canonical"]) for r in rows] == [
        ("a", "a", "a", True),
        ("7", "a", "a", False),
        ("c", "c", "c", True),
    ]
    assert rows[0]["canonical_reason"] == "authority_site"


def test_dedup_reads_stdin():
    code, out, _ = run_cli(["dedup", "--jsonl", "-"], stdin=json.dumps({"id": "x", "text": TEXT}) + "\n")
    row = json.loads(out)
    assert code == 0 and (row["id"], row["cluster"], row["canonical"], row["is_canonical"]) == ("x", "x", "x", True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a", "text": "x"}\n{"id": "b", "text": \n', "<stdin>:2: invalid JSON"),
        ('{"text": "x"}\n', "<stdin>:1: missing or invalid 'id'"),
        ('{"id": "a"}\n', "<stdin>:1: missing or invalid 'text'"),
        ("[1]\n", "<stdin>:1: expected a JSON object"),
        ('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "<stdin>:2: duplicate id 'a'"),
    ],
)
def test_bad_input_is_one_line_error(content, message):
    code, out, err = run_cli(["dedup", "--jsonl", "-"], stdin=content)
    assert code == 1 and out == ""
    assert err.strip().startswith("zhcorpus: error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_is_one_line_error(tmp_path):
    code, _, err = run_cli(["dedup", "--jsonl", str(tmp_path / "nope.jsonl")])
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_signature_workers_change_nothing():
    """dedup --jsonl with a signature worker process gives the same lines as without (several chunks)."""
    from bench.dedup.generate import generate
    from cleaning.dedup.engine import DedupEngine
    from zhcorpus.commands.dedup import dedup_jsonl

    lines = [
        json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) for d in generate(900, 4, chrome_share=0.3)
    ]
    lines += lines[:50]  # exact copies under new ids: from the recent-signatures cache
    lines[-50:] = [line.replace('"id": "', '"id": "again-', 1) for line in lines[-50:]]
    outs = []
    for workers in (0, 1):
        out = io.StringIO()
        assert dedup_jsonl(lines, out, engine=DedupEngine(chunk_size=200), workers=workers) == len(lines)
        outs.append(out.getvalue())
    assert outs[0] == outs[1]
    rows = {r["id"]: r["cluster"] for r in map(json.loads, outs[0].splitlines())}
    first = json.loads(lines[0])["id"]
    assert rows["again-" + first] == rows[first]

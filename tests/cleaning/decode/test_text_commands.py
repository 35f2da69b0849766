"""`zhcorpus decode` and `zhcorpus repair-text` through their argparse wiring."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from zhcorpus.commands.text import add_commands


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="zhcorpus")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    args.stdin, args.stdout, args.stderr = io.StringIO(stdin), out, err
    return args.func(args), out.getvalue(), err.getvalue()


def test_decode_jsonl(tmp_path):
    gbk = tmp_path / "a.html"
    gbk.write_bytes('<meta charset="gb2312">关于开展社会工作宣传周活动的通知'.encode("gbk"))
    big5 = tmp_path / "b.html"
    big5.write_bytes('<meta charset="gb2312">關於開展社會工作宣傳週活動的通知'.encode("big5"))
    code, out, _ = run(["decode", "--jsonl", str(gbk), str(big5)])
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["encoding"] for r in rows] == ["gb18030", "cp950"]
    assert rows[0]["path"] == str(gbk)
    assert rows[1]["evidence"]["declared_meta"] == "gb2312"
    assert 0 <= rows[1]["confidence"] <= 1


def test_decode_missing_file_is_one_line_error(tmp_path):
    code, out, err = run(["decode", str(tmp_path / "nope.html")])
    assert code == 1 and out == ""
    assert err.startswith("zhcorpus: error:") and err.count("\n") == 1


def test_repair_text_plain():
    code, out, _ = run(["repair-text"], "Éç»á¹¤×÷,,通知")
    assert code == 0
    assert out == "社会工作，通知"


def test_repair_text_jsonl_keeps_other_keys():
    line = json.dumps({"id": 7, "text": "鍙戝竷閫氱煡"}, ensure_ascii=False)
    code, out, _ = run(["repair-text", "--jsonl"], line + "\n")
    assert code == 0
    row = json.loads(out)
    assert row["id"] == 7 and row["text"] == "发布通知"
    assert isinstance(row["repairs"], list) and row["repairs"][0]["name"] == "mojibake:utf8_as_gbk"


def test_repair_text_jsonl_flags_byte_shift_damage_and_keeps_the_text():
    data = "为进一步加强城乡社区治理，全面提升基层公共服务水平。".encode("gbk")
    damaged = (data[:6] + data[7:]).decode("gb18030", errors="replace").replace("\ufffd", "")
    code, out, _ = run(["repair-text", "--jsonl"], json.dumps({"text": damaged}, ensure_ascii=False) + "\n")
    assert code == 0
    row = json.loads(out)
    assert row["text"] == damaged
    assert "byte_shift_damage" in row["flags"] and "byte_shift_runs:1" in row["flags"]


@pytest.mark.parametrize("bad", ["not json", '{"no_text": 1}'])
def test_repair_text_jsonl_bad_input(bad):
    code, _, err = run(["repair-text", "--jsonl"], bad + "\n")
    assert code == 1 and "line 1" in err


def test_every_command_has_help():
    parser = argparse.ArgumentParser(prog="zhcorpus")
    sub = parser.add_subparsers(dest="command")
    add_commands(sub)
    for name in ("decode", "repair-text"):
        assert sub.choices[name].description

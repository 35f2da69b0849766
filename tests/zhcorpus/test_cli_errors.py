"""Every CLI failure is one line on stderr and a non-zero exit, never a traceback (unless -v): a table of bad
invocations, run through the real entry point `main` with real stdin bytes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from zhcorpus.cli import main

ODD_UTF16 = b"\xff\xfe" + "<p>通知</p>".encode("utf-16-le") + b"<"
NOTICE = "<html><body><h1>关于开展社会救助工作的通知</h1><p>各区县民政局：现将有关事项通知如下，请认真落实。</p></body></html>"


def setup_files(root: Path) -> None:
    (root / "odd.html").write_bytes(ODD_UTF16)
    (root / "page.html").write_text(NOTICE, encoding="utf-8")
    (root / "bad.yaml").write_text("sites: [\n", encoding="utf-8")
    (root / "unknown-key.yaml").write_text("sites: []\nextra: 1\n", encoding="utf-8")
    (root / "surrogate.jsonl").write_text('{"id": 1, "text": "\\ud800社会工作"}\n', encoding="utf-8")
    (root / "not-utf8.jsonl").write_bytes(b'{"id": 1, "text": "\xff"}\n')
    corrupt = root / "corrupt"
    corrupt.mkdir()
    (corrupt / "corpus.db").write_bytes(b"this is not a database" * 100)
    (corrupt / "raw.db").write_bytes(b"this is not a database" * 100)
    empty = root / "empty"
    empty.mkdir()


# (name, argv with {root} for the temp dir, stdin bytes, exit status, a fragment of the one stderr line or None)
# A status of 0 means the invocation is not an error: data on stdout, nothing alarming on stderr.
CASES = [
    ("decode a bad UTF-16 BOM", ["decode", "{root}/odd.html"], b"", 0, None),
    ("decode a missing file", ["decode", "{root}/nope.html"], b"", 1, "nope.html"),
    ("repair-text --jsonl lone surrogate", ["repair-text", "--jsonl"], b'{"text": "\\ud800abc"}\n', 0, None),
    ("repair-text --jsonl not UTF-8", ["repair-text", "--jsonl"], b'{"text": "\xff"}\n', 1, "not UTF-8"),
    ("repair-text --jsonl deep JSON", ["repair-text", "--jsonl"], b"[" * 200_000 + b"\n", 1, "nested too deeply"),
    (
        "repair-text --jsonl huge number",
        ["repair-text", "--jsonl"],
        b'{"text": "a", "n": ' + b"9" * 6000 + b"}\n",
        1,
        "invalid JSON",
    ),
    ("repair-text --jsonl not an object", ["repair-text", "--jsonl"], b"[1, 2]\n", 1, "expected a JSON object"),
    ("repair-text random bytes", ["repair-text"], bytes(range(256)) * 64, 0, None),
    ("dedup --jsonl lone surrogate", ["dedup", "--jsonl", "{root}/surrogate.jsonl"], b"", 0, None),
    ("dedup --jsonl not UTF-8", ["dedup", "--jsonl", "{root}/not-utf8.jsonl"], b"", 1, "utf-8"),
    ("dedup --jsonl missing file", ["dedup", "--jsonl", "{root}/nope.jsonl"], b"", 1, "nope.jsonl"),
    ("clean --batch-size 0", ["--data", "{root}/empty", "clean", "--batch-size", "0"], b"", 2, "--batch-size"),
    ("clean --batch-size -5", ["--data", "{root}/empty", "clean", "--batch-size", "-5"], b"", 2, "at least 1"),
    ("clean --batch-size x", ["--data", "{root}/empty", "clean", "--batch-size", "x"], b"", 2, "whole number"),
    ("clean --since garbage", ["--data", "{root}/empty", "clean", "--since", "garbage"], b"", 2, "YYYY-MM-DD"),
    ("clean without raw.db", ["--data", "{root}/empty", "clean"], b"", 1, "zhcorpus crawl"),
    ("clean an unknown site", ["--data", "{root}/corrupt", "clean", "--site", "nope"], b"", 1, "unknown site"),
    ("search --limit 0", ["search", "社会", "--limit", "0"], b"", 2, "--limit"),
    ("sites list on bad YAML", ["--registry", "{root}/bad.yaml", "sites", "list"], b"", 1, "invalid YAML"),
    (
        "sites list unknown key",
        ["--registry", "{root}/unknown-key.yaml", "sites", "list"],
        b"",
        1,
        "unknown top-level key",
    ),
    ("sites check on bad YAML", ["--registry", "{root}/bad.yaml", "sites", "check"], b"", 1, "problem"),
    (
        "stats on a corrupt corpus.db",
        ["--data", "{root}/corrupt", "stats"],
        b"",
        1,
        "corpus.db: file is not a database",
    ),
    ("search a corrupt corpus.db", ["--data", "{root}/corrupt", "search", "社会工作"], b"", 1, "not a database"),
    ("export a corrupt corpus.db", ["--data", "{root}/corrupt", "export"], b"", 1, "not a database"),
    ("clean a corrupt raw.db", ["--data", "{root}/corrupt", "clean"], b"", 1, "raw.db: file is not a database"),
    ("clean-page a missing file", ["clean-page", "{root}/nope.html"], b"", 1, "nope.html"),
    ("clean-page two files without --jsonl", ["clean-page", "{root}/page.html", "{root}/odd.html"], b"", 1, "--jsonl"),
    ("crawl an unknown site", ["--data", "{root}/empty", "crawl", "nope"], b"", 1, "unknown site"),
    ("an unknown command", ["frobnicate"], b"", 2, "invalid choice"),
    ("a missing argument", ["search"], b"", 2, "required"),
]


def run(argv: list[str], stdin: bytes, monkeypatch, capsysbinary) -> tuple[int, bytes, bytes]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsysbinary.readouterr()
    return code, out, err


@pytest.mark.parametrize("name, argv, stdin, status, fragment", CASES, ids=[c[0] for c in CASES])
def test_bad_invocations_fail_in_one_line(name, argv, stdin, status, fragment, tmp_path, monkeypatch, capsysbinary):
    setup_files(tmp_path)
    argv = [a.replace("{root}", str(tmp_path)) for a in argv]
    code, out, err = run(argv, stdin, monkeypatch, capsysbinary)
    text = err.decode("utf-8", "replace")
    assert code == status, text
    assert "Traceback" not in text
    if status == 0:
        assert "error" not in text.lower(), text
        return
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith("zhcorpus"), text
    assert ": error: " in lines[0]
    assert fragment in lines[0], text


def test_a_lone_surrogate_in_repair_text_jsonl_comes_out_as_an_escape(monkeypatch, capsysbinary):
    code, out, _ = run(["repair-text", "--jsonl"], b'{"text": "\\ud800\xe7\xa4\xbe"}\n', monkeypatch, capsysbinary)
    assert code == 0
    assert json.loads(out)["text"] == "\ud800社"


def test_repair_text_passes_bytes_that_are_not_utf8_through_unchanged(monkeypatch, capsysbinary):
    data = b"\xff\xfe" + "社会工作\n".encode() * 3 + bytes(range(0x80, 0x100))
    code, out, _ = run(["repair-text"], data, monkeypatch, capsysbinary)
    assert code == 0 and out == data


def test_clean_page_with_a_cleaning_bug_prints_the_page_and_fails(tmp_path, monkeypatch, capsysbinary):
    import cleaning.pipeline

    def broken(page, max_bytes):
        raise ValueError("Invalid IPv6 URL")

    setup_files(tmp_path)
    monkeypatch.setattr(cleaning.pipeline, "_clean_page", broken)
    code, out, err = run(["clean-page", str(tmp_path / "page.html")], b"", monkeypatch, capsysbinary)
    assert code == 1
    obj = json.loads(out)
    assert obj["drop_reason"] == "internal_error" and obj["error"] == "ValueError: Invalid IPv6 URL"
    lines = err.decode().splitlines()
    assert "Traceback" not in err.decode()
    assert [line for line in lines if "error" in line] == [
        f"zhcorpus: error: {tmp_path / 'page.html'}: internal error while cleaning: ValueError: Invalid IPv6 URL"
    ]


def test_an_unexpected_exception_is_one_line_and_v_shows_the_traceback(monkeypatch, capsysbinary):
    import zhcorpus.commands.sites as sites_cmd

    def boom(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(sites_cmd, "registry_from", boom)
    code, _, err = run(["sites", "list"], b"", monkeypatch, capsysbinary)
    assert code == 1
    assert err.decode().splitlines() == [
        "zhcorpus: error: internal error: ZeroDivisionError: division by zero (run with -v for the traceback)"
    ]
    code, _, err = run(["-v", "sites", "list"], b"", monkeypatch, capsysbinary)
    assert code == 1
    assert "Traceback" in err.decode() and err.decode().splitlines()[-1].endswith("division by zero")


def test_the_installed_command_prints_no_traceback_without_v(tmp_path):
    setup_files(tmp_path)
    exe = Path(sys.executable).with_name("zhcorpus")
    quiet = subprocess.run(
        [str(exe), "--data", str(tmp_path / "corrupt"), "stats"], capture_output=True, text=True, timeout=120
    )
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    assert quiet.stderr.strip().count("\n") == 0 and "not a database" in quiet.stderr
    loud = subprocess.run(
        [str(exe), "-v", "--data", str(tmp_path / "corrupt"), "stats"], capture_output=True, text=True, timeout=120
    )
    assert loud.returncode == 1 and "Traceback" in loud.stderr


def test_repair_text_streams_in_pieces_of_whole_lines(monkeypatch, capsysbinary):
    import zhcorpus.commands.text as text_cmd
    from cleaning.decode.repair import repair_text

    lines = ["Éç»á¹¤×÷,,通知\n", "社 会 工 作\n", "鍙戝竷閫氱煡\n", "x" * 25 + "\n", "最后一行"]
    pieces = list(text_cmd.repair_chunks(io.StringIO("".join(lines)), chunk_chars=10))
    assert "".join(pieces) == "".join(lines)
    assert all(p.endswith("\n") or p is pieces[-1] or len(p) >= 10 for p in pieces)
    assert max(len(p) for p in pieces) < 10 + 16  # whole lines, a long line cut at the piece size
    monkeypatch.setattr(text_cmd, "REPAIR_CHUNK_CHARS", 10)
    code, out, _ = run(["repair-text"], "".join(lines).encode(), monkeypatch, capsysbinary)
    assert code == 0
    assert out.decode() == "".join(repair_text(p).text for p in pieces)
    assert out.decode().startswith("社会工作，通知\n社会工作\n发布通知\n")

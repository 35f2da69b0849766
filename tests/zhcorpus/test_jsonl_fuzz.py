"""The JSON Lines readers on anything: every line is an object or a one-line CommandError, never a crash
(a bounded hypothesis fuzz; examples fixed for repeatable CI runs)."""

from __future__ import annotations

import io
import json
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhcorpus.cli import main
from zhcorpus.commands.dedup import read_docs
from zhcorpus.errors import CommandError
from zhcorpus.jsonl import bounded_lines, dumps_line, read_objects

FUZZ = settings(
    max_examples=150,
    deadline=30_000,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters(codec=None, exclude_categories=())),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["id", "text", "title", "x"]), inner),
    max_leaves=12,
)
LINES = st.lists(
    st.one_of(
        JSON_VALUES.map(lambda v: json.dumps(v)),  # valid JSON, any shape (lone surrogates as \\ud800 escapes)
        st.text(max_size=80),  # anything at all
        st.sampled_from(["[" * 5000, '{"id": 1, "text": "a"', "\ufeff{}", '{"n": ' + "9" * 5000 + "}", "NaN"]),
    ),
    max_size=8,
)


@FUZZ
@given(LINES)
def test_read_objects_yields_objects_or_one_command_error(lines):
    try:
        for n, obj in read_objects(bounded_lines([line + "\n" for line in lines]), lambda n: f"line {n}"):
            assert isinstance(obj, dict) and n >= 1
            dumps_line(obj).encode("utf-8")  # whatever was read can be written back
    except CommandError as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(LINES)
def test_dedup_reads_documents_or_fails_in_one_line(lines):
    try:
        docs = read_docs([line + "\n" for line in lines])
    except CommandError as exc:
        assert "\n" not in str(exc)
        return
    for doc in docs:
        assert isinstance(doc.id, str) and isinstance(doc.text, str)
        doc.text.encode("utf-8")


@settings(max_examples=40, deadline=60_000, derandomize=True, database=None)
@given(st.binary(max_size=600), st.sampled_from([["repair-text", "--jsonl"], ["repair-text"]]))
def test_the_stream_commands_never_crash_on_any_stdin(data, argv):
    old_in, old_out, old_err = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    sys.stderr = err = io.StringIO()
    try:
        code = main(argv)
    finally:
        sys.stdin, sys.stdout, sys.stderr = old_in, old_out, old_err
    assert code in (0, 1)
    assert "Traceback" not in err.getvalue()
    if code:
        assert [line for line in err.getvalue().splitlines() if "error" in line][0].startswith("zhcorpus: error:")

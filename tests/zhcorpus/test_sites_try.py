"""`zhcorpus sites try` (a dry run: live or on a saved page, never writing raw.db) and `sites check` on saved pages."""

from __future__ import annotations

import json

from fixtures.server import fetch_bytes
from zhcorpus.cli import main


def test_try_on_a_saved_trs_page_shows_adapter_rows_and_the_next_page(tmp_path, capsys):
    _, _, body = fetch_bytes("mzj.dongjiang.example", "/tzgg/index.html")
    saved = tmp_path / "list.html"
    saved.write_bytes(body)
    assert main(["--data", str(tmp_path), "sites", "try", "dongjiang-mzj", "--saved", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "adapter   trs" in out and 'createPageHTML(3, 0, "index", "html")' in out
    assert "12 detail links, 12 with a title, 12 with a date" in out
    assert "next      GET http://mzj.dongjiang.example/tzgg/index_1.html  (createPageHTML page 2 of 3)" in out
    assert "rejected" in out and "not_in_list" in out
    assert not (tmp_path / "raw.db").exists()


def test_try_json_on_a_saved_page_that_lists_nothing_names_the_problem(tmp_path, capsys):
    saved = tmp_path / "empty.html"
    saved.write_text("<html><body><p>栏目建设中</p></body></html>", encoding="utf-8")
    assert main(["sites", "try", "xishan-mzj", "--saved", str(saved), "--json"]) == 0
    (page,) = json.loads(capsys.readouterr().out)["report"]
    assert page["rows"] == [] and page["problem"] == "no_detail_links"


def test_try_live_walks_the_first_pages_and_writes_nothing(tmp_path, capsys):
    assert main(["--data", str(tmp_path), "sites", "try", "donghai-mzt", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["report"]
    assert [p["adapter"] for p in report] == ["hanweb", "hanweb"]
    assert len(report[0]["rows"]) == 45 and report[0]["next"][0]["request"].startswith("POST ")
    assert report[1]["request"].startswith(
        "POST http://mzt.donghai.example/module/web/jpage/dataproxy.jsp?startrecord=46"
    )
    assert len(report[1]["rows"]) == 15 and all(r["date"] for r in report[1]["rows"])
    assert list(tmp_path.iterdir()) == []  # no raw.db, nothing else


def test_try_needs_a_known_site(capsys):
    assert main(["sites", "try"]) == 1
    assert main(["sites", "try", "nope"]) == 1
    assert "unknown site 'nope'" in capsys.readouterr().err


def test_check_runs_selectors_on_saved_pages(tmp_path, capsys):
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "qingzhou-mzj-1.html").write_bytes(fetch_bytes("mzj.qingzhou.example", "/tzgg/index.html")[2])
    assert main(["--data", str(tmp_path), "sites", "check", "--saved", str(saved)]) == 0
    assert "selectors checked on 1 saved pages" in capsys.readouterr().out
    (saved / "qingzhou-mzj-2.html").write_text(
        "<html><body><a href='x.html'>下一页</a></body></html>", encoding="utf-8"
    )
    assert main(["--data", str(tmp_path), "sites", "check", "--saved", str(saved)]) == 1
    out, err = capsys.readouterr()  # the findings are the command's data (stdout), the failure one line (stderr)
    assert "site 'qingzhou-mzj', key 'list.detail_links': selects no detail link" in out
    assert "key 'list.next_page': selects nothing" in out
    assert err.count("\n") == 1 and "2 selector problem(s)" in err

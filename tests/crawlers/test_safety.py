"""Network discipline: requests, redirects and meta refreshes stay on the site's domains; private addresses need
the site's opt-in; refusals and cut bodies are counted errors."""

from __future__ import annotations

import gzip
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, ResponseDataLossError
from scrapy.http import Response
from twisted.internet import defer
from twisted.python.failure import Failure

from crawlers import safety
from crawlers.middlewares import CompleteBodyMiddleware, TruncatedBody
from crawlers.run import crawl_site
from crawlers.safety import NetworkSafetyMiddleware, OffsiteRefused, PrivateAddressRefused, SafeResolver
from crawlers.settings import BASE_SETTINGS, settings_for_site
from crawlers.sites import check_registry, load_registry
from crawlers.spiders.notices import error_reason
from db.raw import RawStore


@pytest.fixture(autouse=True)
def fresh_resolver_state():
    safety.reset()
    yield
    safety.reset()


def middleware(domains=("www.mca.gov.cn",), allow_private=False, proxy=None, fixture_hosts=()):
    return NetworkSafetyMiddleware(list(domains), allow_private, proxy, list(fixture_hosts))


# -- the middleware --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url, refusal",
    [
        ("http://www.mca.gov.cn/article/tzgg/1.html", None),
        ("https://sub.www.mca.gov.cn/a.html", None),  # a subdomain of an allowed domain
        ("http://www.mca.gov.cn.evil.example/a.html", OffsiteRefused),
        ("http://evil.example/a.html", OffsiteRefused),
        ("http://www.mca.gov.cn@evil.example/a.html", OffsiteRefused),  # userinfo: the host is evil.example
        ("ftp://www.mca.gov.cn/a.txt", OffsiteRefused),
        ("file:///etc/passwd", OffsiteRefused),
        ("data:text/html,hello", OffsiteRefused),
    ],
)
def test_only_the_sites_domains_are_requested(url, refusal):
    request = Request(url, dont_filter=True)  # our spider's requests all skip Scrapy's own offsite check
    if refusal is None:
        assert middleware().process_request(request) is None
    else:
        with pytest.raises(refusal):
            middleware().process_request(request)


def test_a_redirect_off_site_is_refused_though_it_inherits_dont_filter():
    original = Request("http://www.mca.gov.cn/a.html", dont_filter=True)
    redirected = original.replace(url="http://169.254.169.254/latest/meta-data/")
    redirected.meta["redirect_urls"] = [original.url]
    with pytest.raises(OffsiteRefused):
        middleware().process_request(redirected)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "10.0.0.5", "169.254.169.254", "192.168.1.1", "[::1]", "[::ffff:127.0.0.1]", "127.1", "2130706433",
     "0x7f.0.0.1", "224.0.0.1", "0.0.0.0", "100.64.0.1", "localhost", "api.localhost"],
)  # fmt: skip
def test_private_targets_need_the_opt_in(host):
    bare = host.strip("[]")
    url = f"http://{host}:8080/notice.html"
    with pytest.raises(PrivateAddressRefused):
        middleware(domains=[bare]).process_request(Request(url))
    assert middleware(domains=[bare], allow_private=True).process_request(Request(url)) is None


def test_a_public_ip_literal_is_fine():
    assert middleware(domains=["8.8.8.8"]).process_request(Request("http://8.8.8.8/")) is None


def test_requests_through_the_fixture_proxy_need_the_opt_in():
    proxy = "http://127.0.0.1:8999"
    request = Request("http://mzj.qingzhou.example/tzgg/index.html")
    with pytest.raises(PrivateAddressRefused):
        middleware(["mzj.qingzhou.example"], proxy=proxy).process_request(request)
    assert middleware(["mzj.qingzhou.example"], allow_private=True, proxy=proxy).process_request(request) is None


def test_a_host_the_resolver_refused_is_refused_at_once_on_retry():
    with pytest.raises(safety.PrivateAnswerRefused):
        SafeResolver._check("10.1.2.3", "intranet.mca.gov.cn")
    with pytest.raises(PrivateAddressRefused):
        middleware(["mca.gov.cn"]).process_request(Request("http://intranet.mca.gov.cn/a.html"))


# -- the resolver ----------------------------------------------------------------------------------------------
def resolve(monkeypatch, name: str, answer: str):
    """Return what SafeResolver makes of `answer` for `name` (the lookup itself stubbed: no DNS)."""
    from scrapy.resolver import CachingThreadedResolver

    monkeypatch.setattr(CachingThreadedResolver, "getHostByName", lambda self, n, timeout=(): defer.succeed(answer))
    resolver = SafeResolver.__new__(SafeResolver)
    results: list = []
    resolver.getHostByName(name).addBoth(results.append)
    return results[0]


@pytest.mark.parametrize("answer", ["127.0.0.1", "10.0.0.5", "169.254.169.254", "172.16.0.1", "::1", "fd00::1"])
def test_the_resolver_refuses_private_answers_for_names_nobody_opted_in(monkeypatch, answer):
    result = resolve(monkeypatch, "rebind.attacker.example", answer)
    assert isinstance(result, Failure) and result.check(safety.PrivateAnswerRefused)
    assert safety.refused_address("rebind.attacker.example") == answer


def test_the_resolver_answers_public_addresses_and_opted_in_names(monkeypatch):
    assert resolve(monkeypatch, "www.mca.gov.cn", "8.8.8.8") == "8.8.8.8"
    middleware(["stand-in.local"], allow_private=True)  # an opted-in site registers its domains
    assert resolve(monkeypatch, "www.stand-in.local", "10.0.0.5") == "10.0.0.5"
    assert isinstance(resolve(monkeypatch, "other.local", "10.0.0.5"), Failure)


def test_the_crawl_settings_install_both_guards():
    site = load_registry().get("qingzhou-mzj")
    settings = settings_for_site(site)
    assert settings["TWISTED_DNS_RESOLVER"] == "crawlers.safety.SafeResolver"
    assert settings["DOWNLOADER_MIDDLEWARES"]["crawlers.safety.NetworkSafetyMiddleware"] < 100  # before robots.txt
    assert settings["SAFETY_ALLOWED_DOMAINS"] == ["mzj.qingzhou.example"] and settings["SAFETY_ALLOW_PRIVATE_NETWORK"]
    assert BASE_SETTINGS["DOWNLOAD_FAIL_ON_DATALOSS"] is True


# -- refusals and cut bodies are named errors --------------------------------------------------------------------
def failure_of(exc: BaseException, url: str = "http://intranet.mca.gov.cn/a.html") -> Failure:
    failure = Failure(exc)
    failure.request = Request(url)
    return failure


def test_refusals_and_truncation_have_their_own_error_reasons():
    assert error_reason(failure_of(OffsiteRefused("offsite"))) == "offsite"
    assert error_reason(failure_of(PrivateAddressRefused("private"))) == "private_address"
    assert error_reason(failure_of(TruncatedBody("cut"))) == "truncated"
    assert error_reason(failure_of(ResponseDataLossError())) == "truncated"
    assert error_reason(failure_of(CannotResolveHostError("no results"))) == "dns"
    safety._refused["intranet.mca.gov.cn"] = "10.0.0.5"  # what the resolver records when it refuses
    assert error_reason(failure_of(CannotResolveHostError("no results"))) == "private_address"


BODY = ("<html><body><p>" + "关于开展社会救助工作的通知。" * 300 + "</p></body></html>").encode()


def response(body: bytes, headers: dict, status: int = 200, method: str = "GET") -> tuple[Request, Response]:
    request = Request("http://www.mca.gov.cn/a.html", method=method)
    return request, Response(request.url, status=status, headers=headers, body=body, request=request)


@pytest.mark.parametrize(
    "body, headers",
    [
        (BODY[:1000], {"Content-Length": str(len(BODY))}),
        (gzip.compress(BODY)[:-40], {"Content-Encoding": "gzip"}),  # close-delimited: no Content-Length to catch it
        (zlib.compress(BODY)[:-30], {"Content-Encoding": "deflate"}),
        (zlib.compress(BODY)[2:-30], {"Content-Encoding": "deflate"}),  # raw deflate, cut
        (b"\x1f\x8b\x08\x00garbage-not-gzip", {"Content-Encoding": "gzip"}),
    ],
)
def test_a_cut_body_is_refused_before_decompression(body, headers):
    with pytest.raises(TruncatedBody):
        CompleteBodyMiddleware(5_000_000).process_response(*response(body, headers))


@pytest.mark.parametrize(
    "body, headers, status, method",
    [
        (BODY, {"Content-Length": str(len(BODY))}, 200, "GET"),
        (BODY, {}, 200, "GET"),  # close-delimited, uncompressed: nothing tells it apart
        (gzip.compress(BODY), {"Content-Encoding": "gzip"}, 200, "GET"),
        (zlib.compress(BODY), {"Content-Encoding": "deflate"}, 200, "GET"),
        (zlib.compress(BODY)[2:-4], {"Content-Encoding": "deflate"}, 200, "GET"),  # raw deflate, whole
        (b"", {"Content-Length": "512"}, 304, "GET"),
        (b"", {"Content-Length": "512"}, 200, "HEAD"),
        (BODY, {"Content-Encoding": "br"}, 200, "GET"),  # not checked
    ],
)
def test_a_whole_body_passes(body, headers, status, method):
    request, resp = response(body, headers, status, method)
    assert CompleteBodyMiddleware(5_000_000).process_response(request, resp) is resp


# -- the registry ------------------------------------------------------------------------------------------------
def site_entry(**overrides) -> dict:
    entry = {
        "id": "stand-in",
        "name": "本地替身",
        "kind": "test",
        "allowed_domains": ["www.mca.gov.cn"],
        "start_urls": ["http://www.mca.gov.cn/list.html"],
        "list": {"detail_links": "a"},
    }
    return {**entry, **overrides}


@pytest.mark.parametrize(
    "host", ["169.254.169.254", "10.0.0.5", "127.0.0.1", "localhost", "2130706433", "api.localhost"]
)  # fmt: skip
def test_sites_check_refuses_private_start_urls_unless_opted_in(host, write_registry):
    bare = host.strip("[]")
    entry = site_entry(allowed_domains=[bare], start_urls=[f"http://{host}/latest/meta-data/"])
    problems = check_registry(write_registry({"sites": [entry]}))
    assert len(problems) == 1 and "stand-in" in problems[0] and "allow_private_network" in problems[0]
    assert check_registry(write_registry({"sites": [{**entry, "allow_private_network": True}]})) == []


def test_a_bundled_site_must_opt_in(write_registry):
    problems = check_registry(write_registry({"sites": [site_entry(bundled=True)]}))
    assert len(problems) == 1 and "fixture proxy" in problems[0]


def test_the_shipped_registry_opts_in_only_its_bundled_sites():
    for site in load_registry().sites:
        assert site.allow_private_network == site.bundled, site.id


def test_sites_list_and_check_show_the_opt_in(capsys):
    from zhcorpus.cli import main

    assert main(["sites", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all("private-ok" in line for line in lines if " bundled " in line)
    assert main(["sites", "check"]) == 0
    out = capsys.readouterr().out
    assert "note: site 'qingzhou-mzj' may reach private and loopback addresses" in out


# -- end to end: a local server whose pages redirect and meta-refresh to another loopback host name ----------------
SECRET = "内部秘密数据不应入库"


class TrapHandler(BaseHTTPRequestHandler):
    """127.0.0.1: a list of notices; one 302s to localhost, one meta-refreshes there, one is a good notice."""

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def do_GET(self):  # noqa: N802 - stdlib naming
        port = self.server.server_address[1]
        self.server.seen.append((self.headers.get("Host", ""), self.path))
        elsewhere = f"http://localhost:{port}"
        pages = {
            "/list.html": '<ul class="list"><li><a href="/redirect.html">一</a></li><li><a href="/refresh.html">二</a>'
            f'</li><li><a href="/ok.html">三</a></li><li><a href="{elsewhere}/secret3.html">四</a></li>'
            '<li><a href="/cut.html">五</a></li><li><a href="/cut-gzip.html">六</a></li></ul>',
            "/refresh.html": f'<meta http-equiv="refresh" content="0; url={elsewhere}/secret2.html"><p>跳转中</p>',
            "/ok.html": "<h1>关于开展冬季救助工作的通知</h1><p>各区民政局：请做好冬季救助工作。</p>",
        }
        if self.path == "/redirect.html":
            self.send_response(302)
            self.send_header("Location", f"{elsewhere}/secret.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path in ("/cut.html", "/cut-gzip.html"):  # the server dies half way through the body
            body = ("<html><body><p>" + "关于开展冬季救助工作的通知。" * 200 + "</p></body></html>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if self.path == "/cut.html":
                self.send_header("Content-Length", str(len(body)))
            else:  # HTTP/1.0, delimited by the close: only the gzip stream's missing end tells
                body = gzip.compress(body)
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            return
        if self.path.startswith("/secret"):
            body = f"<p>{SECRET}</p>".encode()
        elif self.path in pages:
            body = f"<html><head><meta charset='utf-8'></head><body>{pages[self.path]}</body></html>".encode()
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def trap_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), TrapHandler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def stand_in_registry(tmp_path, port: int, **overrides) -> object:
    entry = site_entry(
        allowed_domains=["127.0.0.1"],
        start_urls=[f"http://127.0.0.1:{port}/list.html"],
        list={"detail_links": "ul.list a"},
        allow_private_network=True,  # a local stand-in: it opts in
        **overrides,
    )
    path = tmp_path / "sites.yaml"
    path.write_text(yaml.safe_dump({"sites": [entry]}, allow_unicode=True), encoding="utf-8")
    return path


def test_redirects_and_meta_refreshes_to_another_loopback_name_store_nothing_and_cut_bodies_are_errors(
    tmp_path, trap_server
):
    port = trap_server.server_address[1]
    registry = stand_in_registry(tmp_path, port)
    raw_db = tmp_path / "raw.db"
    summary = crawl_site("stand-in", "run-1", raw_db, registry=registry, timeout_s=300)
    assert not any(host.startswith("localhost") for host, _ in trap_server.seen), trap_server.seen
    assert all(not path.startswith("/secret") for _, path in trap_server.seen)
    assert summary["errors_by_reason"] == {"offsite": 2, "truncated": 2}, summary
    store = RawStore(raw_db)
    try:
        rows = {r["url"].rsplit("/", 1)[1]: r for r in store.db.query("SELECT * FROM raw_pages")}
        bodies = [r["body"] for r in store.db.query("SELECT body FROM raw_pages WHERE body IS NOT NULL")]
    finally:
        store.close()
    assert rows["redirect.html"]["error"] == "offsite" and rows["redirect.html"]["body"] is None
    assert rows["refresh.html"]["error"] == "offsite" and rows["refresh.html"]["body"] is None
    assert rows["ok.html"]["status"] == 200
    assert "secret3.html" not in rows  # a link off the site is never followed
    for cut in ("cut.html", "cut-gzip.html"):
        assert rows[cut]["error"] == "truncated" and rows[cut]["body"] is None and rows[cut]["sha256"] is None
    assert not any(SECRET.encode() in body for body in bodies)


def test_batch_processes_resolve_through_the_safe_resolver():
    # The resolver is installed from the process's settings (crawlers/batch.py), not from any site's.
    import subprocess
    import sys

    script = """
from scrapy.crawler import CrawlerProcess
from twisted.internet import reactor
from crawlers.batch import PROCESS_SETTINGS
process = CrawlerProcess(PROCESS_SETTINGS)
reactor.callLater(0, lambda: (print(type(reactor.resolver).__name__), reactor.stop()))
process.start(stop_after_crawl=False, install_signal_handlers=False)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip().splitlines()[-1] == "SafeResolver"

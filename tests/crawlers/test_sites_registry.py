"""The site registry loader: valid files load with merged limits; each bad case names site and key."""

from __future__ import annotations

import pytest

from crawlers.sites import DEFAULT_REGISTRY_PATH, RegistryError, check_registry, load_registry


def test_good_registry_loads_with_merged_limits(registry_path):
    registry = load_registry(registry_path)
    site = registry.get("test-city-mzj")
    assert site.effective_limits.max_list_pages == 5  # override
    assert site.effective_limits.max_detail_pages == 1000  # default
    assert site.list_rules.detail_links == "ul.news-list li a"
    assert [s.id for s in registry.enabled()] == ["test-city-mzj"]
    assert registry.bundled_hosts() == ["mzj.test-city.example"]
    assert check_registry(registry_path) == []


def test_missing_defaults_fall_back_to_builtin_limits(registry_data, write_registry):
    del registry_data["defaults"]
    site = load_registry(write_registry(registry_data)).get("test-assoc")
    assert site.effective_limits.max_list_pages == 30
    assert site.effective_limits.download_timeout == 20


def test_get_unknown_site_names_known_ids(registry_path):
    with pytest.raises(KeyError, match="test-city-mzj"):
        load_registry(registry_path).get("nope")


def test_project_registry_is_valid():
    if not DEFAULT_REGISTRY_PATH.exists():
        pytest.skip("crawlers/sites.yaml not written yet")
    assert check_registry() == []
    assert load_registry().enabled()


def _site(data: dict) -> dict:
    return data["sites"][0]


BAD_CASES = [
    # (name, mutation of the registry data, substrings the one problem must contain)
    (
        "unknown site key",
        lambda d: _site(d).update(start_url="http://x.example/"),
        ["'test-city-mzj'", "unknown key 'start_url'"],
    ),
    (
        "unknown list key",
        lambda d: _site(d)["list"].update(detail="a"),
        ["'test-city-mzj'", "unknown key 'list.detail'"],
    ),
    (
        "unknown limits key",
        lambda d: _site(d)["limits"].update(max_pages=3),
        ["'test-city-mzj'", "unknown key 'limits.max_pages'"],
    ),
    (
        "unknown defaults key",
        lambda d: d["defaults"]["limits"].update(speed=1),
        ["defaults", "unknown key 'limits.speed'"],
    ),
    ("unknown top-level key", lambda d: d.update(site=[]), ["unknown top-level key 'site'"]),
    ("bad id", lambda d: _site(d).update(id="Test_City"), ["'Test_City'", "key 'id'", "[a-z0-9-]+"]),
    (
        "duplicate id",
        lambda d: d["sites"][1].update(id="test-city-mzj"),
        ["'test-city-mzj'", "duplicate id"],
    ),
    (
        "start url off-domain",
        lambda d: _site(d).update(start_urls=["http://other.example/tzgg/"]),
        ["'test-city-mzj'", "'other.example' is not in allowed_domains"],
    ),
    (
        "start url relative",
        lambda d: _site(d).update(start_urls=["/tzgg/"]),
        ["'test-city-mzj'", "key 'start_urls'"],
    ),
    (
        "invalid regex",
        lambda d: _site(d).update(detail_url_pattern="/t(\\d+.html"),
        ["'test-city-mzj'", "key 'detail_url_pattern'", "invalid regex"],
    ),
    (
        "invalid css",
        lambda d: _site(d)["list"].update(detail_links="ul..news a"),
        ["'test-city-mzj'", "key 'list.detail_links'", "invalid CSS"],
    ),
    (
        "invalid xpath",
        lambda d: _site(d)["list"].update(next_page="//a[@class='next'"),
        ["'test-city-mzj'", "key 'list.next_page'", "invalid XPath"],
    ),
    ("bad script", lambda d: _site(d).update(script="traditional"), ["'test-city-mzj'", "key 'script'"]),
    ("bad kind", lambda d: _site(d).update(kind="bank"), ["'test-city-mzj'", "key 'kind'"]),
    (
        "negative limit",
        lambda d: _site(d)["limits"].update(max_list_pages=-1),
        ["'test-city-mzj'", "key 'limits.max_list_pages'", "greater than or equal to 0"],
    ),
    (
        "negative default",
        lambda d: d["defaults"]["limits"].update(recheck_days=-5),
        ["defaults", "key 'limits.recheck_days'"],
    ),
    ("missing start", lambda d: _site(d).pop("start_urls"), ["'test-city-mzj'", "give `start_urls`"]),
    ("missing name", lambda d: _site(d).pop("name"), ["'test-city-mzj'", "missing key 'name'"]),
    (
        "unknown cms",
        lambda d: _site(d).update(cms="wordpress"),
        ["'test-city-mzj'", "key 'cms'"],
    ),
    (
        "post with form and body",
        lambda d: _site(d).update(
            start_requests=[
                {"url": "http://mzj.test-city.example/p", "method": "POST", "form": {"a": "1"}, "body": "x"}
            ]
        ),
        ["'test-city-mzj'", "either `form` or `body`"],
    ),
    (
        "start request off-site",
        lambda d: _site(d).update(start_requests=[{"url": "http://other.example/p"}]),
        ["'test-city-mzj'", "not in allowed_domains"],
    ),
    (
        "domain with scheme",
        lambda d: d["sites"][1].update(allowed_domains=["http://swa.test.example"]),
        ["'test-assoc'", "key 'allowed_domains'"],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_registry_gives_clear_message(registry_data, write_registry, mutate, expected):
    mutate(registry_data)
    path = write_registry(registry_data)
    problems = check_registry(path)
    assert len(problems) == 1, problems
    for part in expected:
        assert part in problems[0], problems[0]
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert info.value.problems == problems
    assert str(path) in str(info.value)


def test_every_problem_is_reported_at_once(registry_data, write_registry):
    _site(registry_data).update(script="x", bogus=1)
    registry_data["sites"][1].update(id="BAD")
    problems = check_registry(write_registry(registry_data))
    assert len(problems) == 3, problems


def test_invalid_yaml_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text("sites: [\n  - id: x\n", encoding="utf-8")
    assert "invalid YAML" in check_registry(path)[0]


def test_sites_by_id_lists_every_site(registry_path):
    registry = load_registry(registry_path)
    assert list(registry.sites_by_id) == ["test-city-mzj", "test-assoc"]
    assert registry.sites_by_id["test-assoc"].script == "hant-tw"


def test_limits_with_applies_per_run_overrides(registry_path):
    site = load_registry(registry_path).get("test-city-mzj")
    limits = site.limits_with(max_list_pages=50, max_detail_pages=None)
    assert (limits.max_list_pages, limits.max_detail_pages) == (50, 1000)
    with pytest.raises(ValueError):
        site.limits_with(max_list_pages=-1)


def test_a_site_needs_only_id_name_start_urls_and_allowed_domains(write_registry):
    path = write_registry(
        {
            "sites": [
                {
                    "id": "x-mzj",
                    "name": "某市民政局",
                    "start_urls": ["http://mzj.x.gov.cn/tzgg/"],
                    "allowed_domains": ["mzj.x.gov.cn"],
                }
            ]
        }
    )
    site = load_registry(path).get("x-mzj")
    assert site.kind is None and site.cms == "auto" and site.list_rules.detail_links is None
    assert site.effective_limits.max_detail_pages == 1000 and site.effective_pacing.download_delay == 1.0
    assert [r.url for r in site.entry_requests()] == ["http://mzj.x.gov.cn/tzgg/"]


def test_start_requests_carry_method_form_headers_and_column(write_registry):
    spec = {
        "url": "http://mzj.x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
        "method": "POST",
        "form": {"col": "1", "columnid": "4521"},
        "headers": {"X-Requested-With": "XMLHttpRequest"},
        "column": "通知公告",
    }
    data = {
        "sites": [
            {
                "id": "x",
                "name": "X",
                "start_requests": [spec],
                "allowed_domains": ["mzj.x.gov.cn"],
                "kind": "government",
            }
        ]
    }
    site = load_registry(write_registry(data)).get("x")
    (request,) = site.entry_requests()
    assert request.method == "POST" and request.form == {"col": "1", "columnid": "4521"}
    assert request.headers["X-Requested-With"] == "XMLHttpRequest" and request.column == "通知公告"
    assert site.entry_urls == [spec["url"]]


def test_pacing_defaults_and_overrides(write_registry):
    data = {
        "defaults": {"pacing": {"download_delay": 2.0}, "contact": "crawler@example.org"},
        "sites": [
            {"id": "a", "name": "A", "start_urls": ["http://a.gov.cn/"], "allowed_domains": ["a.gov.cn"]},
            {
                "id": "b",
                "name": "B",
                "start_urls": ["http://b.gov.cn/"],
                "allowed_domains": ["b.gov.cn"],
                "pacing": {"concurrency_per_domain": 1, "download_delay": 5},
            },
        ],
    }
    registry = load_registry(write_registry(data))
    assert registry.get("a").effective_pacing.download_delay == 2.0
    b = registry.get("b").effective_pacing
    assert (b.download_delay, b.concurrency_per_domain, b.autothrottle) == (5.0, 1, True)
    assert registry.defaults.contact == "crawler@example.org"


def test_crawl_contact_comes_from_the_environment_first(write_registry, monkeypatch):
    data = {"defaults": {"contact": "reg@example.org"}, "sites": []}
    registry = load_registry(write_registry(data))
    monkeypatch.delenv("ZHCORPUS_CRAWL_CONTACT", raising=False)
    assert registry.crawl_contact() == "reg@example.org"
    monkeypatch.setenv("ZHCORPUS_CRAWL_CONTACT", "ops@example.org")
    assert registry.crawl_contact() == "ops@example.org"


def test_crawl_timeout_scales_with_the_budgets(write_registry):
    base = {"id": "a", "name": "A", "start_urls": ["http://a.gov.cn/"], "allowed_domains": ["a.gov.cn"]}
    small = {**base, "id": "small", "limits": {"max_detail_pages": 50, "max_list_pages": 5}}
    big = {**base, "id": "big", "limits": {"max_detail_pages": 5000}}
    registry = load_registry(write_registry({"sites": [small, big]}))
    small_s, big_s = registry.get("small").crawl_timeout_s(), registry.get("big").crawl_timeout_s()
    assert small_s == 300  # the floor
    assert big_s > 5000  # 5000 requests at about 2 s each
    assert registry.get("big").crawl_timeout_s(registry.get("small").effective_limits) == 300

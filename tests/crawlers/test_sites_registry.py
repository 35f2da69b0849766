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
    ("missing list", lambda d: _site(d).pop("list"), ["'test-city-mzj'", "missing key 'list'"]),
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

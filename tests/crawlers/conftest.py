"""Shared pieces for crawler tests: a small self-contained registry and a spider built from it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crawlers.spiders.notices import NoticesSpider

LIST_URL = "http://mzj.test-city.example/tzgg/index.html"


def good_registry() -> dict:
    """Return a valid registry as plain data (tests mutate copies of it)."""
    return {
        "defaults": {
            "limits": {
                "max_list_pages": 30,
                "max_detail_pages": 1000,
                "max_depth": 6,
                "max_page_bytes": 5_000_000,
                "recheck_days": 30,
                "download_timeout": 20,
            }
        },
        "sites": [
            {
                "id": "test-city-mzj",
                "name": "测试市民政局",
                "kind": "civil_affairs",
                "enabled": True,
                "bundled": True,
                "allow_private_network": True,  # bundled: served by the fixture proxy on 127.0.0.1
                "allowed_domains": ["mzj.test-city.example"],
                "start_urls": [LIST_URL],
                "list": {"detail_links": "ul.news-list li a", "next_page": "a.next"},
                "detail_url_pattern": r"/tzgg/\d{6}/t\d+_\d+\.html$",
                "encoding": None,
                "script": "hans",
                "column": "通知公告",
                "limits": {"max_list_pages": 5},
            },
            {
                "id": "test-assoc",
                "name": "測試社工協會",
                "kind": "association",
                "enabled": False,
                "allowed_domains": ["swa.test.example"],
                "start_urls": ["http://www.swa.test.example/news/"],
                "list": {"detail_links": "//div[@class='list']//a"},
                "script": "hant-tw",
            },
        ],
    }


def _write_registry(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def registry_data() -> dict:
    """Return a fresh copy of a valid registry as plain data, for a test to mutate."""
    return good_registry()


@pytest.fixture
def write_registry(tmp_path: Path):
    """Return a function writing registry data to a YAML file in the temp dir and returning its path."""
    return lambda data, name="sites.yaml": _write_registry(tmp_path / name, data)


@pytest.fixture
def registry_path(tmp_path: Path) -> Path:
    """Return the path of a valid registry file in a temp dir."""
    return _write_registry(tmp_path / "sites.yaml", good_registry())


@pytest.fixture
def make_spider(tmp_path: Path, registry_path: Path):
    """Return a factory for a NoticesSpider on the test registry, with injected known pages."""

    def make(site: str = "test-city-mzj", known: dict | None = None, registry: Path | None = None) -> NoticesSpider:
        spider = NoticesSpider(
            site=site, run_id="r1", raw_db=str(tmp_path / "raw.db"), registry=str(registry or registry_path)
        )
        spider.known = dict(known or {})
        return spider

    return make

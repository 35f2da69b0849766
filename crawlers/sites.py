"""The site registry: a typed, validated loader for `crawlers/sites.yaml` (no network)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from parsel import Selector
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_REGISTRY_PATH = Path(__file__).with_name("sites.yaml")
DEFAULT_REGISTRY = DEFAULT_REGISTRY_PATH  # the name the CLI imports

SITE_ID_PATTERN = re.compile(r"[a-z0-9-]+")

SiteKind = Literal["civil_affairs", "ministry", "association", "content_farm", "test"]
SiteScript = Literal["hans", "hant", "hant-tw", "hant-hk"]

# Parsed once: selectors are checked by running them on an empty document, exactly as the spider will.
_EMPTY_DOCUMENT = Selector(text="<html><body></body></html>")


class RegistryError(ValueError):
    """Raised by `load_registry` when the registry has problems; `.problems` lists them all."""

    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    """Crawl budgets and timeouts for one site (all fields present)."""

    max_list_pages: NonNegativeInt = 30
    max_detail_pages: NonNegativeInt = 1000
    max_depth: NonNegativeInt = 6
    max_page_bytes: NonNegativeInt = 5_000_000
    recheck_days: NonNegativeInt = 30
    download_timeout: NonNegativeInt = 20


class LimitsOverride(_Strict):
    """Per-site overrides of `defaults.limits`: only the keys given are changed."""

    max_list_pages: NonNegativeInt | None = None
    max_detail_pages: NonNegativeInt | None = None
    max_depth: NonNegativeInt | None = None
    max_page_bytes: NonNegativeInt | None = None
    recheck_days: NonNegativeInt | None = None
    download_timeout: NonNegativeInt | None = None


class Defaults(_Strict):
    """The `defaults:` block of the registry."""

    limits: Limits = Field(default_factory=Limits)


def is_xpath(selector: str) -> bool:
    """Return True when a registry selector is XPath (starts with `/` or `(`), else it is CSS."""
    return selector.lstrip().startswith(("/", "("))


def _check_selector(selector: str) -> str:
    try:
        if is_xpath(selector):
            _EMPTY_DOCUMENT.xpath(selector)
        else:
            _EMPTY_DOCUMENT.css(selector)
    except Exception as exc:  # parsel raises ValueError, cssselect SelectorError: both are "invalid"
        kind = "XPath" if is_xpath(selector) else "CSS"
        raise ValueError(f"invalid {kind} selector {selector!r}: {exc}") from None
    return selector


class ListRules(_Strict):
    """How to walk a site's list pages: which <a> lead to details, which <a> to the next list page."""

    detail_links: str
    next_page: str | None = None

    @field_validator("detail_links", "next_page")
    @classmethod
    def _check_selectors(cls, value: str | None) -> str | None:
        return None if value is None else _check_selector(value)


def host_allowed(host: str, allowed_domains: list[str]) -> bool:
    """Return True when `host` is one of `allowed_domains` or a subdomain of one (Scrapy's rule)."""
    host = host.lower()
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in allowed_domains)


class Site(_Strict):
    """One registry entry; `effective_limits` is the defaults merged with this site's overrides."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str
    name: str
    kind: SiteKind
    enabled: bool = True
    bundled: bool = False
    allowed_domains: list[str] = Field(min_length=1)
    start_urls: list[str] = Field(min_length=1)
    list_rules: ListRules = Field(alias="list")
    detail_url_pattern: str | None = None
    encoding: str | None = None
    script: SiteScript = "hans"
    column: str | None = None
    limits: LimitsOverride = Field(default_factory=LimitsOverride)
    # Requests to private, loopback or link-local addresses are refused unless the site opts in (bundled
    # fixtures and local stand-ins do).
    allow_private_network: bool = False

    _effective_limits: Limits = PrivateAttr(default_factory=Limits)

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not SITE_ID_PATTERN.fullmatch(value):
            raise ValueError(f"id {value!r} must match [a-z0-9-]+")
        return value

    @field_validator("allowed_domains")
    @classmethod
    def _check_domains(cls, value: list[str]) -> list[str]:
        for domain in value:
            if not domain or "/" in domain or ":" in domain or domain != domain.strip():
                raise ValueError(f"allowed domain {domain!r} must be a bare host (no scheme, port or path)")
        return value

    @field_validator("start_urls")
    @classmethod
    def _check_start_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"start URL {url!r} must be an absolute http(s) URL")
        return value

    @field_validator("detail_url_pattern")
    @classmethod
    def _check_pattern(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regex {value!r}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _check_start_hosts(self) -> Site:
        for url in self.start_urls:
            host = urlsplit(url).hostname or ""
            if not host_allowed(host, self.allowed_domains):
                raise ValueError(f"start URL {url!r}: host {host!r} is not in allowed_domains")
        return self

    @property
    def effective_limits(self) -> Limits:
        """Return the defaults merged with this site's overrides."""
        return self._effective_limits

    def limits_with(self, **overrides: int | None) -> Limits:
        """Return the effective limits with per-run overrides applied (None values are ignored)."""
        update = {k: v for k, v in overrides.items() if v is not None}
        return Limits.model_validate({**self._effective_limits.model_dump(), **update})

    @property
    def detail_regex(self) -> re.Pattern[str] | None:
        """Return the compiled `detail_url_pattern`, or None when the site has none."""
        return re.compile(self.detail_url_pattern) if self.detail_url_pattern else None


class Registry(_Strict):
    """The whole registry: defaults plus sites, ids unique, effective limits resolved."""

    defaults: Defaults = Field(default_factory=Defaults)
    sites: list[Site] = Field(default_factory=list)

    @model_validator(mode="after")
    def _resolve(self) -> Registry:
        ids = [s.id for s in self.sites]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate site id(s): {', '.join(dupes)}")
        for site in self.sites:
            overrides = site.limits.model_dump(exclude_none=True)
            site._effective_limits = self.defaults.limits.model_copy(update=overrides)
        return self

    def enabled(self) -> list[Site]:
        """Return the enabled sites, in registry order."""
        return [s for s in self.sites if s.enabled]

    @property
    def sites_by_id(self) -> dict[str, Site]:
        """Return site id -> site, for every site (enabled or not)."""
        return {s.id: s for s in self.sites}

    def get(self, site_id: str) -> Site:
        """Return the site with this id; KeyError naming the known ids otherwise."""
        for site in self.sites:
            if site.id == site_id:
                return site
        raise KeyError(f"unknown site {site_id!r}; known: {', '.join(s.id for s in self.sites)}")

    def bundled_hosts(self) -> list[str]:
        """Return the allowed domains of every bundled site (served by the local fixture proxy)."""
        return sorted({d for s in self.sites if s.bundled for d in s.allowed_domains})


def _format_error(prefix: str, err: Any) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        return f"{prefix}: unknown key {loc!r}"
    if err["type"] == "missing":
        return f"{prefix}: missing key {loc!r}"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{prefix}, key {loc!r}: {msg}" if loc else f"{prefix}: {msg}"


def _validate(raw: Any) -> tuple[Registry | None, list[str]]:
    """Return (registry, []) or (None, problems); each problem names the site id and key."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return None, ["registry: top level must be a mapping with `defaults` and `sites`"]
    problems = [f"registry: unknown top-level key {k!r}" for k in raw if k not in ("defaults", "sites")]

    defaults: Defaults | None = None
    try:
        defaults = Defaults.model_validate(raw.get("defaults") or {})
    except ValidationError as exc:
        problems += [_format_error("defaults", e) for e in exc.errors()]

    sites_raw = raw.get("sites") or []
    if not isinstance(sites_raw, list):
        return None, [*problems, "registry: `sites` must be a list"]
    sites: list[Site] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(sites_raw):
        site_id = entry.get("id") if isinstance(entry, dict) else None
        label = f"site {site_id!r}" if isinstance(site_id, str) else f"sites[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{label}: must be a mapping")
            continue
        if isinstance(site_id, str):
            if site_id in seen:
                problems.append(f"{label}: duplicate id (also sites[{seen[site_id]}])")
            seen.setdefault(site_id, index)
        try:
            sites.append(Site.model_validate(entry))
        except ValidationError as exc:
            problems += [_format_error(label, e) for e in exc.errors()]

    if problems or defaults is None:
        return None, problems
    return Registry(defaults=defaults, sites=sites), []


def _read_yaml(path: Path) -> tuple[Any, list[str]]:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")), []
    except OSError as exc:
        return None, [f"{path}: cannot read: {exc}"]
    except yaml.YAMLError as exc:
        return None, [f"{path}: invalid YAML: {exc}"]


def load_registry(path: Path | None = None) -> Registry:
    """Return the validated registry; raise RegistryError listing every problem otherwise."""
    path = Path(path) if path is not None else DEFAULT_REGISTRY_PATH
    raw, problems = _read_yaml(path)
    registry = None
    if not problems:
        registry, problems = _validate(raw)
    if problems or registry is None:
        raise RegistryError(path, problems)
    return registry


def check_registry(path: Path | None = None) -> list[str]:
    """Return the registry's problems (empty when valid), without network access."""
    path = Path(path) if path is not None else DEFAULT_REGISTRY_PATH
    raw, problems = _read_yaml(path)
    if problems:
        return problems
    return _validate(raw)[1]

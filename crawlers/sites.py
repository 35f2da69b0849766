"""The site registry: a typed, validated loader for `crawlers/sites.yaml` (no network)."""

from __future__ import annotations

import hashlib
import os
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
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from crawlers.addresses import host_refusal

DEFAULT_REGISTRY_PATH = Path(__file__).with_name("sites.yaml")
DEFAULT_REGISTRY = DEFAULT_REGISTRY_PATH  # the name the CLI imports

SITE_ID_PATTERN = re.compile(r"[a-z0-9-]+")

# The environment variable holding the crawl contact (an e-mail or URL) sent in the user agent.
CONTACT_ENV = "ZHCORPUS_CRAWL_CONTACT"

# Bounds of the per-site crawl timeout `Site.crawl_timeout_s` computes.
CRAWL_TIMEOUT_MIN_S = 300
CRAWL_TIMEOUT_MAX_S = 6 * 3600

# What kind of publisher a site is; informational (reports, filters), nothing in the crawl depends on it.
SiteKind = Literal[
    "civil_affairs",  # 民政部门: 民政局, 民政厅
    "ministry",  # a national ministry or commission
    "government",  # a 政府门户 or another government department (发改委, 人社局, ...)
    "association",  # 社会工作协会 and other associations
    "content_farm",  # 范文 sites and other reposting farms
    "test",  # fixtures and benchmarks
    "other",
]
SiteScript = Literal["hans", "hant", "hant-tw", "hant-hk"]
# The CMS family whose list pages, pagers and data proxies a site's lists follow (crawlers/cms/); `auto` detects
# it from the first list page of each column.
CmsName = Literal["auto", "trs", "hanweb", "gkmlpt", "ucap", "json", "static"]

# Parsed once: selectors are checked by running them on an empty document, exactly as the spider will.
_EMPTY_DOCUMENT = Selector(text="<html><body></body></html>")


class RegistryError(ValueError):
    """Raised by `load_registry` when the registry has problems; `.problems` lists them all."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
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


class Pacing(_Strict):
    """How fast a site is crawled (all fields present): polite defaults for real servers."""

    download_delay: NonNegativeFloat = 1.0  # seconds between requests to one domain (±50% jitter)
    concurrency_per_domain: PositiveInt = 2
    autothrottle: bool = True  # back off further when the server slows down


class PacingOverride(_Strict):
    """Per-site overrides of `defaults.pacing`: only the keys given are changed."""

    download_delay: NonNegativeFloat | None = None
    concurrency_per_domain: PositiveInt | None = None
    autothrottle: bool | None = None


class Defaults(_Strict):
    """The `defaults:` block of the registry."""

    limits: Limits = Field(default_factory=Limits)
    pacing: Pacing = Field(default_factory=Pacing)
    # How site operators reach whoever runs the crawl (an e-mail or URL), sent in the user agent. Real sites are
    # not crawled without one; the environment variable ZHCORPUS_CRAWL_CONTACT overrides it.
    contact: str | None = None


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
    """Selectors that override the detected list structure: which <a> lead to details, which to the next page."""

    detail_links: str | None = None
    next_page: str | None = None

    @field_validator("detail_links", "next_page")
    @classmethod
    def _check_selectors(cls, value: str | None) -> str | None:
        return None if value is None else _check_selector(value)


class RequestSpec(_Strict):
    """A start request that is more than a URL: a method, form fields or a body, headers, its column."""

    url: str
    method: Literal["GET", "POST"] = "GET"
    form: dict[str, str] | None = None  # sent urlencoded (POST) or as the query (GET)
    body: str | None = None  # a raw body (e.g. JSON) instead of form fields
    headers: dict[str, str] = Field(default_factory=dict)
    column: str | None = None  # the 栏目 this list is (default: the site's `column`, else read from the page)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return _check_absolute_url(value)

    @model_validator(mode="after")
    def _check_body(self) -> RequestSpec:
        if self.form is not None and self.body is not None:
            raise ValueError("give either `form` or `body`, not both")
        return self


class JsonApiRules(_Strict):
    """A JSON list API: where the rows are in the answer and which fields hold URL, title and date.

    Paths are dotted (`data.list`); a list of paths means the first one present. Leave any out to detect it.
    """

    items: str | None = None  # path of the array of rows
    url: list[str] | str | None = None  # field(s) holding the detail URL (absolute or relative)
    url_template: str | None = None  # or a template filled from row fields: "/art/{id}.html"
    title: list[str] | str | None = None
    date: list[str] | str | None = None  # "2026-01-05 ...", 2026年1月5日 or epoch seconds/milliseconds
    total: list[str] | str | None = None  # path of the total number of records
    page_param: str | None = None  # the query/form field holding the page number (detected: page, pageNo, ...)
    page_url: str | None = None  # or a URL template with {page}
    page_start: int = 1


def _check_absolute_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"start URL {url!r} must be an absolute http(s) URL")
    return url


def host_allowed(host: str, allowed_domains: list[str]) -> bool:
    """Return True when `host` is one of `allowed_domains` or a subdomain of one (Scrapy's rule)."""
    host = host.lower()
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in allowed_domains)


class Site(_Strict):
    """One registry entry; `effective_limits` is the defaults merged with this site's overrides."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str
    name: str
    kind: SiteKind | None = None
    enabled: bool = True
    bundled: bool = False
    allowed_domains: list[str] = Field(min_length=1)
    start_urls: list[str] = Field(default_factory=list)
    # Start requests with a method, form fields, headers or a column of their own (each is one list walk).
    start_requests: list[RequestSpec] = Field(default_factory=list)
    cms: CmsName = "auto"
    list_rules: ListRules = Field(default_factory=ListRules, alias="list")
    json_api: JsonApiRules | None = None
    detail_url_pattern: str | None = None
    encoding: str | None = None
    script: SiteScript = "hans"
    column: str | None = None
    limits: LimitsOverride = Field(default_factory=LimitsOverride)
    pacing: PacingOverride = Field(default_factory=PacingOverride)
    # Requests to private, loopback or link-local addresses are refused unless the site opts in (bundled
    # fixtures and local stand-ins do).
    allow_private_network: bool = False

    _effective_limits: Limits = PrivateAttr(default_factory=Limits)
    _effective_pacing: Pacing = PrivateAttr(default_factory=Pacing)

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
            _check_absolute_url(url)
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
        if not self.start_urls and not self.start_requests:
            raise ValueError("give `start_urls` (or `start_requests`): at least one list page to start from")
        for url in self.entry_urls:
            host = urlsplit(url).hostname or ""
            if not host_allowed(host, self.allowed_domains):
                raise ValueError(f"start URL {url!r}: host {host!r} is not in allowed_domains")
        if self.allow_private_network:
            return self
        if self.bundled:
            raise ValueError(
                "bundled sites are served by the fixture proxy on 127.0.0.1: set allow_private_network: true"
            )
        # Judged without DNS: IP literals and localhost names (a name that resolves privately is refused at crawl).
        for key, hosts in (
            ("start_urls", [urlsplit(u).hostname or "" for u in self.entry_urls]),
            ("allowed_domains", self.allowed_domains),
        ):
            for host in hosts:
                kind = host_refusal(host)
                if kind is not None:
                    raise ValueError(
                        f"{key}: {host} is a {kind} address; the crawler refuses it unless the site sets "
                        "allow_private_network: true (local stand-ins only)"
                    )
        return self

    @property
    def entry_urls(self) -> list[str]:
        """Return the URLs of every start URL and start request, in registry order."""
        return [*self.start_urls, *(r.url for r in self.start_requests)]

    def entry_requests(self) -> list[RequestSpec]:
        """Return every start as a RequestSpec: plain start URLs first, then the start requests."""
        return [RequestSpec(url=url) for url in self.start_urls] + list(self.start_requests)

    @property
    def effective_limits(self) -> Limits:
        """Return the defaults merged with this site's overrides."""
        return self._effective_limits

    @property
    def effective_pacing(self) -> Pacing:
        """Return the default pacing merged with this site's overrides."""
        return self._effective_pacing

    def crawl_timeout_s(self, limits: Limits | None = None) -> float:
        """Return a wall-clock limit for one crawl of this site, scaled to its budgets and pacing.

        Every list and detail request within the budgets, each taking the download delay plus a second of
        transfer, divided among the concurrent requests (AutoThrottle keeps about one in flight), plus two
        minutes of slack; between 5 minutes and 6 hours. A bundled site (no delay) gets the 5-minute floor.
        """
        limits = limits or self.effective_limits
        pacing = self.effective_pacing
        requests = limits.max_list_pages + limits.max_detail_pages
        in_flight = 1 if pacing.autothrottle else pacing.concurrency_per_domain
        # Bundled sites are served from 127.0.0.1 without any delay (crawlers/settings.py).
        per_request = 0.05 if self.bundled else (pacing.download_delay + 1.0) / in_flight
        return float(min(max(120 + requests * per_request, CRAWL_TIMEOUT_MIN_S), CRAWL_TIMEOUT_MAX_S))

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
            pacing = site.pacing.model_dump(exclude_none=True)
            site._effective_pacing = self.defaults.pacing.model_copy(update=pacing)
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

    def crawl_contact(self) -> str | None:
        """Return the crawl contact: $ZHCORPUS_CRAWL_CONTACT, else `defaults.contact`, else None."""
        return (os.environ.get(CONTACT_ENV) or "").strip() or self.defaults.contact


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


# Registries already validated, by (path, content hash): a batch process starts a spider per site, and each
# would otherwise parse and validate the whole registry again (minutes for a thousand sites). Registry is frozen.
_LOADED: dict[tuple[str, str], Registry] = {}


def load_registry(path: Path | None = None) -> Registry:
    """Return the validated registry; raise RegistryError listing every problem otherwise."""
    path = Path(path) if path is not None else DEFAULT_REGISTRY_PATH
    try:
        key = (str(path.resolve()), hashlib.sha1(path.read_bytes()).hexdigest())
    except OSError:
        key = None
    if key in _LOADED:
        return _LOADED[key]
    raw, problems = _read_yaml(path)
    registry = None
    if not problems:
        registry, problems = _validate(raw)
    if problems or registry is None:
        raise RegistryError(path, problems)
    if key is not None:
        if len(_LOADED) >= 8:
            _LOADED.clear()
        _LOADED[key] = registry
    return registry


def check_registry(path: Path | None = None) -> list[str]:
    """Return the registry's problems (empty when valid), without network access."""
    path = Path(path) if path is not None else DEFAULT_REGISTRY_PATH
    raw, problems = _read_yaml(path)
    if problems:
        return problems
    return _validate(raw)[1]

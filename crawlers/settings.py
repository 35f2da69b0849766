"""The one home of Scrapy settings: polite defaults, plus what a registry entry changes."""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from crawlers.sites import CONTACT_ENV, Limits, Site

# The user agent names the crawler and how its operator is reached: `defaults.contact` in the registry or
# $ZHCORPUS_CRAWL_CONTACT (an e-mail or URL). $ZHCORPUS_USER_AGENT replaces the whole string.
USER_AGENT_TEMPLATE = "zhcorpus/{version} (Chinese public-notice corpus crawler; +{contact})"
USER_AGENT_ENV = "ZHCORPUS_USER_AGENT"
NO_CONTACT = "contact not configured"


def _version() -> str:
    try:
        return version("zhcorpus")
    except PackageNotFoundError:
        return "0"


def user_agent(contact: str | None) -> str:
    """Return the user agent: $ZHCORPUS_USER_AGENT, else the crawler's name and version with the contact."""
    override = (os.environ.get(USER_AGENT_ENV) or "").strip()
    if override:
        return override
    return USER_AGENT_TEMPLATE.format(version=_version(), contact=contact or NO_CONTACT)


class MissingContact(ValueError):
    """A real site would be crawled without a contact in the user agent."""


def check_contact(site: Site, contact: str | None) -> None:
    """Raise MissingContact when a real site (not bundled, not a local stand-in) would be crawled anonymously."""
    if contact or (os.environ.get(USER_AGENT_ENV) or "").strip() or site.bundled or site.allow_private_network:
        return
    raise MissingContact(
        f"site {site.id!r}: no crawl contact for the user agent; set {CONTACT_ENV} (an e-mail or URL) "
        "or `defaults.contact` in the registry"
    )


# Priority of our proxy middleware: before Scrapy's HttpProxyMiddleware (750), which then honours the
# `proxy` meta key we set, and after RobotsTxtMiddleware (100), whose robots.txt requests pass through us.
FIXTURE_PROXY_MIDDLEWARE_PRIORITY = 740
# Network discipline first of all (before RobotsTxtMiddleware at 100): an offsite or private target is refused
# before anything, robots.txt included, is fetched from it.
NETWORK_SAFETY_MIDDLEWARE_PRIORITY = 50
# After HttpCompressionMiddleware (590): responses pass downloader middlewares from the highest number down, so
# this one sees the body as it arrived, before decompression.
COMPLETE_BODY_MIDDLEWARE_PRIORITY = 595

# Settings every crawl gets, whatever the site.
BASE_SETTINGS: dict[str, Any] = {
    "BOT_NAME": "zhcorpus",
    "USER_AGENT": user_agent(None),
    "ROBOTSTXT_OBEY": True,
    # Polite pacing for real servers (the registry's `pacing` sets delay and per-domain concurrency per site);
    # AutoThrottle backs off further when a server slows down.
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "DOWNLOAD_DELAY": 1.0,
    "DOWNLOAD_DELAY_JITTER": 0.5,  # each delay varies by ±50%
    # ... but a host's next request starts at least this long after its previous download ended
    # (crawlers.middlewares.SpacedHTTPDownloadHandler), however late the event loop runs.
    "HOST_MIN_SPACING_S": 1.0,
    "DOWNLOAD_HANDLERS": {
        "http": "crawlers.middlewares.SpacedHTTPDownloadHandler",
        "https": "crawlers.middlewares.SpacedHTTPDownloadHandler",
    },
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 2.0,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    # Transient failures are retried; what is still failing afterwards is stored with its status.
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
    # Every status reaches the spider so it can be stored (redirects are still followed, unlike
    # the per-request `handle_httpstatus_all` meta key, which would also switch redirects off).
    "HTTPERROR_ALLOW_ALL": True,
    "TELNETCONSOLE_ENABLED": False,
    # Raw pages are the cache: an HTTP cache would hide what the server really sent this run.
    "HTTPCACHE_ENABLED": False,
    "DOWNLOADER_MIDDLEWARES": {
        "crawlers.safety.NetworkSafetyMiddleware": NETWORK_SAFETY_MIDDLEWARE_PRIORITY,
        "crawlers.middlewares.CompleteBodyMiddleware": COMPLETE_BODY_MIDDLEWARE_PRIORITY,
        "crawlers.middlewares.FixtureProxyMiddleware": FIXTURE_PROXY_MIDDLEWARE_PRIORITY,
    },
    # Refuses private DNS answers for host names of sites that did not opt in (allow_private_network).
    "TWISTED_DNS_RESOLVER": "crawlers.safety.SafeResolver",
    # A body shorter than its Content-Length is an error, never a good page (Scrapy's default, pinned here).
    "DOWNLOAD_FAIL_ON_DATALOSS": True,
    "ITEM_PIPELINES": {"crawlers.pipelines.RawStorePipeline": 300},
    "LOG_LEVEL": "INFO",
    "LOG_STDOUT": False,
}

# Rule BUNDLED_SITES_UNTHROTTLED: a bundled site is served by fixtures/ from 127.0.0.1, so there is no
# real server to be polite to and a full crawl of all bundled sites should take seconds. Only sites
# marked `bundled: true` in the registry get this; every real site keeps the polite pacing above.
BUNDLED_SITE_OVERRIDES: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "HOST_MIN_SPACING_S": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


def limit_settings(limits: Limits) -> dict[str, Any]:
    """Return the Scrapy settings that follow from a site's effective limits."""
    return {
        "DOWNLOAD_MAXSIZE": limits.max_page_bytes,
        "DOWNLOAD_WARNSIZE": limits.max_page_bytes // 2,
        "DOWNLOAD_TIMEOUT": limits.download_timeout,
        # Each followed "next page" adds one to Scrapy's depth, so the walk through the list pages
        # needs max_list_pages levels; max_depth is the safety net for hops beyond that.
        "DEPTH_LIMIT": limits.max_list_pages + limits.max_depth,
    }


def pacing_settings(site: Site) -> dict[str, Any]:
    """Return the Scrapy settings that follow from a site's effective pacing."""
    pacing = site.effective_pacing
    return {
        "DOWNLOAD_DELAY": pacing.download_delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": pacing.concurrency_per_domain,
        "AUTOTHROTTLE_ENABLED": pacing.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(pacing.download_delay, BASE_SETTINGS["AUTOTHROTTLE_START_DELAY"]),
        # The spacing floor is the polite default; a site whose operator set a shorter delay (a stand-in, one's
        # own server) is spaced by that delay instead.
        "HOST_MIN_SPACING_S": min(BASE_SETTINGS["HOST_MIN_SPACING_S"], pacing.download_delay),
    }


def settings_for_site(
    site: Site,
    *,
    fixture_proxy: str | None = None,
    fixture_hosts: list[str] | None = None,
    limits: Limits | None = None,
    contact: str | None = None,
) -> dict[str, Any]:
    """Return the complete Scrapy settings for crawling one registry site (`limits`: per-run override)."""
    settings = {**BASE_SETTINGS, **limit_settings(limits or site.effective_limits), **pacing_settings(site)}
    settings["USER_AGENT"] = user_agent(contact)
    settings["SAFETY_ALLOWED_DOMAINS"] = list(site.allowed_domains)
    settings["SAFETY_ALLOW_PRIVATE_NETWORK"] = site.allow_private_network
    if site.bundled:
        settings.update(BUNDLED_SITE_OVERRIDES)
    if fixture_proxy:
        settings["FIXTURE_PROXY"] = fixture_proxy
    settings["FIXTURE_HOSTS"] = list(fixture_hosts or [])
    return settings

"""Which hosts and addresses are private (loopback, private, link-local, multicast, reserved), judged without DNS.

Pure functions shared by the registry's validation (crawlers/sites.py) and the crawler's network discipline
(crawlers/safety.py).
"""

from __future__ import annotations

import ipaddress
import re
import socket

# RFC 6761: these names always mean this machine, whatever DNS says; they are refused without a lookup.
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
# The properties of ipaddress that make an address off limits, in the order their names are reported.
PRIVATE_KINDS = ("loopback", "link_local", "multicast", "private", "reserved", "unspecified")


def address_kind(address: str) -> str | None:
    """Return why an IP address may not be reached without an opt-in (loopback, private, ...), or None if public."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for kind in PRIVATE_KINDS:
        if getattr(ip, f"is_{kind}"):
            return kind
    return None if ip.is_global else "reserved"  # shared address space (100.64/10) and the like


# What the C library (inet_aton) also reads as an IPv4 address: 127.1, 0x7f.0.0.1, 2130706433, 0177.0.0.1.
_LOOSE_IPV4 = re.compile(r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}", re.I)


def as_ip(host: str) -> str | None:
    """Return host as a canonical IP address if it is one written out, in any form the C library accepts
    (it never reaches DNS), else None."""
    host = host.strip("[]").split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if _LOOSE_IPV4.fullmatch(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_ip_literal(host: str) -> bool:
    """Return True when host is an IPv4 or IPv6 address written out, in any form (it never reaches DNS)."""
    return as_ip(host) is not None


def is_loopback_name(host: str) -> bool:
    """Return True for localhost and its subdomains (RFC 6761)."""
    host = host.lower().rstrip(".")
    return any(host == name or host.endswith("." + name) for name in LOOPBACK_NAMES)


def host_refusal(host: str) -> str | None:
    """Return why a host may not be reached without an opt-in, judged without DNS (IP literal or localhost)."""
    if is_loopback_name(host):
        return "loopback"
    ip = as_ip(host)
    return address_kind(ip) if ip is not None else None

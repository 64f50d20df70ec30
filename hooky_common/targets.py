"""Which webhook targets may be called: by default only globally routable unicast addresses (SSRF guard)."""
from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

ALLOW_PRIVATE_ENV = "HOOKY_ALLOW_PRIVATE_TARGETS"


def private_targets_allowed() -> bool:
    return os.environ.get(ALLOW_PRIVATE_ENV, "").lower() in ("1", "true", "yes")


def blocked_reason(address: str) -> str | None:
    """Why an IP address may not be called (loopback, private, link-local, metadata...), or None."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "link_local", "multicast", "private", "unspecified", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return f"{ip} is a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def literal_address_problem(url: str) -> str | None:
    """For the API: a URL whose host is a literal non-public IP address is refused up front."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return "targets this machine (localhost)"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: checked on its resolved address by the worker at call time
    reason = blocked_reason(host)
    return f"targets a non-public address: {reason}" if reason else None

"""Where the audio of a JSON answer may be fetched from (pure policy, no I/O).

The AI/ML API can answer a synthesis with ``{"audio": "<url>"}``. That URL is fetched from
inside Home Assistant, so a service or proxy that is wrong or hostile could otherwise make
Home Assistant fetch from the local network or its own loopback. The rules:

- https only; plain http only when the configured server itself is plain http.
- Every address the host resolves to must be public, or of the same kind as the configured
  server's own addresses (a local proxy or the test fake on loopback may hand out loopback
  URLs, not LAN or link-local ones). Multicast, unspecified and reserved addresses never.
- Redirects are not followed blindly: each target passes the same checks, at most
  :data:`MAX_REDIRECTS` of them.
- The API key is never sent there (the client sends no credentials with these requests).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
import ipaddress
from typing import Final
from urllib.parse import urlsplit

from .errors import AudioUrlRefusedError

MAX_REDIRECTS: Final = 3
MAX_JSON_BYTES: Final = 64 * 1024  # a JSON answer carries a URL and some usage figures


class AddressKind(StrEnum):
    """What kind of network an IP address belongs to."""

    PUBLIC = "public"
    LOOPBACK = "loopback"
    PRIVATE = "private"  # RFC 1918, unique local (fc00::/7), carrier-grade NAT
    LINK_LOCAL = "link-local"
    NEVER = "never"  # multicast, unspecified, reserved, documentation


def address_kind(address: str) -> AddressKind:  # noqa: PLR0911 - one return a kind
    """Classify one IP address (an IPv4-mapped IPv6 address counts as its IPv4 address)."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
        address.split("%", 1)[0]
    )
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        return AddressKind.NEVER
    if ip.is_loopback:  # before "reserved": ::1 lies in the reserved ::/8
        return AddressKind.LOOPBACK
    if ip.is_link_local:
        return AddressKind.LINK_LOCAL
    if ip.is_reserved:
        return AddressKind.NEVER
    if ip.is_private or ip in ipaddress.ip_network("100.64.0.0/10"):
        # is_private also covers documentation ranges; treat them as local, never public.
        return AddressKind.PRIVATE
    if ip.is_global:
        return AddressKind.PUBLIC
    return AddressKind.NEVER


def ip_literal(host: str) -> str | None:
    """``host`` when it is an IP address written out (brackets removed), else None."""
    bare = host.strip("[]")
    try:
        ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        return None
    return bare


def check_scheme(url: str, server_url: str) -> tuple[str, int]:
    """Refuse a URL of a scheme the policy does not allow; return its host and port."""
    parts = urlsplit(url)
    allowed = {"https"} | ({"http"} if urlsplit(server_url).scheme == "http" else set())
    if parts.scheme not in allowed:
        raise AudioUrlRefusedError(f"refusing to fetch audio over {parts.scheme or 'no scheme'}")
    if not parts.hostname:
        raise AudioUrlRefusedError("the audio URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as err:
        raise AudioUrlRefusedError("the audio URL has an invalid port") from err
    return parts.hostname, port


def check_addresses(
    host: str, addresses: Iterable[str], server_kinds: Iterable[AddressKind]
) -> None:
    """Refuse a host any of whose ``addresses`` is not public nor like the server's own."""
    allowed = {AddressKind.PUBLIC} | (set(server_kinds) - {AddressKind.NEVER})
    addresses = list(addresses)
    if not addresses:
        raise AudioUrlRefusedError(f"the audio host {host} has no address")
    for address in addresses:
        kind = address_kind(address)
        if kind not in allowed:
            raise AudioUrlRefusedError(f"refusing to fetch audio from a {kind} address ({host})")


_LOCAL_SUFFIXES: Final = (".local", ".lan", ".home", ".internal", ".home.arpa", ".localhost")


def is_local_host(host: str) -> bool:
    """Whether ``host`` names the local network: a non-public IP, localhost, a LAN name."""
    if literal := ip_literal(host):
        return address_kind(literal) in {
            AddressKind.LOOPBACK,
            AddressKind.PRIVATE,
            AddressKind.LINK_LOCAL,
        }
    name = host.lower().rstrip(".")
    return name == "localhost" or "." not in name or name.endswith(_LOCAL_SUFFIXES)

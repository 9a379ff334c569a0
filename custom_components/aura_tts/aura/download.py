"""Fetching the audio a JSON answer points to, under the audio-URL policy (audio_url.py).

The API key is never sent there; every address, redirect target and the peer actually
connected to must pass the policy.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import socket
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from .audio_url import (
    MAX_REDIRECTS,
    AddressKind,
    address_kind,
    check_addresses,
    check_scheme,
    ip_literal,
)
from .errors import AudioUrlRefusedError, BadResponseError, CannotConnectError
from .http import REDIRECTS, Transport, is_audio, read_capped, read_json


async def audio_url_of(response: aiohttp.ClientResponse, root: str) -> str:
    """The audio URL of a JSON answer (read with a size cap), absolute."""
    data: Any = await read_json(response)
    url = data.get("audio") if isinstance(data, dict) else None
    if not isinstance(url, str):
        raise BadResponseError("the JSON answer has no audio URL")
    return urljoin(root, url)


class AudioDownloader:
    """Downloads audio URLs for one configured server (whose address kinds it learns once)."""

    def __init__(self, http: Transport) -> None:
        """Download with ``http``'s session and timeouts, without its key."""
        self._http = http
        self._server_kinds: frozenset[AddressKind] | None = None

    async def _check_audio_url(self, url: str) -> None:
        """Refuse a URL the audio-URL policy does not allow (see audio_url.py)."""
        host, port = check_scheme(url, self._http.root)
        check_addresses(host, await self._addresses(host, port), await self._own_kinds())

    async def _own_kinds(self) -> frozenset[AddressKind]:
        """The kinds of address the configured server has (resolved once)."""
        if self._server_kinds is None:
            parts = urlsplit(self._http.root)
            host = parts.hostname or ""
            try:
                addresses = await self._addresses(host, parts.port or 443)
            except AudioUrlRefusedError:
                addresses = []
            self._server_kinds = frozenset(address_kind(a) for a in addresses)
        return self._server_kinds

    @staticmethod
    async def _addresses(host: str, port: int) -> list[str]:
        if literal := ip_literal(host):
            return [literal]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as err:
            raise AudioUrlRefusedError(f"the audio host {host} cannot be resolved") from err
        return [str(info[4][0]) for info in infos]

    async def download(self, url: str) -> AsyncGenerator[bytes]:
        """Stream audio from the URL a JSON answer gave; the API key is NOT sent there."""
        for _ in range(MAX_REDIRECTS + 1):
            await self._check_audio_url(url)
            try:
                response = await self._http.session.get(
                    url, timeout=self._http.timeouts.client_timeout(), allow_redirects=False
                )
            except TimeoutError as err:
                raise CannotConnectError("timed out fetching the audio") from err
            except aiohttp.ClientError as err:
                raise CannotConnectError(f"cannot fetch the audio: {type(err).__name__}") from err
            try:
                self._check_peer(response, url)
                if response.status in REDIRECTS:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if response.status >= 400:
                    raise BadResponseError(f"the audio URL answered HTTP {response.status}")
                if not is_audio(response.content_type):
                    raise BadResponseError(f"the audio URL gave {response.content_type}, not audio")
                async for chunk in read_capped(response):
                    yield chunk
                return
            finally:
                response.release()
        raise AudioUrlRefusedError("the audio URL redirects too often")

    def _check_peer(self, response: aiohttp.ClientResponse, url: str) -> None:
        """The address really connected to must pass too (a name can resolve anew)."""
        connection = response.connection
        transport = connection.transport if connection is not None else None
        peer = transport.get_extra_info("peername") if transport is not None else None
        if peer and self._server_kinds is not None:
            check_addresses(urlsplit(url).hostname or "", [str(peer[0])], self._server_kinds)

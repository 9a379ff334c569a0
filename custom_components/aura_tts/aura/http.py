"""The transport: authenticated requests to a speech service, timeouts and the retry policy.

An error answer becomes its typed error; bodies are read with caps, so a runaway answer is
an error, not a memory problem.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
import json
import random
from typing import Any, Final
from urllib.parse import urljoin

import aiohttp

from .audio_url import MAX_JSON_BYTES
from .errors import AuraError, BadResponseError, CannotConnectError, error_for, error_message

MAX_AUDIO_BYTES: Final = 64 * 1024 * 1024  # 2000 characters never need more; caps runaways
_ERROR_BODY_LIMIT: Final = 64 * 1024
_CHUNK_SIZE: Final = 16 * 1024
REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait: to connect, for each read (first byte and any stall), in total."""

    connect: float = 10.0
    read: float = 15.0
    total: float = 300.0

    def client_timeout(self) -> aiohttp.ClientTimeout:
        """The same limits as aiohttp wants them."""
        return aiohttp.ClientTimeout(
            total=self.total, sock_connect=self.connect, sock_read=self.read
        )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to keep trying when the service is busy or briefly unreachable.

    Only failures that say "try again" are retried (429, 502, 503, 504, a refused or reset
    connection), and only before any audio has been passed on. Waits grow exponentially
    with jitter (so many clients do not retry in step), honour ``Retry-After``, and stop
    when the next wait would end past ``budget`` seconds from the first attempt.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 4.0
    budget: float = 10.0

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first)."""
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))
        jittered = backoff * random.uniform(0.5, 1.0)  # noqa: S311 - not cryptography
        return max(jittered, retry_after or 0.0)


class Transport:
    """Requests to one server with one key, over an injected aiohttp session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        base_url: str,
        timeouts: Timeouts,
        *,
        auth_scheme: str = "Bearer",
    ) -> None:
        """Talk to ``base_url`` with ``api_key``; the session stays the caller's.

        ``auth_scheme``: how the key is presented (the AI/ML API takes ``Bearer``,
        Deepgram ``Token``).
        """
        self.session = session
        self.auth_scheme = auth_scheme
        self.api_key = api_key
        self.root = base_url.rstrip("/") + "/"  # for urljoin: paths are relative to it
        self.timeouts = timeouts

    def url(self, path: str) -> str:
        """The server's URL for ``path``."""
        return urljoin(self.root, path.lstrip("/"))

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"{self.auth_scheme} {self.api_key}"}

    async def request(
        self,
        method: str,
        path: str,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        """Send one authenticated request; connection problems become CannotConnectError."""
        try:
            return await self.session.request(
                method,
                self.url(path),
                json=json_body,
                params=params,
                headers=self._auth,
                timeout=self.timeouts.client_timeout(),
                allow_redirects=False,
            )
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as err:
            # The connection was never made: the service cannot have seen the request.
            raise CannotConnectError(
                f"cannot reach the service: {type(err).__name__}", sent=False
            ) from err
        except TimeoutError as err:
            raise CannotConnectError("the service did not answer in time") from err
        except aiohttp.ClientError as err:
            raise CannotConnectError(f"the service went away: {type(err).__name__}") from err

    async def error_of(
        self, response: aiohttp.ClientResponse, voice_id: str | None = None
    ) -> AuraError:
        """The typed error of an error answer (the answer is released)."""
        try:
            raw = await response.content.read(_ERROR_BODY_LIMIT)
        except (aiohttp.ClientError, TimeoutError):
            raw = b""
        finally:
            response.release()
        # A service may echo the key it refused; it must not reach logs or the user.
        message = error_message(response.status, raw).replace(self.api_key, "[redacted]")
        return error_for(response.status, message, response.headers, voice_id)

    async def raise_for_status(
        self, response: aiohttp.ClientResponse, voice_id: str | None = None
    ) -> None:
        """Raise the typed error of an error answer, or for a redirect (never followed)."""
        if response.status >= 400:
            raise await self.error_of(response, voice_id)
        if response.status in REDIRECTS:
            response.release()
            raise BadResponseError("the server answered with a redirect")

    async def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        """``GET path`` with the key; its JSON answer (capped)."""
        response = await self.request("GET", path, params=params)
        await self.raise_for_status(response)
        try:
            return await read_json(response)
        finally:
            response.release()


def is_audio(content_type: str) -> bool:
    """Whether a content type is audio (or bytes that may be)."""
    return content_type.startswith("audio/") or content_type == "application/octet-stream"


async def read_json(response: aiohttp.ClientResponse) -> Any:
    """A JSON answer, read up to MAX_JSON_BYTES: a longer one is not the API's."""
    try:
        raw = await response.content.read(MAX_JSON_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError) as err:
        raise CannotConnectError("the answer was cut off") from err
    if len(raw) > MAX_JSON_BYTES:
        raise BadResponseError("the JSON answer is larger than the API's answers are")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise BadResponseError("the answer is not the JSON the API documents") from err


async def read_capped(response: aiohttp.ClientResponse) -> AsyncGenerator[bytes]:
    """Yield the body as it arrives; stop a runaway body and turn drops into errors."""
    received = 0
    try:
        async for chunk in response.content.iter_chunked(_CHUNK_SIZE):
            received += len(chunk)
            if received > MAX_AUDIO_BYTES:
                raise BadResponseError("the audio is larger than any answer can be")
            yield chunk
    except TimeoutError as err:
        raise CannotConnectError("the service stopped sending audio") from err
    except aiohttp.ClientPayloadError as err:
        raise CannotConnectError("the audio stream was cut off") from err
    except aiohttp.ClientError as err:
        raise CannotConnectError(f"the audio stream failed: {type(err).__name__}") from err
    if received == 0:
        raise BadResponseError("the service sent no audio")

"""Async client for the AI/ML API's text-to-speech endpoint (Deepgram Aura voices).

The library half of the integration: it uses only aiohttp and the standard library, over a
session the caller owns (Home Assistant's shared one), and raises typed errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import json
import logging
import random
import time
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import aiohttp

from .audio import AudioFormat
from .voices import Generation, parse_voice_id

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.aimlapi.com"
MAX_TEXT_LENGTH: Final = 2000  # Deepgram's limit per request
MAX_CONCURRENT_REQUESTS: Final = 15  # Deepgram's limit per key
MAX_AUDIO_BYTES: Final = 64 * 1024 * 1024  # 2000 characters never need more; caps runaways
_ERROR_BODY_LIMIT: Final = 64 * 1024
_CHUNK_SIZE: Final = 16 * 1024


class RequestStyle(StrEnum):
    """The two request shapes the AI/ML API documents for ``POST /v1/tts``."""

    LEGACY = "legacy"  # {"model": "#g1_aura-2-thalia-en", "text": ...}
    MODEL_AND_VOICE = "model_and_voice"  # {"model": "deepgram/aura-2", "voice": "thalia", ...}


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


DEFAULT_RETRY = RetryPolicy()
NO_RETRY: Final = RetryPolicy(attempts=1)


DEFAULT_TIMEOUTS = Timeouts()


@dataclass(frozen=True, slots=True)
class Balance:
    """The account balance ``GET /v2/billing`` reports."""

    amount: float
    currency: str


class AuraError(Exception):
    """Base class of every error this client raises."""

    retryable = False  # whether trying again later can help


class AuthenticationError(AuraError):
    """The API key was rejected (401)."""


class InsufficientCreditError(AuraError):
    """The account has no credit left (403)."""


class RateLimitError(AuraError):
    """Too many requests (429)."""

    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Keep the server's Retry-After, in seconds, when it sent one."""
        super().__init__(message)
        self.retry_after = retry_after


class TextTooLongError(AuraError):
    """The text exceeds what one request may carry (413)."""


class BadRequestError(AuraError):
    """The service refused the request as invalid (400 and other 4xx)."""


class VoiceRejectedError(BadRequestError):
    """The service refused the voice itself (e.g. a retired Aura 1 voice)."""

    def __init__(self, message: str, voice_id: str) -> None:
        """Name the refused voice."""
        super().__init__(message)
        self.voice_id = voice_id


class ServerError(AuraError):
    """The service failed (5xx)."""

    def __init__(self, message: str, status: int) -> None:
        """Keep the status, which decides whether a retry can help."""
        super().__init__(message)
        self.status = status
        # A gateway or an overloaded service; a 500 is a bug that a retry will not fix.
        self.retryable = status in {502, 503, 504}


class CannotConnectError(AuraError):
    """The service could not be reached, or stopped answering (timeouts included)."""

    retryable = True


class BadResponseError(AuraError):
    """The service answered with something that is not what was asked for."""


def _model_id_parts(voice_id: str) -> tuple[str, str]:
    """Map a voice ID to the model-and-voice style's (model, voice)."""
    voice = parse_voice_id(voice_id)
    if voice is None:
        raise ValueError(f"not an Aura voice ID: {voice_id!r}")
    model = "deepgram/aura-2" if voice.generation is Generation.AURA_2 else "deepgram/aura"
    return model, voice.name


def build_tts_body(
    style: RequestStyle, voice_id: str, text: str, audio_format: AudioFormat
) -> dict[str, Any]:
    """The JSON body of ``POST /v1/tts`` in the given style."""
    if style is RequestStyle.LEGACY:
        body: dict[str, Any] = {"model": voice_id}
    else:
        model, voice = _model_id_parts(voice_id)
        body = {"model": model, "voice": voice}
    body["text"] = text
    body.update(audio_format.request_fields())
    return body


def _error_message(status: int, raw: bytes) -> str:
    """A short description of an error answer; never includes request headers."""
    message = ""
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        data = json.loads(raw)
        if isinstance(data, dict):
            detail = data.get("message") or data.get("error") or data.get("detail")
            if isinstance(detail, list):
                detail = "; ".join(str(item) for item in detail)
            if isinstance(detail, dict):
                detail = detail.get("message")
            if detail:
                message = str(detail)
    if not message:
        message = "the service answered with an error page"
    return f"HTTP {status}: {message[:300]}"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class AuraClient:
    """The AI/ML API's TTS endpoint, over an injected aiohttp session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        request_style: RequestStyle = RequestStyle.LEGACY,
    ) -> None:
        """Talk to ``base_url`` with ``api_key``; the session stays the caller's."""
        self._session = session
        self._api_key = api_key
        self._base_url = base_url.rstrip("/") + "/"
        self._timeouts = timeouts or DEFAULT_TIMEOUTS
        self._retry = retry or DEFAULT_RETRY
        self.request_style = request_style
        self.retries = 0  # retries made since start, for diagnostics

    @property
    def base_url(self) -> str:
        """The server this client talks to."""
        return self._base_url.rstrip("/")

    def _url(self, path: str) -> str:
        return urljoin(self._base_url, path.lstrip("/"))

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"}

    async def _request(
        self, method: str, path: str, json_body: dict[str, Any] | None = None
    ) -> aiohttp.ClientResponse:
        """Send one authenticated request; connection problems become CannotConnectError."""
        try:
            return await self._session.request(
                method,
                self._url(path),
                json=json_body,
                headers=self._auth,
                timeout=self._timeouts.client_timeout(),
            )
        except TimeoutError as err:
            raise CannotConnectError("timed out connecting to the service") from err
        except aiohttp.ClientError as err:
            raise CannotConnectError(f"cannot reach the service: {type(err).__name__}") from err

    async def _raise_for_status(
        self, response: aiohttp.ClientResponse, voice_id: str | None = None
    ) -> None:
        """Turn an error answer into the matching typed error (and release it)."""
        if response.status < 400:
            return
        try:
            raw = await response.content.read(_ERROR_BODY_LIMIT)
        except (aiohttp.ClientError, TimeoutError):
            raw = b""
        finally:
            response.release()
        status = response.status
        # A service may echo the key it refused; it must not reach logs or the user.
        message = _error_message(status, raw).replace(self._api_key, "[redacted]")
        if status == 401:
            raise AuthenticationError(message)
        if status == 403:
            raise InsufficientCreditError(message)
        if status == 429:
            raise RateLimitError(message, _retry_after(response.headers))
        if status == 413:
            raise TextTooLongError(message)
        if status >= 500:
            raise ServerError(message, status)
        if voice_id is not None and _mentions_voice(message, voice_id):
            raise VoiceRejectedError(message, voice_id)
        raise BadRequestError(message)

    async def async_get_balance(self) -> Balance:
        """Check the key with ``GET /v2/billing``, which costs nothing."""
        response = await self._request("GET", "/v2/billing")
        await self._raise_for_status(response)
        try:
            data = await response.json(content_type=None)
            return Balance(float(data["current_balance"]), str(data.get("currency", "USD")))
        except (ValueError, TypeError, KeyError, aiohttp.ClientError) as err:
            raise BadResponseError("the billing answer is not what the API documents") from err
        finally:
            response.release()

    async def async_validate_key(self) -> Balance | None:
        """Raise if the key cannot be used; return the balance when the server has one.

        Servers without ``/v2/billing`` (a proxy or gateway) get a one-word synthesis.
        """
        try:
            balance = await self.async_get_balance()
        except BadRequestError as err:
            if "HTTP 404" not in str(err) and "HTTP 405" not in str(err):
                raise
            _LOGGER.debug("No billing endpoint at the server; checking with a synthesis")
            async for _ in self.async_stream_audio("#g1_aura-2-thalia-en", "Hi", AudioFormat()):
                pass
            return None
        if balance.amount <= 0:
            raise InsufficientCreditError("the account balance is zero")
        return balance

    async def _open_tts(
        self, voice_id: str, text: str, audio_format: AudioFormat
    ) -> aiohttp.ClientResponse:
        """Send the synthesis request; fall back to the other request style once if refused."""
        styles = [self.request_style]
        if self.request_style is RequestStyle.LEGACY:
            styles.append(RequestStyle.MODEL_AND_VOICE)
        for attempt, style in enumerate(styles):
            body = build_tts_body(style, voice_id, text, audio_format)
            response = await self._request("POST", "/v1/tts", body)
            last = attempt == len(styles) - 1
            if response.status == 400 and not last:
                # The seed documents' style can be refused where the newer one works (a
                # voice missing from the legacy model list). Try the other style once.
                await response.read()
                response.release()
                continue
            await self._raise_for_status(response, voice_id)
            if style is not self.request_style:
                _LOGGER.info("The service takes %s requests; using them from now on", style)
                self.request_style = style
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def async_stream_audio(
        self, voice_id: str, text: str, audio_format: AudioFormat
    ) -> AsyncGenerator[bytes]:
        """Synthesize ``text`` and yield the audio bytes as they arrive.

        Failures before the first audio byte are retried as the retry policy allows; after
        it, a retry would repeat audio the listener already has, so they are raised.
        """
        audio_format.validate()
        started = time.monotonic()
        attempt = 1
        while True:
            audio = self._stream_once(voice_id, text, audio_format)
            try:
                first = await anext(audio)
                break
            except AuraError as err:
                await audio.aclose()
                wait = self._retry_wait(err, attempt, started)
                if wait is None:
                    raise
            except BaseException:  # cancelled: close the request now, not at GC
                await audio.aclose()
                raise
            _LOGGER.debug("Trying again in %.2f s", wait)
            self.retries += 1
            attempt += 1
            await asyncio.sleep(wait)
        async with contextlib.aclosing(audio):
            yield first
            async for chunk in audio:
                yield chunk

    def _retry_wait(self, err: AuraError, attempt: int, started: float) -> float | None:
        """Seconds to wait before trying again after ``err``, or None to give up."""
        if not err.retryable or attempt >= self._retry.attempts:
            return None
        wait = self._retry.delay(attempt, getattr(err, "retry_after", None))
        if time.monotonic() - started + wait > self._retry.budget:
            return None
        return wait

    async def _stream_once(
        self, voice_id: str, text: str, audio_format: AudioFormat
    ) -> AsyncGenerator[bytes]:
        """One synthesis request, its audio yielded as it arrives (never empty)."""
        response = await self._open_tts(voice_id, text, audio_format)
        try:
            content_type = response.content_type
            if content_type == "application/json":
                url = await self._audio_url(response)
                async with contextlib.aclosing(self._download(url)) as download:
                    async for chunk in download:
                        yield chunk
                return
            if not _is_audio(content_type):
                raise BadResponseError(f"the service answered with {content_type}, not audio")
            async for chunk in _read_capped(response):
                yield chunk
        finally:
            response.release()

    async def async_synthesize(self, voice_id: str, text: str, audio_format: AudioFormat) -> bytes:
        """Synthesize ``text`` and return the whole audio."""
        return b"".join(
            [chunk async for chunk in self.async_stream_audio(voice_id, text, audio_format)]
        )

    async def _audio_url(self, response: aiohttp.ClientResponse) -> str:
        """The audio URL of a JSON answer, checked before anything is fetched from it."""
        try:
            data = await response.json()
            url = data["audio"]
        except (ValueError, TypeError, KeyError, aiohttp.ClientError) as err:
            raise BadResponseError("the JSON answer has no audio URL") from err
        if not isinstance(url, str):
            raise BadResponseError("the JSON answer has no audio URL")
        url = urljoin(self._base_url, url)
        scheme = urlsplit(url).scheme
        # Plain http only when the configured server is itself plain http (a local fake).
        allowed = {"https"} | ({"http"} if self._base_url.startswith("http://") else set())
        if scheme not in allowed:
            raise BadResponseError(f"refusing to fetch audio over {scheme or 'no scheme'}")
        return url

    async def _download(self, url: str) -> AsyncGenerator[bytes]:
        """Stream audio from the URL a JSON answer gave; the API key is NOT sent there."""
        try:
            response = await self._session.get(url, timeout=self._timeouts.client_timeout())
        except TimeoutError as err:
            raise CannotConnectError("timed out fetching the audio") from err
        except aiohttp.ClientError as err:
            raise CannotConnectError(f"cannot fetch the audio: {type(err).__name__}") from err
        try:
            if response.status >= 400:
                raise BadResponseError(f"the audio URL answered HTTP {response.status}")
            if not _is_audio(response.content_type):
                raise BadResponseError(f"the audio URL gave {response.content_type}, not audio")
            async for chunk in _read_capped(response):
                yield chunk
        finally:
            response.release()


def _is_audio(content_type: str) -> bool:
    return content_type.startswith("audio/") or content_type == "application/octet-stream"


def _mentions_voice(message: str, voice_id: str) -> bool:
    """Whether an error message is about the model/voice rather than another field."""
    lowered = message.lower()
    voice = parse_voice_id(voice_id)
    name = voice.name if voice else voice_id
    return voice_id.lower() in lowered or "model" in lowered or f'"{name}"' in lowered


async def _read_capped(response: aiohttp.ClientResponse) -> AsyncGenerator[bytes]:
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

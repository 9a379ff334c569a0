"""Async client for the AI/ML API's text-to-speech endpoint (Deepgram Aura voices).

The library half of the integration: it uses only aiohttp and the standard library, over a
session the caller owns (Home Assistant's shared one), and raises typed errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
import json
import logging
import random
import socket
import time
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import aiohttp

from .audio import AudioFormat
from .audio_url import (
    MAX_JSON_BYTES,
    MAX_REDIRECTS,
    AddressKind,
    address_kind,
    check_addresses,
    check_scheme,
    ip_literal,
)
from .errors import (
    AudioUrlRefusedError,
    AuraError,
    BadRequestError,
    BadResponseError,
    CannotConnectError,
    ForbiddenError,
    InsufficientCreditError,
    KeyDisabledError,
    MissingScopeError,
    SpendingLimitError,
    VoiceRejectedError,
    error_for,
    error_message,
)
from .voices import Generation, parse_voice_id

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.aimlapi.com"
MAX_TEXT_LENGTH: Final = 2000  # Deepgram's limit per request
MAX_CONCURRENT_REQUESTS: Final = 15  # Deepgram's limit per key
MAX_AUDIO_BYTES: Final = 64 * 1024 * 1024  # 2000 characters never need more; caps runaways
_ERROR_BODY_LIMIT: Final = 64 * 1024
_CHUNK_SIZE: Final = 16 * 1024
SPEECH_SCOPE: Final = "model:speech"
DEFAULT_CHECK_VOICE: Final = "#g1_aura-2-thalia-en"  # for servers without free checks
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


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


@dataclass(frozen=True, slots=True)
class Usage:
    """What the key spent in a window, as ``GET /v2/usage`` reports it."""

    spend: float  # USD
    requests: int  # charged requests (failed ones are not billed)
    start: datetime  # the window the service measured, in UTC
    end: datetime


def _usage(data: Any) -> Usage:
    """Parse ``GET /v2/usage``'s answer; raise ValueError/TypeError/KeyError when malformed."""
    return Usage(
        spend=float(data["spend"]),
        requests=int(data["requests"]),
        start=_utc(str(data["start"])),
        end=_utc(str(data["end"])),
    )


def _utc(stamp: str) -> datetime:
    parsed = datetime.fromisoformat(stamp)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _utc_stamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``: a ``+hh:mm`` offset would need escaping in a query."""
    if moment.tzinfo is None:
        raise ValueError("a usage window needs time zone aware datetimes")
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What ``GET /v1/key`` says about the key (free to ask)."""

    name: str | None
    prefix: str
    disabled: bool
    scopes: tuple[str, ...] | None  # None: the key is not limited to some scopes
    limit_threshold: float | None  # USD per period, when a spending limit is set
    limit_period: str | None  # "day", "week", "month" or "no_reset"
    monthly_usage: float

    @property
    def can_speak(self) -> bool:
        """Whether the key's scopes (when it has any) include speech."""
        return self.scopes is None or SPEECH_SCOPE in self.scopes

    @property
    def limit_reached(self) -> bool:
        """Whether a monthly spending limit is used up (the only period usage is given for)."""
        return (
            self.limit_period == "month"
            and self.limit_threshold is not None
            and self.monthly_usage >= self.limit_threshold
        )


@dataclass(frozen=True, slots=True)
class AccountCheck:
    """What a key check found; fields are None where the server has no such endpoint."""

    key: KeyInfo | None
    balance: Balance | None

    @property
    def no_credit(self) -> bool:
        """Whether the balance is known and not above zero."""
        return self.balance is not None and self.balance.amount <= 0

    def problem(self, message: str) -> ForbiddenError | None:
        """Why the key cannot speak, when ``/v1/key`` tells; None when it can."""
        key = self.key
        if key is None:
            return None
        if key.disabled:
            return KeyDisabledError(message or "the key is disabled")
        if not key.can_speak:
            return MissingScopeError(message or f"the key's scopes lack {SPEECH_SCOPE}")
        if key.limit_reached:
            return SpendingLimitError(
                message or "the key's monthly spending limit is used up",
                key.limit_threshold,
                key.limit_period,
            )
        return None


def _key_info(data: Any) -> KeyInfo:
    """Parse ``GET /v1/key``'s answer; raise ValueError/TypeError/KeyError when malformed."""
    info = data["data"]
    scopes = info.get("scopes")
    limit = info.get("limit") or {}
    threshold = limit.get("threshold")
    return KeyInfo(
        name=str(info["name"]) if info.get("name") else None,
        prefix=str(info["prefix"]),
        disabled=bool(info["disabled"]),
        scopes=None if scopes is None else tuple(str(scope) for scope in scopes),
        limit_threshold=None if threshold is None else float(threshold),
        limit_period=str(limit["retention"]) if limit.get("retention") else None,
        monthly_usage=float(info.get("monthly_usage") or 0),
    )


def missing_endpoint(err: AuraError) -> bool:
    """Whether an error says the server has no such endpoint (a proxy or gateway)."""
    return isinstance(err, BadRequestError) and err.status in {404, 405}


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
        request_style: RequestStyle = RequestStyle.MODEL_AND_VOICE,
    ) -> None:
        """Talk to ``base_url`` with ``api_key``; the session stays the caller's.

        ``limiter`` caps the synthesis requests in flight with this key: the service's limit
        is per key, so every speaker of the key (each profile, the announce action) shares it.
        """
        self._session = session
        self._api_key = api_key
        self._base_url = base_url.rstrip("/") + "/"
        self._timeouts = timeouts or DEFAULT_TIMEOUTS
        self._retry = retry or DEFAULT_RETRY
        self._server_kinds: frozenset[AddressKind] | None = None
        self.request_style = request_style
        self.limiter = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
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
        self,
        method: str,
        path: str,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        """Send one authenticated request; connection problems become CannotConnectError."""
        try:
            return await self._session.request(
                method,
                self._url(path),
                json=json_body,
                params=params,
                headers=self._auth,
                timeout=self._timeouts.client_timeout(),
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

    async def _error_of(
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
        message = error_message(response.status, raw).replace(self._api_key, "[redacted]")
        return error_for(response.status, message, response.headers, voice_id)

    async def _raise_for_status(
        self, response: aiohttp.ClientResponse, voice_id: str | None = None
    ) -> None:
        if response.status >= 400:
            raise await self._error_of(response, voice_id)
        if response.status in _REDIRECTS:
            response.release()
            raise BadResponseError("the server answered with a redirect")

    async def _get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        """``GET path`` with the key; its JSON answer (capped)."""
        response = await self._request("GET", path, params=params)
        await self._raise_for_status(response)
        try:
            return await _read_json(response)
        finally:
            response.release()

    async def async_get_balance(self) -> Balance:
        """The account balance, from ``GET /v2/billing`` (free)."""
        data = await self._get_json("/v2/billing")
        try:
            return Balance(float(data["current_balance"]), str(data.get("currency", "USD")))
        except (ValueError, TypeError, KeyError) as err:
            raise BadResponseError("the billing answer is not what the API documents") from err

    async def async_get_usage(self, start: datetime, end: datetime) -> Usage:
        """What this key spent from ``start`` to ``end``, from ``GET /v2/usage`` (free).

        The service measures at most 92 days; the times must carry a time zone.
        """
        params = {"start": _utc_stamp(start), "end": _utc_stamp(end)}
        data = await self._get_json("/v2/usage", params)
        try:
            return _usage(data)
        except (ValueError, TypeError, KeyError) as err:
            raise BadResponseError("the usage answer is not what the API documents") from err

    async def async_get_key_info(self) -> KeyInfo:
        """The key's state, scopes and limit, from ``GET /v1/key`` (free)."""
        data = await self._get_json("/v1/key")
        try:
            return _key_info(data)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            raise BadResponseError("the key answer is not what the API documents") from err

    async def async_check_account(self) -> AccountCheck:
        """Ask the free endpoints about the key and the balance.

        Raises AuthenticationError for a refused key. An endpoint the server lacks (a proxy
        or gateway) is None in the result.
        """
        key = balance = None
        try:
            key = await self.async_get_key_info()
        except AuraError as err:
            if not missing_endpoint(err):
                raise
        try:
            balance = await self.async_get_balance()
        except AuraError as err:
            if not missing_endpoint(err):
                raise
        return AccountCheck(key, balance)

    async def async_validate_key(self, *, synthesize_if_unknown: bool = False) -> AccountCheck:
        """Check the key; raise if it cannot be used for speech.

        Raises AuthenticationError, or KeyDisabledError, MissingScopeError or
        SpendingLimitError. A zero balance is not raised: the key is good and the account
        only needs a top-up (``no_credit`` in the result). A server with neither endpoint
        (some gateways) can only check a key by using it: with ``synthesize_if_unknown`` a
        one-word synthesis is made, which a user's explicit set-up justifies and a start-up
        does not.
        """
        check = await self.async_check_account()
        if problem := check.problem(""):
            raise problem
        if check.key is None and check.balance is None and synthesize_if_unknown:
            _LOGGER.debug("No key or billing endpoint at the server; checking with a synthesis")
            await self.async_synthesize(DEFAULT_CHECK_VOICE, "Hi", AudioFormat())
        return check

    async def _explain_forbidden(self, err: ForbiddenError) -> ForbiddenError:
        """Which of the reasons for a 403 it was, keeping the service's own words."""
        message = str(err)
        try:
            check = await self.async_check_account()
        except AuraError:
            return err  # the free endpoints fail too: say what the service said
        if problem := check.problem(message):
            return problem
        if check.no_credit:
            return InsufficientCreditError(message)
        if check.key is not None and check.key.limit_threshold is not None:
            # A daily or weekly limit: the key answer has no usage for those periods.
            return SpendingLimitError(message, check.key.limit_threshold, check.key.limit_period)
        return err

    async def _open_tts(
        self, voice_id: str, text: str, audio_format: AudioFormat
    ) -> aiohttp.ClientResponse:
        """Send the synthesis request; try the other style once if the voice was refused."""
        # The documented style first; the other once, for a server that refuses a voice in it.
        styles = [self.request_style]
        if self.request_style is RequestStyle.MODEL_AND_VOICE:
            styles.append(RequestStyle.LEGACY)
        for attempt, style in enumerate(styles):
            body = build_tts_body(style, voice_id, text, audio_format)
            response = await self._request("POST", "/v1/tts", body)
            if response.status < 400:
                await self._raise_for_status(response)
                if style is not self.request_style:
                    _LOGGER.info("The service takes %s requests; using them from now on", style)
                    self.request_style = style
                return response
            error = await self._error_of(response, voice_id)
            last = attempt == len(styles) - 1
            # The seed documents' style can refuse a voice missing from its model list that
            # the newer style knows. Only then is a second (paid) request worth making.
            if last or not isinstance(error, VoiceRejectedError) or error.status != 400:
                raise error
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
            except ForbiddenError as err:
                await audio.aclose()
                if type(err) is ForbiddenError:
                    raise await self._explain_forbidden(err) from err
                raise
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
        """The audio URL of a JSON answer (read with a size cap)."""
        data = await _read_json(response)
        url = data.get("audio") if isinstance(data, dict) else None
        if not isinstance(url, str):
            raise BadResponseError("the JSON answer has no audio URL")
        return urljoin(self._base_url, url)

    async def _check_audio_url(self, url: str) -> None:
        """Refuse a URL the audio-URL policy does not allow (see audio_url.py)."""
        host, port = check_scheme(url, self._base_url)
        check_addresses(host, await self._addresses(host, port), await self._own_kinds())

    async def _own_kinds(self) -> frozenset[AddressKind]:
        """The kinds of address the configured server has (resolved once)."""
        if self._server_kinds is None:
            parts = urlsplit(self._base_url)
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

    async def _download(self, url: str) -> AsyncGenerator[bytes]:
        """Stream audio from the URL a JSON answer gave; the API key is NOT sent there."""
        for _ in range(MAX_REDIRECTS + 1):
            await self._check_audio_url(url)
            try:
                response = await self._session.get(
                    url, timeout=self._timeouts.client_timeout(), allow_redirects=False
                )
            except TimeoutError as err:
                raise CannotConnectError("timed out fetching the audio") from err
            except aiohttp.ClientError as err:
                raise CannotConnectError(f"cannot fetch the audio: {type(err).__name__}") from err
            try:
                self._check_peer(response, url)
                if response.status in _REDIRECTS:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if response.status >= 400:
                    raise BadResponseError(f"the audio URL answered HTTP {response.status}")
                if not _is_audio(response.content_type):
                    raise BadResponseError(f"the audio URL gave {response.content_type}, not audio")
                async for chunk in _read_capped(response):
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


def _is_audio(content_type: str) -> bool:
    return content_type.startswith("audio/") or content_type == "application/octet-stream"


async def _read_json(response: aiohttp.ClientResponse) -> Any:
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

"""What every account's client shares: streamed synthesis with retries, the per-key limit.

A client for one service (the AI/ML API in client.py, Deepgram in deepgram.py) says how to
open one synthesis request and how to ask about the key and the balance; the speech stream
(speech.py) talks to any of them the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import AsyncGenerator
import contextlib
from datetime import datetime
import logging
import time
from typing import Any, Final

import aiohttp

from .account import AccountCheck, Balance, Usage
from .audio import AudioFormat
from .errors import AuraError, ForbiddenError
from .http import RetryPolicy, Timeouts, Transport
from .voices import Catalogue, parse_voice_id

_LOGGER = logging.getLogger(__name__)

MAX_TEXT_LENGTH: Final = 2000  # Deepgram's limit per request (through either service)
MAX_CONCURRENT_REQUESTS: Final = 15  # Deepgram's limit per key
DEFAULT_RETRY = RetryPolicy()
NO_RETRY: Final = RetryPolicy(attempts=1)
DEFAULT_TIMEOUTS = Timeouts()


class SpeechClient(ABC):
    """One account's speech service, over an injected aiohttp session."""

    service = ""  # what the account is, for logs and diagnostics
    # Whether the service reports what the key spent (the AI/ML API's /v2/usage).
    reports_spend = False

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        base_url: str,
        *,
        timeouts: Timeouts | None,
        retry: RetryPolicy | None,
        auth_scheme: str,
    ) -> None:
        """Talk to ``base_url`` with ``api_key``; the session stays the caller's.

        ``limiter`` caps the synthesis requests in flight with this key: the service's limit
        is per key, so every speaker of the key (each profile, the announce action) shares it.
        """
        self._http = Transport(
            session, api_key, base_url, timeouts or DEFAULT_TIMEOUTS, auth_scheme=auth_scheme
        )
        self._retry = retry or DEFAULT_RETRY
        self.limiter = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
        self.retries = 0  # retries made since start, for diagnostics

    @property
    def base_url(self) -> str:
        """The server this client talks to."""
        return self._http.root.rstrip("/")

    @property
    @abstractmethod
    def catalogue(self) -> Catalogue:
        """The voices this account offers."""

    def can_change_speed(self, voice_id: str) -> bool:
        """Whether a speed other than 1 can be asked for with this voice."""
        return False

    def diagnostics(self) -> dict[str, Any]:
        """What support may see of the client (no key)."""
        return {"service": self.service, "retries": self.retries, "voices": len(self.catalogue)}

    @abstractmethod
    async def async_get_balance(self) -> Balance | None:
        """The account balance (free to ask); None when the account lists none."""

    async def async_get_usage(self, start: datetime, end: datetime) -> Usage:
        """What the key spent from ``start`` to ``end`` (see ``reports_spend``)."""
        raise NotImplementedError(f"{self.service} does not report what a key spent")

    @abstractmethod
    async def async_check_account(self) -> AccountCheck:
        """Ask the free endpoints about the key and the balance."""

    @abstractmethod
    async def async_validate_key(self, *, synthesize_if_unknown: bool = False) -> AccountCheck:
        """Check the key; raise if it cannot be used for speech (see the subclasses)."""

    async def _explain_forbidden(self, err: ForbiddenError) -> ForbiddenError:
        """Which of the reasons for a 403 it was (the service may have to be asked)."""
        return err

    @abstractmethod
    def _stream_once(
        self, voice_id: str, text: str, audio_format: AudioFormat, speed: float | None
    ) -> AsyncGenerator[bytes]:
        """One synthesis request, its audio yielded as it arrives (never empty)."""

    def _check_speed(self, voice_id: str, speed: float | None) -> None:
        if speed is not None and not self.can_change_speed(voice_id):
            voice = parse_voice_id(voice_id)
            raise ValueError(f"{self.service} cannot change the speed of {voice or voice_id}")

    async def async_stream_audio(
        self,
        voice_id: str,
        text: str,
        audio_format: AudioFormat,
        *,
        speed: float | None = None,
    ) -> AsyncGenerator[bytes]:
        """Synthesize ``text`` and yield the audio bytes as they arrive.

        ``speed`` (None: the voice's own) only where ``can_change_speed`` says so; else
        ValueError, before anything is sent. Failures before the first audio byte are
        retried as the retry policy allows; after it, a retry would repeat audio the
        listener already has, so they are raised.
        """
        audio_format.validate()
        self._check_speed(voice_id, speed)
        started = time.monotonic()
        attempt = 1
        while True:
            audio = self._stream_once(voice_id, text, audio_format, speed)
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

    async def async_synthesize(
        self, voice_id: str, text: str, audio_format: AudioFormat, *, speed: float | None = None
    ) -> bytes:
        """Synthesize ``text`` and return the whole audio."""
        stream = self.async_stream_audio(voice_id, text, audio_format, speed=speed)
        return b"".join([chunk async for chunk in stream])

"""Async client for the AI/ML API's text-to-speech endpoint (Deepgram Aura voices).

The library half of the integration: it uses only aiohttp and the standard library, over a
session the caller owns (Home Assistant's shared one), and raises typed errors.

Synthesis, request styles, retries and the per-key limit live here; the transport
(http.py), the account's free endpoints (account.py) and audio-URL downloads (download.py)
are its parts.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import contextlib
from datetime import datetime
from enum import StrEnum
import logging
from typing import Any, Final

import aiohttp

from .account import Account, AccountCheck, Balance, KeyInfo, Usage
from .audio import AudioFormat
from .download import AudioDownloader, audio_url_of
from .errors import (
    AuraError,
    BadResponseError,
    ForbiddenError,
    InsufficientCreditError,
    SpendingLimitError,
    VoiceRejectedError,
)
from .http import RetryPolicy, Timeouts, is_audio, read_capped
from .synthesis import (
    DEFAULT_RETRY,
    MAX_CONCURRENT_REQUESTS,
    MAX_TEXT_LENGTH,
    NO_RETRY,
    SpeechClient,
)
from .voices import AIMLAPI_VOICES, Catalogue, Generation, parse_voice_id

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.aimlapi.com"
DEFAULT_CHECK_VOICE: Final = "#g1_aura-2-thalia-en"  # for servers without free checks
__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_RETRY",
    "MAX_CONCURRENT_REQUESTS",
    "MAX_TEXT_LENGTH",
    "NO_RETRY",
    "AuraClient",
    "RequestStyle",
]


class RequestStyle(StrEnum):
    """The two request shapes the AI/ML API documents for ``POST /v1/tts``."""

    LEGACY = "legacy"  # {"model": "#g1_aura-2-thalia-en", "text": ...}
    MODEL_AND_VOICE = "model_and_voice"  # {"model": "deepgram/aura-2", "voice": "thalia", ...}


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


class AuraClient(SpeechClient):
    """The AI/ML API's TTS endpoint, over an injected aiohttp session."""

    service = "AI/ML API"
    reports_spend = True

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
        """Talk to ``base_url`` with ``api_key``; the session stays the caller's."""
        super().__init__(
            session, api_key, base_url, timeouts=timeouts, retry=retry, auth_scheme="Bearer"
        )
        self._account = Account(self._http)
        self._downloads = AudioDownloader(self._http)
        self.request_style = request_style

    @property
    def catalogue(self) -> Catalogue:
        """The 56 voices the AI/ML API documents (English and Spanish)."""
        return AIMLAPI_VOICES

    def diagnostics(self) -> dict[str, Any]:
        """What support may see of the client: also the request style it settled on."""
        return {**super().diagnostics(), "request_style": self.request_style.value}

    async def async_get_balance(self) -> Balance:
        """The account balance, from ``GET /v2/billing`` (free)."""
        return await self._account.async_get_balance()

    async def async_get_usage(self, start: datetime, end: datetime) -> Usage:
        """What this key spent from ``start`` to ``end``, from ``GET /v2/usage`` (free)."""
        return await self._account.async_get_usage(start, end)

    async def async_get_key_info(self) -> KeyInfo:
        """The key's state, scopes and limit, from ``GET /v1/key`` (free)."""
        return await self._account.async_get_key_info()

    async def async_check_account(self) -> AccountCheck:
        """Ask the free endpoints about the key and the balance (see Account)."""
        return await self._account.async_check_account()

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
            response = await self._http.request("POST", "/v1/tts", body)
            if response.status < 400:
                await self._http.raise_for_status(response)
                if style is not self.request_style:
                    _LOGGER.info("The service takes %s requests; using them from now on", style)
                    self.request_style = style
                return response
            error = await self._http.error_of(response, voice_id)
            last = attempt == len(styles) - 1
            # The seed documents' style can refuse a voice missing from its model list that
            # the newer style knows. Only then is a second (paid) request worth making.
            if last or not isinstance(error, VoiceRejectedError) or error.status != 400:
                raise error
        raise AssertionError("unreachable")  # pragma: no cover

    async def _stream_once(
        self, voice_id: str, text: str, audio_format: AudioFormat, speed: float | None
    ) -> AsyncGenerator[bytes]:
        """One synthesis request, its audio yielded as it arrives (never empty)."""
        response = await self._open_tts(voice_id, text, audio_format)
        try:
            content_type = response.content_type
            if content_type == "application/json":
                url = await audio_url_of(response, self._http.root)
                async with contextlib.aclosing(self._downloads.download(url)) as download:
                    async for chunk in download:
                        yield chunk
                return
            if not is_audio(content_type):
                raise BadResponseError(f"the service answered with {content_type}, not audio")
            async for chunk in read_capped(response):
                yield chunk
        finally:
            response.release()

"""Async client for Deepgram's own API: Aura voices in seven languages, with speed.

The second account Aura TTS can use, behind the same speech stream as the AI/ML API's
client (see synthesis.py). Synthesis is ``POST /v1/speak`` with the voice and the audio
settings as query parameters and the text as JSON; the key is checked, and the balance
read, at the free management endpoints (``GET /v1/projects``, ``.../balances``); the voices
come from ``GET /v1/models``, with a built-in list when it cannot be read.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import logging
from typing import Any, Final

import aiohttp

from .account import AccountCheck, Balance
from .audio import AudioFormat
from .errors import (
    BadResponseError,
    ForbiddenError,
    MissingScopeError,
)
from .http import RetryPolicy, Timeouts, is_audio, read_capped
from .synthesis import SpeechClient
from .voices import DEEPGRAM_VOICES, MAX_SPEED, MIN_SPEED, Catalogue, catalogue_from_models

_LOGGER = logging.getLogger(__name__)

DEEPGRAM_URL: Final = "https://api.deepgram.com"
DEFAULT_CURRENCY: Final = "USD"


class DeepgramClient(SpeechClient):
    """Deepgram's speak, models and management endpoints, over an injected session."""

    service = "Deepgram"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        base_url: str = DEEPGRAM_URL,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """Talk to ``base_url`` (Deepgram, a proxy or a self-hosted one) with ``api_key``."""
        super().__init__(
            session, api_key, base_url, timeouts=timeouts, retry=retry, auth_scheme="Token"
        )
        self._catalogue = DEEPGRAM_VOICES
        self.catalogue_read = False  # whether the voices came from the server
        self._project_id: str | None = None

    @property
    def catalogue(self) -> Catalogue:
        """The voices the server listed, or the built-in list until it has."""
        return self._catalogue

    def can_change_speed(self, voice_id: str) -> bool:
        """Deepgram's speed works for Aura-2 voices in English and Spanish."""
        voice = self._catalogue.voice(voice_id)
        return voice is not None and voice.can_change_speed

    def diagnostics(self) -> dict[str, Any]:
        """What support may see: also whether the voices came from the server."""
        return {**super().diagnostics(), "catalogue_read": self.catalogue_read}

    async def async_refresh_catalogue(self) -> Catalogue:
        """Read the voices from ``GET /v1/models`` (free); keep the last list on failure.

        Raises the typed error when the server cannot be asked, and BadResponseError when
        its answer lists no Aura voice.
        """
        data = await self._http.get_json("/v1/models")
        try:
            catalogue = catalogue_from_models(data)
        except (ValueError, TypeError, AttributeError) as err:
            raise BadResponseError("the model list is not what Deepgram documents") from err
        self._catalogue = catalogue
        self.catalogue_read = True
        return catalogue

    async def _projects(self) -> list[dict[str, Any]]:
        data = await self._http.get_json("/v1/projects")
        try:
            projects = [p for p in data["projects"] if isinstance(p.get("project_id"), str)]
        except (TypeError, KeyError, AttributeError) as err:
            raise BadResponseError("the project list is not what Deepgram documents") from err
        return projects

    async def async_check_account(self) -> AccountCheck:
        """Ask for the key's project and its balance (both free).

        Raises AuthenticationError for a refused key. A key that may not read its projects
        (a key made for speech alone) or balances gives None for what it cannot read.
        """
        project = balance = None
        try:
            projects = await self._projects()
        except ForbiddenError:
            projects = []
        if projects:
            project = str(projects[0].get("name") or projects[0]["project_id"])
            self._project_id = str(projects[0]["project_id"])
            try:
                balance = await self.async_get_balance()
            except ForbiddenError:
                balance = None
        return AccountCheck(None, balance, project=project)

    async def async_validate_key(self, *, synthesize_if_unknown: bool = False) -> AccountCheck:
        """Check the key at the free endpoints; raise if it is refused.

        Raises AuthenticationError. A key that may not list its projects can only be
        checked by using it: with ``synthesize_if_unknown`` a one-word synthesis is made
        (a user's explicit set-up justifies it; a start-up does not).
        """
        check = await self.async_check_account()
        if check.project is None and synthesize_if_unknown:
            _LOGGER.debug("The key may not list its projects; checking it with a synthesis")
            await self.async_synthesize(self._catalogue.default_voice_id, "Hi", AudioFormat())
        return check

    async def async_get_balance(self) -> Balance | None:
        """The project's balance, summed over its balances; None when it has none listed."""
        if self._project_id is None:
            projects = await self._projects()
            if not projects:
                return None
            self._project_id = str(projects[0]["project_id"])
        data = await self._http.get_json(f"/v1/projects/{self._project_id}/balances")
        try:
            balances = data.get("balances") or []
            if not balances:
                return None
            amount = sum(float(item.get("amount") or 0) for item in balances)
            units = {str(item.get("units") or DEFAULT_CURRENCY).upper() for item in balances}
        except (ValueError, TypeError, AttributeError) as err:
            raise BadResponseError("the balance answer is not what Deepgram documents") from err
        if len(units) != 1:
            raise BadResponseError(f"the balances are in several currencies: {sorted(units)}")
        return Balance(round(amount, 6), units.pop())

    async def _explain_forbidden(self, err: ForbiddenError) -> ForbiddenError:
        """Deepgram's 403 on speech: the key may not make requests (its role or scopes).

        Unless Deepgram says it is the project's access to the model: then the key is not
        at fault, and no new key is asked for.
        """
        if "model" in str(err).lower():
            return err
        return MissingScopeError(str(err))

    async def _stream_once(
        self, voice_id: str, text: str, audio_format: AudioFormat, speed: float | None
    ) -> AsyncGenerator[bytes]:
        """One ``POST /v1/speak``, its audio yielded as it arrives (never empty)."""
        voice = self._catalogue.voice(voice_id)
        params = {"model": voice.model if voice else voice_id, **audio_format.request_fields()}
        if speed is not None:
            params["speed"] = f"{min(max(speed, MIN_SPEED), MAX_SPEED):g}"
        response = await self._http.request("POST", "/v1/speak", {"text": text}, params)
        try:
            if response.status >= 400:
                raise await self._http.error_of(response, voice_id)
            await self._http.raise_for_status(response)
            if not is_audio(response.content_type):
                raise BadResponseError(
                    f"the service answered with {response.content_type}, not audio"
                )
            async for chunk in read_capped(response):
                yield chunk
        finally:
            response.release()

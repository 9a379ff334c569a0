"""The Aura TTS entity: Home Assistant options in, client calls out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import contextlib
from typing import Any

from homeassistant.components.tts import (
    ATTR_PREFERRED_FORMAT,
    ATTR_PREFERRED_SAMPLE_BYTES,
    ATTR_PREFERRED_SAMPLE_CHANNELS,
    ATTR_PREFERRED_SAMPLE_RATE,
    TextToSpeechEntity,
    TtsAudioType,
    Voice as TtsVoice,
)
from homeassistant.components.tts.entity import TTSAudioRequest, TTSAudioResponse
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import AuraConfigEntry
from .api import (
    MAX_CONCURRENT_REQUESTS,
    AuraError,
    AuthenticationError,
    BadRequestError,
    CannotConnectError,
    InsufficientCreditError,
    RateLimitError,
    ServerError,
    TextTooLongError,
    VoiceRejectedError,
)
from .audio import OutputPlan, UnsupportedOutputError, plan_output
from .const import ATTR_VOICE, CONF_VOICE, DOMAIN
from .convert import convert_wav
from .issues import async_clear_no_credit, async_report_no_credit
from .speech import NothingToSayError, SpeechStream
from .voices import (
    AURA_2_VOICES,
    DEFAULT_LANGUAGE,
    DEFAULT_VOICE_ID,
    Generation,
    parse_voice_id,
    supported_languages,
    voices_for_language,
)

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AuraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the TTS entity of a config entry."""
    async_add_entities([AuraTextToSpeechEntity(entry)])


def _int_option(options: dict[str, Any], name: str) -> int | None:
    # Home Assistant has already checked these are whole numbers.
    value = options.get(name)
    return None if value is None else int(value)


class AuraTextToSpeechEntity(TextToSpeechEntity):
    """Speaks with an Aura voice."""

    _attr_has_entity_name = True
    _attr_translation_key = "speech"
    _attr_supported_languages = supported_languages()
    _attr_default_language = DEFAULT_LANGUAGE
    # Listing the preferred_* options tells Home Assistant that Aura produces the format
    # itself, so it runs no ffmpeg (see plan_output for the few cases Aura cannot make).
    _attr_supported_options = [  # noqa: RUF012 - Home Assistant declares it an instance attribute
        ATTR_VOICE,
        ATTR_PREFERRED_FORMAT,
        ATTR_PREFERRED_SAMPLE_RATE,
        ATTR_PREFERRED_SAMPLE_CHANNELS,
        ATTR_PREFERRED_SAMPLE_BYTES,
    ]

    def __init__(self, entry: AuraConfigEntry) -> None:
        """Speak for ``entry``."""
        self._entry = entry
        self._attr_unique_id = entry.entry_id
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name="AI/ML API",
            manufacturer="AI/ML API",
            model="Deepgram Aura",
            entry_type=DeviceEntryType.SERVICE,
        )
        self._limiter = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)

    @property
    def default_options(self) -> dict[str, Any]:
        """The configured voice; part of the cache key, so a new voice is never stale."""
        return {ATTR_VOICE: self._entry.options.get(CONF_VOICE, DEFAULT_VOICE_ID)}

    @callback
    def async_get_supported_voices(self, language: str) -> list[TtsVoice]:
        """Voices that speak ``language``, newest generation first."""
        return [TtsVoice(v.voice_id, v.label) for v in voices_for_language(language)]

    def _voice_for(self, options: dict[str, Any], language: str) -> str:
        voice_id = str(options.get(ATTR_VOICE) or self.default_options[ATTR_VOICE])
        voice = parse_voice_id(voice_id)
        if voice is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_voice",
                translation_placeholders={"voice": voice_id},
            )
        if voice.base_language != language.split("-", 1)[0]:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="voice_language_mismatch",
                translation_placeholders={"voice": voice_id, "language": language},
            )
        return voice_id

    @staticmethod
    def _plan_for(options: dict[str, Any]) -> tuple[OutputPlan, dict[str, int | None]]:
        wanted = {
            "sample_rate": _int_option(options, ATTR_PREFERRED_SAMPLE_RATE),
            "channels": _int_option(options, ATTR_PREFERRED_SAMPLE_CHANNELS),
            "sample_bytes": _int_option(options, ATTR_PREFERRED_SAMPLE_BYTES),
        }
        try:
            plan = plan_output(options.get(ATTR_PREFERRED_FORMAT), **wanted)
        except UnsupportedOutputError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unsupported_output",
                translation_placeholders={"option": err.option, "value": str(err.value)},
            ) from err
        return plan, wanted

    async def async_stream_tts_audio(self, request: TTSAudioRequest) -> TTSAudioResponse:
        """Stream audio for a text stream (Assist) or a single message (tts.speak)."""
        voice_id = self._voice_for(request.options, request.language)
        plan, wanted = self._plan_for(request.options)
        speech = SpeechStream(
            self._entry.runtime_data.client, voice_id, plan.request, limiter=self._limiter
        )
        audio: AsyncGenerator[bytes] = self._translate_errors(
            speech.audio(request.message_gen), voice_id
        )
        if plan.convert:
            audio = convert_wav(self.hass, audio, plan.extension, **wanted)
        return TTSAudioResponse(plan.extension, audio)

    async def async_get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> TtsAudioType:
        """Whole audio of one message (Home Assistant streams; this is its fallback)."""

        async def one_message() -> AsyncGenerator[str]:
            yield message

        response = await self.async_stream_tts_audio(
            TTSAudioRequest(language, options, one_message())
        )
        return response.extension, b"".join([chunk async for chunk in response.data_gen])

    async def _translate_errors(
        self, audio: AsyncGenerator[bytes], voice_id: str
    ) -> AsyncGenerator[bytes]:
        """Turn client errors into messages a user understands."""
        # aclosing: when the listener goes away, the requests upstream stop now, not at GC.
        async with contextlib.aclosing(audio):
            answered = False
            try:
                async for chunk in audio:
                    if not answered:
                        answered = True
                        self._service_answered()
                    yield chunk
            except AuraError as err:
                error = self._user_error(err, voice_id)
                self._entry.runtime_data.health.record_failure(str(error.translation_key), err)
                raise error from err

    def _service_answered(self) -> None:
        self._entry.runtime_data.health.record_success()
        async_clear_no_credit(self.hass, self._entry.entry_id)

    def _user_error(self, err: AuraError, voice_id: str) -> HomeAssistantError:
        key: str
        placeholders = {"error": str(err), "voice": voice_id}
        match err:
            case AuthenticationError():
                self._entry.async_start_reauth(self.hass)
                key = "invalid_auth"
            case InsufficientCreditError():
                async_report_no_credit(self.hass, self._entry.entry_id, self._entry.title)
                key = "no_credit"
            case RateLimitError():
                key = "rate_limited"
            case TextTooLongError():
                key = "text_too_long"
            case NothingToSayError():
                key = "nothing_to_say"
            case VoiceRejectedError():
                voice = parse_voice_id(voice_id)
                retired = voice is not None and voice.generation is Generation.AURA
                key = "voice_retired" if retired else "voice_rejected"
                same = [v for v in AURA_2_VOICES if voice and v.name == voice.name]
                placeholders["suggestion"] = same[0].voice_id if same else DEFAULT_VOICE_ID
            case BadRequestError():
                key = "bad_request"
            case ServerError():
                key = "server_error"
            case CannotConnectError():
                key = "cannot_connect"
            case _:
                key = "unexpected_answer"
        # Nothing to say is the caller's doing, not the service's.
        error = ServiceValidationError if key == "nothing_to_say" else HomeAssistantError
        return error(
            translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
        )

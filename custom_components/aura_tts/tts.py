"""The Aura TTS entity: Home Assistant options in, client calls out."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
import contextlib
from functools import partial
import logging
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
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .aura import (
    CHIME_OFF,
    MAX_MESSAGE_LENGTH,
    AudioFormat,
    AuraError,
    Catalogue,
    NoChimeError,
    OutputPlan,
    Pronouncer,
    ReplayableText,
    SpeechStream,
    UnsupportedOutputError,
    chime_audio,
    joined,
    plan_output,
    pronouncer,
    silence_audio,
    spoken_text,
)
from .choices import (
    Sounds,
    choose_sounds,
    choose_speed,
    choose_voice,
    with_profile_sounds,
)
from .connection import service_of
from .const import (
    AFTER_FALLBACK,
    ATTR_CHIME,
    ATTR_CHIME_AFTER,
    ATTR_SILENCE,
    ATTR_SPEED,
    ATTR_VOICE,
    CONF_FALLBACK,
    CONF_MARKDOWN,
    CONF_PRONUNCIATIONS,
    CONF_SPEED,
    CONF_VOICE,
    DEFAULT_SPEED,
    DEFAULT_VOICE,
    DOMAIN,
    KEEP_MARKDOWN,
    PRONUNCIATIONS,
    SUBENTRY_PROFILE,
)
from .convert import convert_audio
from .entity import profile_device
from .fallback import DATA_FALLBACK_MARKS, or_fallback
from .issues import async_clear_no_credit
from .models import AuraConfigEntry, AuraRuntimeData
from .user_errors import react, speech_key, user_error

_LOGGER = logging.getLogger(__name__)

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AuraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a TTS entity for each voice profile of the entry."""
    for profile in entry.subentries.values():
        if profile.subentry_type == SUBENTRY_PROFILE:
            async_add_entities(
                [AuraTextToSpeechEntity(entry, profile)], config_subentry_id=profile.subentry_id
            )


def _pronouncer_for(options: dict[str, Any]) -> Pronouncer | None:
    """The configured "say X as Y" rules (checked when they were saved); None for none."""
    text = options.get(PRONUNCIATIONS)
    return pronouncer(str(text)) if text else None


def _int_option(options: dict[str, Any], name: str) -> int | None:
    # Home Assistant has already checked these are whole numbers.
    value = options.get(name)
    return None if value is None else int(value)


class AuraTextToSpeechEntity(TextToSpeechEntity):
    """Speaks with an Aura voice."""

    _attr_has_entity_name = True
    _attr_translation_key = "speech"
    # Listing the preferred_* options tells Home Assistant that Aura produces the format
    # itself, so it runs no ffmpeg (see plan_output for the few cases Aura cannot make).
    _attr_supported_options = [  # noqa: RUF012 - Home Assistant declares it an instance attribute
        ATTR_VOICE,
        ATTR_CHIME,
        ATTR_CHIME_AFTER,
        ATTR_SILENCE,
        ATTR_SPEED,
        ATTR_PREFERRED_FORMAT,
        ATTR_PREFERRED_SAMPLE_RATE,
        ATTR_PREFERRED_SAMPLE_CHANNELS,
        ATTR_PREFERRED_SAMPLE_BYTES,
    ]

    def __init__(self, entry: AuraConfigEntry, profile: ConfigSubentry) -> None:
        """Speak for the voice profile ``profile`` of ``entry``."""
        self._entry = entry
        self._profile_id = profile.subentry_id
        self._attr_unique_id = profile.subentry_id
        # Named "<profile> Speech": Home Assistant's TTS manager (2026.3 to 2026.11)
        # refuses an engine whose name is None, so the entity cannot take the device's name.
        self._attr_device_info = profile_device(profile)
        self._stand_ins_logged: set[tuple[str, str]] = set()
        self._sounds: dict[tuple[Sounds, AudioFormat], tuple[bytes | None, bytes | None]] = {}

    @property
    def _profile(self) -> Mapping[str, Any]:
        # Read for each message: an edited voice, chime or rule applies to the next one.
        return self._entry.subentries[self._profile_id].data

    @property
    def _service(self) -> str:
        return service_of(self._entry.data)

    @property
    def _catalogue(self) -> Catalogue:
        # The account's voices: Deepgram's list is read at set-up and refreshed daily.
        return self._entry.runtime_data.client.catalogue

    @property
    def _configured_voice(self) -> str:
        return str(self._profile.get(CONF_VOICE, self._catalogue.default_voice_id))

    @property
    def supported_languages(self) -> list[str]:
        """Every language the account's voices speak (with their regions)."""
        return self._catalogue.supported_languages()

    @property
    def default_language(self) -> str:
        """The configured voice's language: what Home Assistant fills in when none is given."""
        return self._catalogue.default_language_of(self._configured_voice)

    @property
    def default_options(self) -> dict[str, Any]:
        """The configured voice and pronunciations; in the cache key, so a change is heard.

        Pronunciations only when there are some, so other users' cache keys stay as they were.
        The profile's chime is not here: it is for tts.speak and announcements only (see
        async_speak), never for an Assist answer, and Home Assistant merges these defaults
        into every request, Assist's included.
        """
        options: dict[str, Any] = {DEFAULT_VOICE: self._configured_voice}
        if pronunciations := self._profile.get(CONF_PRONUNCIATIONS):
            options[PRONUNCIATIONS] = pronunciations
        if speed := self._profile.get(CONF_SPEED):
            options[DEFAULT_SPEED] = speed  # only when set: other cache keys stay as they were
        if self._profile.get(CONF_MARKDOWN) is False:
            options[KEEP_MARKDOWN] = True  # only then: other cache keys stay as they were
        if mark := self.hass.data[DATA_FALLBACK_MARKS].mark(self._profile_id):
            options[AFTER_FALLBACK] = mark  # see FallbackMarks
        return options

    async def async_speak(
        self,
        media_player_entity_id: list[str],
        message: str,
        cache: bool,  # noqa: FBT001 - Home Assistant's signature
        language: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        """tts.speak: the profile's chime plays first unless the call names one."""
        await super().async_speak(
            media_player_entity_id,
            message,
            cache,
            language,
            with_profile_sounds(options or {}, self._profile),
        )

    @callback
    def async_get_supported_voices(self, language: str) -> list[TtsVoice]:
        """The account's voices that speak ``language``, newest generation first."""
        return [
            TtsVoice(v.voice_id, v.label) for v in self._catalogue.voices_for_language(language)
        ]

    def _voice_for(self, options: dict[str, Any], language: str) -> str:
        """The voice to speak ``language`` with (see choose_voice); stand-ins logged once."""
        choice = choose_voice(options, language, self._configured_voice, self._catalogue)
        if choice.stands_in_for and (choice.stands_in_for, language) not in self._stand_ins_logged:
            self._stand_ins_logged.add((choice.stands_in_for, language))
            _LOGGER.debug(
                "%s does not speak %s; %s speaks it instead",
                choice.stands_in_for,
                language,
                choice.voice_id,
            )
        return choice.voice_id

    async def _sounds_of(
        self, options: dict[str, Any], audio_format: AudioFormat
    ) -> tuple[bytes | None, bytes | None]:
        """The audio before the words (silence, chime) and after them (a chime), if any.

        Made once per format (the compressed ones are read from files), then kept.
        """
        sounds = choose_sounds(options)
        key = (sounds, audio_format)
        if (made := self._sounds.get(key)) is None:
            made = await self.hass.async_add_executor_job(_sounds_audio, sounds, audio_format)
            self._sounds[key] = made
        return made

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
        lead_in, tail = await self._sounds_of(request.options, plan.request)
        # Held by this message: a reload (a profile added) deletes the entry's runtime data
        # while it may still be spoken.
        runtime = self._entry.runtime_data
        speech = SpeechStream(
            runtime.client,
            voice_id,
            plan.request,
            speed=choose_speed(request.options, voice_id, runtime.client),
            on_accepted=partial(self._piece_accepted, runtime),
            pronounce=_pronouncer_for(request.options),
        )
        fallback = self._profile.get(CONF_FALLBACK)
        # Markdown and emoji said as speech, for Aura and the fallback alike.
        words = request.message_gen
        if not request.options.get(KEEP_MARKDOWN):
            words = spoken_text(words, MAX_MESSAGE_LENGTH)
        # Kept for the fallback: the words Aura has read, and those still to come.
        text = ReplayableText(words) if fallback else None
        audio: AsyncGenerator[bytes] = self._watch(
            speech.audio(text.reader() if text else words, lead_in, tail),
            voice_id,
            speech,
            runtime,
        )
        if text is not None:
            marks = self.hass.data[DATA_FALLBACK_MARKS]
            # Decides on the library's error, before it is translated below.
            audio = or_fallback(
                self.hass,
                audio,
                started=lambda: speech.heard,
                engine_id=str(fallback),
                language=request.language,
                audio_format=plan.request,
                lead_in=lead_in,
                tail=tail,
                text=text,
                on_fallback=lambda: marks.async_renew(self._profile_id),
            )
        audio = _translated(audio, voice_id, self._service)
        if plan.convert:
            audio = convert_audio(self.hass, audio, plan.extension, **wanted)
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

    async def _watch(
        self,
        audio: AsyncGenerator[bytes],
        voice_id: str,
        speech: SpeechStream,
        runtime: AuraRuntimeData,
    ) -> AsyncGenerator[bytes]:
        """Act on a failure (reauth, repair, health) and on speech paid for; re-raise."""
        # aclosing: when the listener goes away, the requests upstream stop now, not at GC.
        async with contextlib.aclosing(audio):
            try:
                async for chunk in audio:
                    yield chunk
            except AuraError as err:
                react(self.hass, self._entry, err)
                runtime.health.record_failure(speech_key(err, voice_id, self._service), err)
                raise
            finally:
                if speech.pieces_accepted:  # speech was paid for: the balance has moved
                    runtime.account.async_speech_made()

    def _piece_accepted(self, runtime: AuraRuntimeData, piece: str) -> None:
        """Aura started on a piece (its first audio byte came): it works, and bills it."""
        runtime.spoken.async_add(len(piece))
        runtime.health.record_success()
        async_clear_no_credit(self.hass, self._entry.entry_id)


async def _translated(
    audio: AsyncGenerator[bytes], voice_id: str, service: str
) -> AsyncGenerator[bytes]:
    """Client errors as messages a user understands, naming the account's service."""
    async with contextlib.aclosing(audio):
        try:
            async for chunk in audio:
                yield chunk
        except AuraError as err:
            raise user_error(err, voice_id, service) from err


def _sounds_audio(sounds: Sounds, audio_format: AudioFormat) -> tuple[bytes | None, bytes | None]:
    """The lead-in (silence, then the chime, as one file) and the tail (blocking I/O)."""
    lead: list[bytes] = []
    tail = None
    try:
        if sounds.silence_ms:
            lead.append(silence_audio(sounds.silence_ms, audio_format))
        if sounds.chime != CHIME_OFF:
            lead.append(chime_audio(sounds.chime, audio_format))
        if sounds.chime_after != CHIME_OFF:
            tail = chime_audio(sounds.chime_after, audio_format)
    except NoChimeError as err:
        # The words matter more than the sounds: speak them, and say why these are missing.
        names = " and ".join(
            name for name in (sounds.chime, sounds.chime_after) if name != CHIME_OFF
        )
        _LOGGER.warning("Speaking without the %s chime or silence: %s", names or "", err)
        return None, None
    return (joined(audio_format, lead) if lead else None), tail

"""A profile's fallback engine: it speaks a message Aura could not start.

Only before Aura's first audio byte: after it, the listener has heard part of the message
in the Aura voice, and a second voice starting over would be worse than an error.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
import contextlib
import logging
import secrets
from typing import Any

from homeassistant.components import tts
from homeassistant.components.tts import (
    ATTR_PREFERRED_FORMAT,
    ATTR_PREFERRED_SAMPLE_BYTES,
    ATTR_PREFERRED_SAMPLE_CHANNELS,
    ATTR_PREFERRED_SAMPLE_RATE,
)
from homeassistant.components.tts.helper import get_engine_instance
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.util import language as language_util
from homeassistant.util.hass_dict import HassKey

from .aura import AudioFormat, AuraError, Joiner, ReplayableText, joiner_for
from .const import DOMAIN
from .convert import convert_audio

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION = 1
DATA_FALLBACK_MARKS: HassKey[FallbackMarks] = HassKey(f"{DOMAIN}_fallback_marks")


class FallbackMarks:
    """A mark per profile that changes each time its fallback speaks; kept across restarts.

    Home Assistant caches audio under a key made of the message and the entity's default
    options. The fallback's audio goes out through the Aura entity, so it is cached under
    Aura's key: the mark is one of the default options, and a new mark after each fallback
    means the next identical message is Aura's again, not the cached stand-in.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Marks of every profile, in Home Assistant's storage."""
        self._store: Store[dict[str, str]] = Store(hass, STORAGE_VERSION, f"{DOMAIN}.fallbacks")
        self._marks: dict[str, str] = {}

    async def async_load(self) -> None:
        """Read the marks saved before a restart."""
        self._marks = await self._store.async_load() or {}

    def mark(self, profile_id: str) -> str | None:
        """The profile's mark (None until its fallback has spoken once)."""
        return self._marks.get(profile_id)

    @callback
    def async_renew(self, profile_id: str) -> None:
        """The fallback spoke for the profile: later messages get new cache keys."""
        self._marks[profile_id] = secrets.token_hex(8)
        self._save()

    @callback
    def async_forget(self, profile_id: str) -> None:
        """The profile was removed: its mark goes too."""
        if self._marks.pop(profile_id, None) is not None:
            self._save()

    def _save(self) -> None:
        self._store.async_delay_save(lambda: dict(self._marks), 1)


def _fallback_options(audio_format: AudioFormat) -> dict[str, Any]:
    """What to ask the fallback for: WAV at Aura's rate, which every engine can give.

    Not Aura's own format: Home Assistant's conversion cannot make AAC (no such ffmpeg
    muxer) and makes Vorbis for Ogg, which cannot follow a chime in Ogg Opus.
    """
    return {
        ATTR_PREFERRED_FORMAT: "wav",
        ATTR_PREFERRED_SAMPLE_RATE: audio_format.effective_sample_rate,
        ATTR_PREFERRED_SAMPLE_CHANNELS: 1,
        ATTR_PREFERRED_SAMPLE_BYTES: 2,
    }


def _language_for(hass: HomeAssistant, engine_id: str, language: str) -> str:
    """The fallback's closest language to ``language`` ("en-US" for "en", or the reverse)."""
    engine = get_engine_instance(hass, engine_id)
    if engine is None:
        raise HomeAssistantError(f"{engine_id} is not a speech engine that is running")
    supported = list(engine.supported_languages or [])
    if language in supported:
        return language
    matches = language_util.matches(language, supported)
    if not matches:
        raise HomeAssistantError(f"{engine_id} does not speak {language}")
    return matches[0]


async def _fallback_audio(
    hass: HomeAssistant,
    engine_id: str,
    language: str,
    audio_format: AudioFormat,
    text: ReplayableText,
) -> AsyncGenerator[bytes]:
    """The whole message spoken by ``engine_id``, in exactly Aura's format.

    The fallback's WAV is converted here, with the integration's own conversion, into what
    Aura was asked for (the speaker's format), so the joiner gets what it would from Aura.
    """
    stream = tts.async_create_stream(
        hass, engine_id, _language_for(hass, engine_id, language), _fallback_options(audio_format)
    )
    stream.async_set_message_stream(text.reader())
    wav = (chunk async for chunk in stream.async_stream_result())
    if audio_format.extension == "wav":
        audio = wav
    else:
        audio = convert_audio(
            hass,
            wav,
            audio_format.extension,
            sample_rate=audio_format.effective_sample_rate,
            channels=1,
            sample_bytes=2 if audio_format.extension == "flac" else None,
        )
    async with contextlib.aclosing(audio):
        async for chunk in audio:
            yield chunk


def _joiner_after(
    sent: bytes, lead_in: bytes | None, audio_format: AudioFormat, *, tail: bool
) -> Joiner | None:
    """A joiner at the point the stream has reached; None if that cannot be known."""
    joiner = joiner_for(audio_format)
    if not sent:
        # Nothing sent yet: the fallback's file goes out as it is, unless a tail follows it.
        joiner.single = not tail
        return joiner
    # The chime went out as the first piece: a fresh joiner fed it is where the stream is.
    if lead_in is not None and joiner.feed(lead_in) + joiner.end_piece() == sent:
        return joiner
    return None


async def or_fallback(
    hass: HomeAssistant,
    audio: AsyncGenerator[bytes],
    *,
    started: Callable[[], bool],
    engine_id: str,
    language: str,
    audio_format: AudioFormat,
    lead_in: bytes | None,
    tail: bytes | None,
    text: ReplayableText,
    on_fallback: Callable[[], None],
) -> AsyncGenerator[bytes]:
    """Aura's audio; if Aura fails before its first byte, the fallback's in its place.

    ``started`` tells whether Aura's first byte has come. A chime already sent (``lead_in``)
    stays: the fallback's audio is joined after it, as a second piece, and ``tail`` (a chime
    after the words) after the fallback's audio. ``text`` is the
    message Aura reads, kept for the fallback; it is closed when the audio ends.
    """
    try:
        sent = bytearray()  # what went out before Aura's first byte: at most the chime
        failure: AuraError | None = None
        async with contextlib.aclosing(audio):
            try:
                async for chunk in audio:
                    if not started():
                        sent += chunk
                    yield chunk
            except AuraError as err:
                if started() or err.callers_fault:
                    raise
                failure = err
        if failure is None:
            return
        joiner = _joiner_after(bytes(sent), lead_in, audio_format, tail=tail is not None)
        if joiner is None:
            raise failure
        _LOGGER.warning("Aura failed (%s); %s speaks the message instead", failure, engine_id)
        fallback = _fallback_audio(hass, engine_id, language, audio_format, text)
        try:
            async with contextlib.aclosing(fallback):
                async for chunk in fallback:
                    if data := joiner.feed(chunk):
                        yield data
                end = joiner.end_piece()
                if tail:
                    end += joiner.feed(tail) + joiner.end_piece()
                end += joiner.finish()
        except Exception as err:
            _LOGGER.warning("The fallback %s failed too: %s", engine_id, err)
            raise failure from err
        on_fallback()
        if end:
            yield end
    finally:
        await text.aclose()  # the source of the text is read no more

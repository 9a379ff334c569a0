"""A small speech engine for the tests: the fallback Aura TTS turns to when the fake fails.

It speaks a tone as long as the text (SECONDS_PER_CHARACTER each), as a WAV file, in "en"
and "es" only (Aura's "en-US" must be matched to "en"), and lists what it was asked to say.
Home Assistant converts its WAV to whatever format a speaker asked Aura for.
"""

from __future__ import annotations

import io
import math
from typing import Any
import wave

from homeassistant.components.tts import TextToSpeechEntity, TtsAudioType
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

SECONDS_PER_CHARACTER = 0.02
RATE = 16000


def tone(seconds: float) -> bytes:
    """A 330 Hz tone of ``seconds``, 16-bit mono WAV."""
    frames = int(seconds * RATE)
    samples = b"".join(
        int(8000 * math.sin(2 * math.pi * 330 * n / RATE)).to_bytes(2, "little", signed=True)
        for n in range(frames)
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(samples)
    return out.getvalue()


async def async_setup_entry(
    hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the fallback voice."""
    async_add_entities([FallbackVoice()])


class FallbackVoice(TextToSpeechEntity):
    """Speaks a tone for each message; ``spoken`` lists (language, message)."""

    _attr_name = "E2E fallback voice"
    _attr_unique_id = "e2e-fallback-voice"
    _attr_supported_languages = ["en", "es"]  # noqa: RUF012 - Home Assistant's attribute
    _attr_default_language = "en"

    def __init__(self) -> None:
        """Nothing spoken yet."""
        self.spoken: list[tuple[str, str]] = []
        self.fail = False  # a test sets it to see the fallback fail too

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """What it was asked to say (a copy: a state keeps what it was given)."""
        return {"spoken": [list(item) for item in self.spoken]}

    async def async_get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> TtsAudioType:
        """The tone for ``message``."""
        if self.fail:
            raise RuntimeError("the fallback voice is broken")
        self.spoken.append((language, message))
        self.async_write_ha_state()
        return "wav", tone(len(message) * SECONDS_PER_CHARACTER)

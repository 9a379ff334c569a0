"""What a message is spoken with: its voice and its chime, checked before anything is paid.

Shared by the TTS entity and the announce action, so both refuse the same things with the
same translated messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.exceptions import ServiceValidationError

from .aura import (
    CHIME_NAMES,
    CHIME_OFF,
    parse_voice_id,
    stand_in_voice,
)
from .const import ATTR_CHIME, ATTR_VOICE, CONF_CHIME, DEFAULT_VOICE, DOMAIN


@dataclass(frozen=True, slots=True)
class VoiceChoice:
    """The voice that speaks, and whether it stands in for the configured one."""

    voice_id: str
    stands_in_for: str | None = None


def choose_voice(options: dict[str, Any], language: str, configured: str) -> VoiceChoice:
    """The voice to speak ``language`` with.

    A voice the call names must speak the language. The configured voice is a default: for
    another language a voice of that language stands in (same gender if possible).
    """
    named = options.get(ATTR_VOICE)
    voice_id = str(named or options.get(DEFAULT_VOICE) or configured)
    voice = parse_voice_id(voice_id)
    if voice is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_voice",
            translation_placeholders={"voice": voice_id},
        )
    if voice.base_language == language.split("-", 1)[0]:
        return VoiceChoice(voice_id)
    stand_in = None if named else stand_in_voice(voice, language)
    if stand_in is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="voice_language_mismatch",
            translation_placeholders={"voice": voice_id, "language": language},
        )
    return VoiceChoice(stand_in.voice_id, stands_in_for=voice_id)


def with_profile_chime(options: dict[str, Any], profile: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with the profile's chime, unless they name one (or the profile has none).

    Only tts.speak and announcements get the profile's chime. An Assist answer never does,
    whatever device runs the pipeline: Home Assistant gives the engine no sign of a pipeline
    (the browser's and the companion app's send no audio settings at all), so the chime is
    added where a message is known to be one, not left out where an answer seems to be one.
    """
    chime = profile.get(CONF_CHIME, CHIME_OFF)
    if ATTR_CHIME in options or chime == CHIME_OFF:
        return options
    return {**options, ATTR_CHIME: chime}


def choose_chime(options: dict[str, Any]) -> str:
    """The chime to play first: the one named in the options (see with_profile_chime)."""
    name = str(options.get(ATTR_CHIME) or CHIME_OFF)
    if name not in CHIME_NAMES:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_chime",
            translation_placeholders={"chime": name, "chimes": ", ".join(CHIME_NAMES)},
        )
    return name

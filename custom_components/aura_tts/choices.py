"""What a message is spoken with: voice, speed, silence and chimes, checked before anything is paid.

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
    MAX_SILENCE_MS,
    MAX_SPEED,
    MIN_SPEED,
    Catalogue,
    SpeechClient,
)
from .const import (
    ATTR_CHIME,
    ATTR_CHIME_AFTER,
    ATTR_SILENCE,
    ATTR_SPEED,
    ATTR_VOICE,
    CONF_CHIME,
    CONF_CHIME_AFTER,
    CONF_SILENCE,
    DEFAULT_SPEED,
    DEFAULT_VOICE,
    DOMAIN,
)


@dataclass(frozen=True, slots=True)
class VoiceChoice:
    """The voice that speaks, and whether it stands in for the configured one."""

    voice_id: str
    stands_in_for: str | None = None


def choose_voice(
    options: dict[str, Any], language: str, configured: str, catalogue: Catalogue
) -> VoiceChoice:
    """The voice of ``catalogue`` (the account's) to speak ``language`` with.

    A voice the call names must speak the language. The configured voice is a default: for
    another language a voice of that language stands in (same gender if possible).
    """
    named = options.get(ATTR_VOICE)
    voice_id = str(named or options.get(DEFAULT_VOICE) or configured)
    voice = catalogue.voice(voice_id)
    if voice is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_voice",
            translation_placeholders={"voice": voice_id},
        )
    if voice.base_language == language.split("-", 1)[0]:
        return VoiceChoice(voice_id)
    stand_in = None if named else catalogue.stand_in_voice(voice, language)
    if stand_in is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="voice_language_mismatch",
            translation_placeholders={"voice": voice_id, "language": language},
        )
    return VoiceChoice(stand_in.voice_id, stands_in_for=voice_id)


def choose_speed(options: dict[str, Any], voice_id: str, client: SpeechClient) -> float | None:
    """The pace to speak with (None: the voice's own), checked against the account and voice.

    A speed the call names must be one the account and voice can make: else the call is
    refused, never spoken at another pace. The profile's speed is a default, like its voice:
    a voice that cannot change pace (a stand-in for another language) speaks at its own.
    """
    named = options.get(ATTR_SPEED)
    if named is None:
        default = options.get(DEFAULT_SPEED)
        if default is None or not client.can_change_speed(voice_id):
            return None
        return float(default)
    try:
        speed = float(named)
    except (TypeError, ValueError):
        speed = -1.0
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_speed",
            translation_placeholders={
                "speed": str(named),
                "min": f"{MIN_SPEED:g}",
                "max": f"{MAX_SPEED:g}",
            },
        )
    if speed == 1.0:  # the voice's own pace: nothing to ask for, on any account
        return None
    if not client.can_change_speed(voice_id):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="speed_not_supported",
            translation_placeholders={"voice": voice_id, "service": client.service},
        )
    return speed


@dataclass(frozen=True, slots=True)
class Sounds:
    """What is heard besides the words: silence and a chime before them, a chime after."""

    silence_ms: int = 0
    chime: str = CHIME_OFF
    chime_after: str = CHIME_OFF

    @property
    def lead_in(self) -> bool:
        """Whether anything goes out before the words."""
        return self.silence_ms > 0 or self.chime != CHIME_OFF


# Option (a call may name it) -> the profile setting it defaults to, and its "none" value.
_PROFILE_SOUNDS = (
    (ATTR_SILENCE, CONF_SILENCE, 0),
    (ATTR_CHIME, CONF_CHIME, CHIME_OFF),
    (ATTR_CHIME_AFTER, CONF_CHIME_AFTER, CHIME_OFF),
)


def with_profile_sounds(options: dict[str, Any], profile: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with the profile's silence and chimes, except those the options name.

    Only tts.speak and announcements get them. An Assist answer never does, whatever device
    runs the pipeline: Home Assistant gives the engine no sign of a pipeline (the browser's
    and the companion app's send no audio settings at all), so the sounds are added where a
    message is known to be one, not left out where an answer seems to be one.
    """
    added = {
        option: profile[setting]
        for option, setting, none in _PROFILE_SOUNDS
        if option not in options and profile.get(setting, none) != none
    }
    return {**options, **added} if added else options


def choose_sounds(options: dict[str, Any]) -> Sounds:
    """The silence and chimes the options name (see with_profile_sounds), checked."""
    return Sounds(
        silence_ms=_silence(options.get(ATTR_SILENCE)),
        chime=_chime(options.get(ATTR_CHIME)),
        chime_after=_chime(options.get(ATTR_CHIME_AFTER)),
    )


def _chime(value: Any) -> str:
    name = str(value or CHIME_OFF)
    if name not in CHIME_NAMES:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_chime",
            translation_placeholders={"chime": name, "chimes": ", ".join(CHIME_NAMES)},
        )
    return name


def _silence(value: Any) -> int:
    """Milliseconds of silence; a number from YAML may come as text."""
    try:
        milliseconds = int(value or 0)
    except (TypeError, ValueError):
        milliseconds = -1
    if not 0 <= milliseconds <= MAX_SILENCE_MS:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_silence",
            translation_placeholders={"silence": str(value), "max": str(MAX_SILENCE_MS)},
        )
    return milliseconds

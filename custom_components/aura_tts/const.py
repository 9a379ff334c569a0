"""Constants of the Aura TTS integration."""

from typing import Final

DOMAIN: Final = "aura_tts"
CONF_BASE_URL: Final = "base_url"
CONF_SERVICE: Final = "service"  # which account the key is for (absent: the AI/ML API)
SERVICE_AIMLAPI: Final = "aimlapi"
SERVICE_DEEPGRAM: Final = "deepgram"
CONF_SPEED: Final = "speed"  # a profile's pace, 0.7-1.5 (Deepgram, English and Spanish)
CONF_VOICE: Final = "voice"
CONF_WARN_BELOW: Final = "warn_below"
CONF_CHIME: Final = "chime"
CONF_CHIME_AFTER: Final = "chime_after"
CONF_SILENCE: Final = "silence"  # milliseconds before the chime and the words
CONF_MARKDOWN: Final = "markdown"  # Markdown and emoji said as speech (on unless False)
CONF_PRONUNCIATIONS: Final = "pronunciations"
CONF_FALLBACK: Final = "fallback"
DEFAULT_WARN_BELOW: Final = 1.0  # USD
SECTION_ADVANCED: Final = "advanced"
ATTR_VOICE: Final = "voice"
ATTR_CHIME: Final = "chime"
ATTR_CHIME_AFTER: Final = "chime_after"
ATTR_SILENCE: Final = "silence"
ATTR_SPEED: Final = "speed"
EVENT_LOW_BALANCE: Final = f"{DOMAIN}_low_balance"
SUBENTRY_PROFILE: Final = "profile"  # a voice profile (config subentry type)
# The announce action.
SERVICE_ANNOUNCE: Final = "announce"
ATTR_MESSAGE: Final = "message"
ATTR_PROFILE: Final = "profile"
ATTR_LANGUAGE: Final = "language"
ATTR_VOLUME: Final = "volume"
ATTR_RESUME: Final = "resume"
# TTS options only ever set as the entity's defaults (a call cannot name them). The profile's
# voice travels under its own name: Home Assistant merges default options into the call's,
# and only a voice the call named must speak its language.
DEFAULT_VOICE: Final = "default_voice"
DEFAULT_SPEED: Final = "default_speed"  # the profile's speed: a default, like its voice
PRONUNCIATIONS: Final = "pronunciations"
AFTER_FALLBACK: Final = "after_fallback"  # see fallback.FallbackMarks
KEEP_MARKDOWN: Final = "keep_markdown"  # the profile reads Markdown as it is written

"""Constants of the Aura TTS integration."""

from typing import Final

DOMAIN: Final = "aura_tts"
CONF_BASE_URL: Final = "base_url"
CONF_VOICE: Final = "voice"
SECTION_ADVANCED: Final = "advanced"
ATTR_VOICE: Final = "voice"

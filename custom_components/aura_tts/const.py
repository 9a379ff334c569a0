"""Constants of the Aura TTS integration."""

from typing import Final

DOMAIN: Final = "aura_tts"
CONF_BASE_URL: Final = "base_url"
CONF_VOICE: Final = "voice"
CONF_WARN_BELOW: Final = "warn_below"
CONF_CHIME: Final = "chime"
CONF_PRONUNCIATIONS: Final = "pronunciations"
CONF_FALLBACK: Final = "fallback"
DEFAULT_WARN_BELOW: Final = 1.0  # USD
SECTION_ADVANCED: Final = "advanced"
ATTR_VOICE: Final = "voice"
ATTR_CHIME: Final = "chime"
EVENT_LOW_BALANCE: Final = f"{DOMAIN}_low_balance"

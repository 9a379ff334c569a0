"""Test devices for the end-to-end tests: speakers that take play_media like a Cast or Sonos
player (media_player.py), and a small speech engine to fall back on (tts.py)."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_IMPORT, ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.typing import ConfigType

DOMAIN = "e2e_speaker"


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Make the fallback voice's entry from the YAML (once)."""
    if DOMAIN in config and not hass.config_entries.async_entries(DOMAIN):
        hass.async_create_task(
            hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_IMPORT})
        )
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Add the fallback voice."""
    await hass.config_entries.async_forward_entry_setups(entry, [Platform.TTS])
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Remove it."""
    return await hass.config_entries.async_unload_platforms(entry, [Platform.TTS])

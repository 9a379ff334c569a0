"""Diagnostics for Aura TTS, with the API key redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant

from . import AuraConfigEntry

TO_REDACT = {CONF_API_KEY, "unique_id"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: AuraConfigEntry
) -> dict[str, Any]:
    """What support needs to see, nothing secret."""
    client = entry.runtime_data.client
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "client": {
            "base_url": client.base_url,
            "request_style": client.request_style.value,
            "retries": client.retries,
        },
        "service": entry.runtime_data.health.as_dict(),
    }

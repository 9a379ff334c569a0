"""Diagnostics for Aura TTS, with the API key and any credentials in the server URL redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from yarl import URL

from .aura import (
    parse_pronunciations,
)
from .const import CONF_BASE_URL, CONF_CHIME, CONF_FALLBACK, CONF_PRONUNCIATIONS, CONF_VOICE
from .models import AuraConfigEntry

# Pronunciations name the household's people and rooms: diagnostics count them instead.
TO_REDACT = {CONF_API_KEY, "unique_id", CONF_PRONUNCIATIONS}


def redact_url(url: str) -> str:
    """``url`` without user, password or query (a gateway may carry a token in either)."""
    try:
        parsed = URL(url)
    except ValueError:
        return REDACTED
    if parsed.user is not None or parsed.password is not None:
        parsed = parsed.with_user(REDACTED if parsed.user else None).with_password(None)
    if parsed.query_string:
        parsed = parsed.with_query(dict.fromkeys(parsed.query, REDACTED))
    return str(parsed)


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: AuraConfigEntry
) -> dict[str, Any]:
    """What support needs to see, nothing secret.

    An entry that is not running (its key refused, the server down) has no client or account
    figures: its settings and state are shown, which is when support needs them most.
    """
    redacted = async_redact_data(entry.as_dict(), TO_REDACT)
    redacted["data"][CONF_BASE_URL] = redact_url(entry.data[CONF_BASE_URL])
    settings = {
        "entry": redacted,
        "profiles": [
            {
                "voice": profile.data.get(CONF_VOICE),
                "chime": profile.data.get(CONF_CHIME),
                "fallback_set": bool(profile.data.get(CONF_FALLBACK)),
                "pronunciations": len(
                    parse_pronunciations(profile.data.get(CONF_PRONUNCIATIONS, ""))
                ),
            }
            for profile in entry.subentries.values()
        ],
    }
    if entry.state is not ConfigEntryState.LOADED:
        return settings
    runtime = entry.runtime_data
    client, account = runtime.client, runtime.account
    return {
        **settings,
        "client": {"base_url": redact_url(client.base_url), **client.diagnostics()},
        "service": runtime.health.as_dict(),
        "account": {
            "last_poll_succeeded": account.last_update_success,
            "last_figures": None if account.data is None else account.data.as_dict(),
            "warn_below": account.low_balance.warn_below,
            "characters_spoken_since_start": runtime.spoken.count,
        },
    }

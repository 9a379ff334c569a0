"""A Deepgram account's voices: read from Deepgram at set-up, then once a day.

Deepgram adds voices and languages (its 2025-12-12 change added five); reading its model
list means a new voice is offered without an update of Aura TTS. When the list cannot be
read, the voices known before (the built-in list at first) stay: speech never waits on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.event import async_track_time_interval

from .aura import AuraError, DeepgramClient, SpeechClient
from .const import DOMAIN
from .models import AuraConfigEntry

_LOGGER = logging.getLogger(__name__)

REFRESH_INTERVAL: Final = timedelta(days=1)


async def async_keep_voices_fresh(
    hass: HomeAssistant, entry: AuraConfigEntry, client: SpeechClient
) -> None:
    """Read a Deepgram account's voices now and every day while ``entry`` is loaded."""
    if not isinstance(client, DeepgramClient):
        return  # the AI/ML API documents its voices; it has no list to read

    async def refresh(_now: datetime | None = None) -> None:
        try:
            catalogue = await client.async_refresh_catalogue()
        except AuraError as err:
            _LOGGER.debug(
                "Deepgram's voice list could not be read (%s); %d voices stay offered",
                err,
                len(client.catalogue),
            )
            return
        _LOGGER.debug("Deepgram lists %d Aura voices", len(catalogue))

    await refresh()
    entry.async_on_unload(
        async_track_time_interval(
            hass, refresh, REFRESH_INTERVAL, name=f"{DOMAIN} voice list", cancel_on_shutdown=True
        )
    )

"""The entry's AI/ML API client, made in one place with Home Assistant's web session.

Set-up and the config flow's key check both make their client here, so what they are made
with is the same: the key, the server, and the timeouts and retries. Those are the
library's own unless something puts a :class:`ClientTuning` in ``hass.data`` first (the
tests do: quick retries, a short read timeout for stalls).
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.hass_dict import HassKey

from .aura import AuraClient, RetryPolicy, Timeouts
from .const import DOMAIN


@dataclass(frozen=True, slots=True)
class ClientTuning:
    """Timeouts and retries for every client made after it is set (None: the library's)."""

    timeouts: Timeouts | None = None
    retry: RetryPolicy | None = None


DATA_CLIENT_TUNING: HassKey[ClientTuning] = HassKey(f"{DOMAIN}_client_tuning")


def new_client(hass: HomeAssistant, api_key: str, base_url: str) -> AuraClient:
    """A client for ``api_key`` at ``base_url`` over Home Assistant's shared session."""
    tuning = hass.data.get(DATA_CLIENT_TUNING, ClientTuning())
    return AuraClient(
        async_get_clientsession(hass),
        api_key,
        base_url,
        timeouts=tuning.timeouts,
        retry=tuning.retry,
    )

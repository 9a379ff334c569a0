"""The entry's client (AI/ML API or Deepgram), made in one place with Home Assistant's session.

Set-up and the config flow's key check both make their client here, so what they are made
with is the same: the key, the server, and the timeouts and retries. Those are the
library's own unless something puts a :class:`ClientTuning` in ``hass.data`` first (the
tests do: quick retries, a short read timeout for stalls).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.hass_dict import HassKey

from .aura import (
    AIMLAPI_VOICES,
    DEEPGRAM_URL,
    DEEPGRAM_VOICES,
    DEFAULT_BASE_URL,
    AuraClient,
    Catalogue,
    DeepgramClient,
    RetryPolicy,
    SpeechClient,
    Timeouts,
)
from .const import CONF_SERVICE, DOMAIN, SERVICE_AIMLAPI, SERVICE_DEEPGRAM

# Each account's own server: what Advanced -> Server URL starts with.
DEFAULT_URLS = {SERVICE_AIMLAPI: DEFAULT_BASE_URL, SERVICE_DEEPGRAM: DEEPGRAM_URL}
SERVICE_NAMES = {SERVICE_AIMLAPI: "AI/ML API", SERVICE_DEEPGRAM: "Deepgram"}
# Each account's voices when no client of it is at hand (an entry that is not loaded).
BUILT_IN_VOICES: dict[str, Catalogue] = {
    SERVICE_AIMLAPI: AIMLAPI_VOICES,
    SERVICE_DEEPGRAM: DEEPGRAM_VOICES,
}


@dataclass(frozen=True, slots=True)
class ClientTuning:
    """Timeouts and retries for every client made after it is set (None: the library's)."""

    timeouts: Timeouts | None = None
    retry: RetryPolicy | None = None


DATA_CLIENT_TUNING: HassKey[ClientTuning] = HassKey(f"{DOMAIN}_client_tuning")


def service_of(data: Mapping[str, Any]) -> str:
    """Which account an entry's data is for (entries made before Deepgram: the AI/ML API)."""
    return str(data.get(CONF_SERVICE, SERVICE_AIMLAPI))


def new_client(
    hass: HomeAssistant, api_key: str, base_url: str, service: str = SERVICE_AIMLAPI
) -> SpeechClient:
    """A client of ``service`` for ``api_key`` at ``base_url`` over Home Assistant's session."""
    tuning = hass.data.get(DATA_CLIENT_TUNING, ClientTuning())
    kind = DeepgramClient if service == SERVICE_DEEPGRAM else AuraClient
    return kind(
        async_get_clientsession(hass),
        api_key,
        base_url,
        timeouts=tuning.timeouts,
        retry=tuning.retry,
    )

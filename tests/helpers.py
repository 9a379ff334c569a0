"""Helpers for the tests: fetching TTS audio the way a media player does."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from types import MappingProxyType
from typing import Any

from homeassistant.components import tts
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aura_tts.const import DOMAIN, SUBENTRY_PROFILE
from custom_components.aura_tts.flow_forms import profile_data
from tests.voice_ids import voice_of

__all__ = [
    "ENTITY_ID",
    "WAV",
    "add_profile",
    "change_profile",
    "collect",
    "speak",
    "tts_audio",
    "voice_of",
]

ENTITY_ID = "tts.aura_tts_speech"  # the profile's device is named "Aura TTS" (conftest)


async def change_profile(hass: HomeAssistant, entry: ConfigEntry, **changes: Any) -> None:
    """Change the entry's first profile as its Edit form would, and wait for the reload."""
    profile = next(iter(entry.subentries.values()))
    data = {**profile.data, **changes}
    hass.config_entries.async_update_subentry(
        entry, profile, data={k: v for k, v in data.items() if v is not None}
    )
    await hass.async_block_till_done()


async def add_profile(
    hass: HomeAssistant,
    entry: ConfigEntry,
    title: str = "Español",
    voice: str = "#g1_aura-2-celeste-es",
    **settings: Any,
) -> str:
    """Add a voice profile to ``entry`` as "Add voice profile" does; wait for the reload.

    Returns its entity ID ("Español" becomes tts.espanol_speech)."""
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            subentry_type=SUBENTRY_PROFILE,
            title=title,
            data=MappingProxyType({**profile_data(voice), **settings}),
            unique_id=None,
        ),
    )
    await hass.async_block_till_done()
    [subentry_id] = [i for i, s in entry.subentries.items() if s.title == title]
    entity_id = er.async_get(hass).async_get_entity_id("tts", DOMAIN, subentry_id)
    assert entity_id is not None
    return entity_id


async def tts_audio(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    message: str,
    options: dict[str, Any] | None = None,
    language: str | None = None,
) -> tuple[int, bytes]:
    """Ask HA for a TTS URL (as tts.speak does) and fetch it; return status and body."""
    url = tts.async_create_stream(hass, ENTITY_ID, language=language, options=options)
    url.async_set_message(message)
    client = await hass_client()
    response = await client.get(url.url)
    return response.status, await response.read()


async def collect(stream: tts.ResultStream) -> bytes:
    """All audio of a result stream."""
    return b"".join([chunk async for chunk in stream.async_stream_result()])


WAV: dict[str, Any] = {"preferred_format": "wav"}


async def speak(
    hass: HomeAssistant,
    text: str,
    options: dict[str, Any] | None = None,
    *,
    word_by_word: bool = False,
    language: str | None = None,
) -> bytes:
    """All audio of ``text``: a whole message (tts.speak), or written word by word (Assist).

    ``options`` default to WAV, which the tests read with ``wave``.
    """
    stream = tts.async_create_stream(
        hass, ENTITY_ID, language=language, options=WAV if options is None else options
    )
    if word_by_word:

        async def words() -> AsyncGenerator[str]:
            for word in text.split(" "):
                yield word + " "

        stream.async_set_message_stream(words())
    else:
        stream.async_set_message(text)
    return await collect(stream)

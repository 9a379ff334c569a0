"""Media players in the harness: the e2e speakers, reading Home Assistant's TTS streams."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.helpers.discovery import async_load_platform
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    setup_test_component_platform,
)

from custom_components.aura_tts.announce_volume import END_GRACE
from e2e.e2e_speaker.media_player import Speaker
from tests.helpers import ENTITY_ID

ANNOUNCING, KITCHEN = "media_player.test_speaker", "media_player.kitchen_speaker"


async def read_stream(hass: HomeAssistant, url: str) -> AsyncIterator[bytes]:
    """What a speaker reads from /api/tts_proxy/<token>, without an HTTP server."""
    stream = tts.async_get_stream(hass, url.rsplit("/", 1)[1])
    assert stream is not None
    async for chunk in stream.async_stream_result():
        yield chunk


async def add_players(hass: HomeAssistant, entities: list[Speaker]) -> None:
    """Add media players (Aura TTS depends on media_player, which is set up already)."""
    setup_test_component_platform(hass, "media_player", entities)
    assert await async_setup_component(hass, "media_source", {})
    assert await async_setup_component(hass, "media_player", {})
    await async_load_platform(hass, "media_player", "test", {}, {})
    await hass.async_block_till_done()


async def speak_on(
    hass: HomeAssistant,
    player: Speaker,
    message: str,
    options: dict[str, Any] | None = None,
    language: str | None = None,
    engine: str = ENTITY_ID,
) -> bytes:
    """tts.speak to ``player`` (as an automation calls it); the audio the player got."""
    data: dict[str, Any] = {"media_player_entity_id": player.entity_id, "message": message}
    if options is not None:
        data["options"] = options
    if language is not None:
        data["language"] = language
    plays = len(player.received)
    await hass.services.async_call("tts", "speak", {"entity_id": engine, **data}, blocking=True)
    assert player.playing is not None
    await player.playing
    assert len(player.received) == plays + 1
    return player.received[-1]


async def wait_decoded(player: Speaker, count: int) -> None:
    """Until ``player`` has read and measured (with ffmpeg) ``count`` plays.

    Only then may a test stop its playing task: cancelled during the measurement, the ffmpeg
    process would outlive the test.
    """
    async with asyncio.timeout(30):
        while len(player.plays) < count or any("seconds" not in p for p in player.plays):  # noqa: ASYNC110 - a speaker has no event for it
            await asyncio.sleep(0.01)


async def run_out(hass: HomeAssistant, player: Speaker, plays: int) -> None:
    """Let ``player`` play its ``plays``-th announcement out, then Home Assistant's clock
    (the announcement's end is reckoned on it: volumes, the next turn, the music)."""
    await wait_decoded(player, plays)
    assert player.playing is not None
    await player.playing
    seconds = player.plays[plays - 1]["seconds"]
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds + END_GRACE + 1))
    await hass.async_block_till_done()

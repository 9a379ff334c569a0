"""Announcements take turns on each speaker (#24 part 1), through Home Assistant.

The speakers are the e2e ones: ``test_speaker`` announces like Sonos, ``kitchen_speaker``
plays announcements as its media like Cast. Each writes down when it was told to play,
when it started and ended, and whether a play was cut off by another.
"""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.aura_tts.const import DOMAIN
from e2e.e2e_speaker.media_player import Speaker
from tests.audio_checks import decoded_seconds
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.speakers import ANNOUNCING, KITCHEN, run_out

FIRST = "The post has arrived."
SECOND = "Ha llegado un paquete. Está en la puerta principal."


def announce(hass: HomeAssistant, **data: Any) -> asyncio.Task[Any]:
    """The action, called as an automation does; its task (it returns once playing)."""
    return hass.async_create_task(hass.services.async_call(DOMAIN, "announce", data, blocking=True))


def volume(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.attributes["volume_level"])


@pytest.mark.parametrize("speaker", [ANNOUNCING, KITCHEN])
async def test_two_announcements_on_one_speaker_take_turns(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
    speaker: str,
) -> None:
    """A (English, volume 0.8) and B (Spanish, 0.9) called 0.3 s apart on one speaker.

    Fails if B is told to play before A has ended (A cut off: the old behaviour), if they
    play out of order or not whole, or if the volume dips to the original between them
    (history must be exactly 0.8, 0.9, then the original)."""
    player = players[speaker]
    original = volume(hass, speaker)
    first = announce(hass, entity_id=[speaker], message=FIRST, volume=0.8)
    await asyncio.sleep(0.3)
    second = announce(hass, entity_id=[speaker], message=SECOND, language="es", volume=0.9)
    await first
    await run_out(hass, player, 1)
    assert second.done()  # told to play once A's time was up
    await second
    await run_out(hass, player, 2)

    assert [play.get("cut") for play in player.plays] == [None, None]
    assert player.plays[1]["told"] >= player.plays[0]["ended"]
    assert [decoded_seconds(audio) for audio in player.received] == [
        pytest.approx(speech_seconds(text), abs=0.15) for text in (FIRST, SECOND)
    ]
    assert [level for _, level in player.volumes] == [0.8, 0.9, original]


async def test_two_speakers_do_not_wait_for_each_other(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
) -> None:
    """Fails if an announcement to one speaker waits for another speaker's."""
    await announce(hass, entity_id=[ANNOUNCING], message=FIRST)
    await announce(hass, entity_id=[KITCHEN], message=SECOND, language="es")  # not queued
    for player in players.values():
        assert len(player.plays) == 1
    for player in players.values():
        await run_out(hass, player, 1)


async def test_a_turn_that_never_comes_is_dropped_with_an_error(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
) -> None:
    """A waits; B waits longer than the limit (0.5 s here): B fails with the translated
    message and never plays; C, called after, still waits for A only, then plays. Fails if
    B plays late, or if C waits for the dropped B (or does not wait for A)."""
    player = players[KITCHEN]
    await announce(hass, entity_id=[KITCHEN], message=FIRST)
    with (
        patch("custom_components.aura_tts.announce_queue.QUEUE_LIMIT", 0.5),
        pytest.raises(HomeAssistantError) as raised,
    ):
        await announce(hass, entity_id=[KITCHEN], message=SECOND, language="es")
    assert raised.value.translation_key == "queue_timeout"
    third = announce(hass, entity_id=[KITCHEN], message="Dinner is ready.")
    await asyncio.sleep(0.2)  # A (1.4 s) is still playing: C waits
    assert not third.done()
    await run_out(hass, player, 1)
    await third
    assert len(player.plays) == 2  # A and C; B never played
    assert player.plays[1]["told"] >= player.plays[0]["ended"]
    await run_out(hass, player, 2)

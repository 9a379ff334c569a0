"""Music comes back after an announcement (#24 part 2), through Home Assistant.

``kitchen_speaker`` is Cast-like (no MEDIA_ANNOUNCE; it can seek): the announcement stops
its music. ``test_speaker`` is Sonos-like (MEDIA_ANNOUNCE): it resumes by itself and must
not be touched.
"""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.components.media_player.const import MediaPlayerState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.aura_tts.const import DOMAIN
from e2e.e2e_speaker.media_player import Speaker
from tests.fake_aimlapi import FakeAimlApi
from tests.speakers import ANNOUNCING, KITCHEN, run_out

RADIO = "http://radio.invalid/stream.mp3"
SONG = "https://music.invalid/song.flac"
MESSAGES = [("en", "Someone is at the front door."), ("es", "Hay alguien en la puerta.")]


async def announce_and_run_out(
    hass: HomeAssistant, player: Speaker, language: str, message: str, **data: Any
) -> None:
    """Announce on ``player``, let it play out, then let Home Assistant's clock run out."""
    received = len(player.received)
    await hass.services.async_call(
        DOMAIN,
        "announce",
        {"entity_id": [player.entity_id], "message": message, "language": language, **data},
        blocking=True,
    )
    await run_out(hass, player, received + 1)


@pytest.mark.parametrize(("language", "message"), MESSAGES)
async def test_a_cast_like_speaker_plays_its_song_again_from_where_it_was(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
    language: str,
    message: str,
) -> None:
    """At 42 s of a 180 s song: after the announcement the same URL, then a seek to about
    42 s. Fails if the music is left stopped, played from the start, or played again before
    the announcement has ended (it would cut it off)."""
    kitchen = players[KITCHEN]
    kitchen.play_music(SONG, 42, 180)
    await announce_and_run_out(hass, kitchen, language, message)
    assert [play["media_id"] for play in kitchen.plays][-1] == SONG
    assert kitchen.plays[-1]["told"] >= kitchen.plays[-2]["ended"]
    assert kitchen.plays[-2].get("cut") is None
    assert kitchen.seeks == [pytest.approx(42, abs=2)]


async def test_a_live_stream_is_played_again_without_a_seek(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
) -> None:
    """A radio stream (no length): played again at its live point. Fails if it is sought."""
    kitchen = players[KITCHEN]
    kitchen.play_music(RADIO, 42, None)
    await announce_and_run_out(hass, kitchen, "es", MESSAGES[1][1])
    assert kitchen.plays[-1]["media_id"] == RADIO
    assert kitchen.seeks == []


@pytest.mark.parametrize(
    ("case", "speaker"),
    [("resume off", KITCHEN), ("paused", KITCHEN), ("announces itself", ANNOUNCING)],
)
async def test_what_is_left_alone(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
    case: str,
    speaker: str,
) -> None:
    """`resume: false`, a paused speaker, and a Sonos-like speaker (it resumes by itself):
    no play_media after the announcement, no seek. Fails if any of them is told to play."""
    player = players[speaker]
    player.play_music(SONG, 42, 180, paused=case == "paused")
    data = {"resume": False} if case == "resume off" else {}
    await announce_and_run_out(hass, player, "en", MESSAGES[0][1], **data)
    assert [play.get("music") for play in player.plays] == [None]  # the announcement only
    assert player.seeks == []
    if case == "announces itself":
        state = hass.states.get(ANNOUNCING)
        assert state is not None
        assert state.state == MediaPlayerState.PLAYING  # its music went on under it


async def test_two_announcements_in_a_row_resume_once_after_the_last(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
) -> None:
    """Fails if the music comes back between the two (cutting the second off or being cut
    off by it), or from where it was when the second started (0 s) rather than the first."""
    kitchen = players[KITCHEN]
    kitchen.play_music(SONG, 42, 180)
    first = hass.async_create_task(
        hass.services.async_call(
            DOMAIN, "announce", {"entity_id": [KITCHEN], "message": MESSAGES[0][1]}, blocking=True
        )
    )
    await asyncio.sleep(0.3)
    second = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "announce",
            {"entity_id": [KITCHEN], "message": MESSAGES[1][1], "language": "es"},
            blocking=True,
        )
    )
    await first
    await run_out(hass, kitchen, 1)
    await second
    await run_out(hass, kitchen, 2)
    media = [play["media_id"] for play in kitchen.plays]
    assert media[-1] == SONG
    assert [m == SONG for m in media] == [False, False, True]
    assert [play.get("cut") for play in kitchen.plays[:2]] == [None, None]
    assert kitchen.seeks == [pytest.approx(42, abs=2)]

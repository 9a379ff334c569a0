"""Where features cross under real use: two profiles on one key, speech across an unload."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import logging
from typing import Any

from homeassistant.components import tts
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts.aura.client import MAX_CONCURRENT_REQUESTS
from e2e.e2e_speaker.media_player import Speaker
from tests.audio_checks import decoded_seconds, probe
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.helpers import ENTITY_ID, add_profile, collect
from tests.speakers import KITCHEN, wait_decoded

SPANISH = "tts.espanol_speech"
ENGLISH_300 = (
    "The washing machine in the basement has finished its long cycle. Please take the "
    "clothes out before they start to smell, and hang the towels on the rack by the window. "
    "The dryer is still broken, so do not use it until the repair man has been. Thank you, "
    "and remember to switch off the light on your way back up the stairs."
)
SPANISH_300 = (
    "La lavadora del sótano ha terminado su programa largo. Saca la ropa antes de que empiece "
    "a oler mal y tiende las toallas en el tendedero junto a la ventana. La secadora sigue "
    "rota, así que no la uses hasta que venga el técnico. Gracias, y acuérdate de apagar la "
    "luz al subir por la escalera del fondo."
)


async def test_two_profiles_on_one_key_share_its_limit(
    hass: HomeAssistant, fake_api: FakeAimlApi, setup_entry: MockConfigEntry
) -> None:
    """40 messages of about 300 characters at once, half through each of two profiles on
    one key: never more than the key's 15 requests in flight, so no 429 and every message
    comes back whole. Fails with a limit per profile (30 in flight, 429s)."""
    assert await add_profile(hass, setup_entry) == SPANISH
    fake_api.ttfb = 0.2  # requests overlap, as they do against the real service

    async def one(engine: str, message: str, language: str) -> bytes:
        stream = tts.async_create_stream(
            hass, engine, language=language, options={"preferred_format": "mp3"}
        )
        stream.async_set_message(message)
        return await collect(stream)

    jobs = [(ENTITY_ID, f"{ENGLISH_300} {n}.", "en") for n in range(20)]
    jobs += [(SPANISH, f"{SPANISH_300} {n}.", "es") for n in range(20)]
    results = await asyncio.gather(*(one(*job) for job in jobs))
    assert fake_api.max_in_flight <= MAX_CONCURRENT_REQUESTS
    assert [r.status for r in fake_api.tts_requests()] == [200] * 40
    for (_, message, _), audio in zip(jobs[::13], results[::13], strict=True):
        assert probe(audio)["codec_name"] == "mp3"
        assert decoded_seconds(audio) == pytest.approx(speech_seconds(message), abs=0.15)


async def words_of(text: str) -> AsyncGenerator[str]:
    for word in text.split(" "):
        yield word + " "


@pytest.mark.parametrize(
    ("how", "language", "options", "message"),
    [
        ("tts.speak", "en", {"preferred_format": "mp3"}, ENGLISH_300 * 8),
        (
            "assist",
            "es",
            {"preferred_format": "wav", "preferred_sample_rate": 16000},
            SPANISH_300 * 8,
        ),
    ],
)
async def test_speech_in_flight_outlives_an_unload(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    how: str,
    language: str,
    options: dict[str, Any],
    message: str,
) -> None:
    """The entry is unloaded (a reload's first half) while a long message is being spoken:
    Home Assistant deletes the entry's runtime data, and what has started must hold what it
    needs. Fails if the speaking path reads the entry's runtime data after the unload (the
    stream then ends with an error instead of the message's last word)."""
    fake_api.rtf = 40.0  # about 2 s to stream the message's 80 s of speech
    stream = tts.async_create_stream(hass, ENTITY_ID, language=language, options=options)
    if how == "assist":
        stream.async_set_message_stream(words_of(message))
    else:
        stream.async_set_message(message)
    chunks: list[bytes] = []
    first_chunk = asyncio.Event()

    async def listen() -> None:
        async for chunk in stream.async_stream_result():
            chunks.append(chunk)
            first_chunk.set()

    listening = asyncio.create_task(listen())
    await first_chunk.wait()
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    assert setup_entry.state is ConfigEntryState.NOT_LOADED
    await listening
    audio = b"".join(chunks)
    seconds = await asyncio.to_thread(decoded_seconds, audio)
    assert seconds == pytest.approx(speech_seconds(message), rel=0.01)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_announcement_outlives_a_profile_added_while_it_plays(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A profile added 0.1 s into a long announcement reloads the entry: the speaker still
    gets all of it, and nothing is logged as an error."""
    fake_api.rtf = 40.0
    message = SPANISH_300 * 6
    await hass.services.async_call(
        "aura_tts",
        "announce",
        {"entity_id": KITCHEN, "message": message, "language": "es"},
        blocking=True,
    )
    await asyncio.sleep(0.1)
    assert await add_profile(hass, setup_entry) == SPANISH
    kitchen = players[KITCHEN]
    await wait_decoded(kitchen, 1)
    seconds = await asyncio.to_thread(decoded_seconds, kitchen.received[0])
    assert seconds == pytest.approx(speech_seconds(message), rel=0.01)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert kitchen.playing is not None
    kitchen.playing.cancel()

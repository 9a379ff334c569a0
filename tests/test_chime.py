"""Chimes through Home Assistant: joined before the words in every format, per profile and
call, part of the cache key. The bundled files themselves: tests/aura/test_chime.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts.aura.chime import (
    CHIMES,
)
from custom_components.aura_tts.const import CONF_CHIME
from e2e.e2e_speaker.media_player import Speaker
from tests.audio_checks import decoded_seconds, flac_test, ogg_pages, probe
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.helpers import ENTITY_ID, change_profile, speak
from tests.speakers import ANNOUNCING, KITCHEN, speak_on

# Home Assistant's preferred_format, what ffprobe calls its codec, and the joining slack
# of one join (the chime's end to the words) in that format.
SPEAKERS = {
    "mp3": ("mp3", 0.12),
    "flac": ("flac", 0.0),
    "ogg": ("opus", 0.03),
    "aac": ("aac", 0.1),
    "wav": ("pcm_s16le", 0.0),
}


MESSAGES = {
    "en": "Someone is at the front door.",
    "es": "Hay alguien en la puerta principal.",
}


async def chime_and_words(
    hass: HomeAssistant, fake_api: FakeAimlApi, options: dict[str, Any], language: str
) -> tuple[bytes, float]:
    """Speak the language's message; return the audio and the words' length in seconds."""
    audio = await speak(hass, MESSAGES[language], options, language=language)
    [request] = fake_api.tts_requests()[-1:]
    return audio, speech_seconds(request.body["text"])


@pytest.mark.usefixtures("setup_entry")
@pytest.mark.parametrize("preferred", sorted(SPEAKERS))
@pytest.mark.parametrize("language", ["en", "es"])
async def test_a_chime_is_joined_before_the_words(
    hass: HomeAssistant, fake_api: FakeAimlApi, preferred: str, language: str
) -> None:
    """One valid stream: it decodes cleanly and lasts the chime plus the words.

    Fails if the chime is left out (too short), sent as a second file (a second fLaC, ID3
    or Ogg stream, a second WAV header: decode errors or the wrong length) or in another
    format than the words.
    """
    options = {"preferred_format": preferred, "chime": "ding_dong"}
    audio, words = await chime_and_words(hass, fake_api, options, language)
    codec, slack = SPEAKERS[preferred]
    assert probe(audio)["codec_name"] == codec
    seconds = await asyncio.to_thread(decoded_seconds, audio)
    expected = CHIMES["ding_dong"].length + words
    assert expected - 0.001 <= seconds <= expected + 2 * slack + 0.001
    if preferred == "flac":
        assert audio.count(b"fLaC") == 1
        await asyncio.to_thread(flac_test, audio)
    if preferred == "ogg":
        assert len({serial for _, _, serial, _ in ogg_pages(audio)}) == 1
    if preferred == "wav":
        assert audio.count(b"RIFF") == 1


@pytest.mark.usefixtures("setup_entry")
async def test_voice_pe_flac_with_a_chime_needs_no_ffmpeg(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """Voice PE's FLAC (48 kHz mono 16-bit) with a chime: still made by Aura, not ffmpeg."""
    options = {
        "preferred_format": "flac",
        "preferred_sample_rate": 48000,
        "preferred_sample_channels": 1,
        "preferred_sample_bytes": 2,
        "chime": "bell",
    }
    with patch("custom_components.aura_tts.tts.convert_audio") as convert:
        audio, words = await chime_and_words(hass, fake_api, options, "es")
    convert.assert_not_called()
    assert fake_api.tts_requests()[-1].body["sample_rate"] == "48000"
    await asyncio.to_thread(flac_test, audio)
    seconds = await asyncio.to_thread(decoded_seconds, audio)
    assert seconds == pytest.approx(CHIMES["bell"].length + words, abs=0.001)


@pytest.mark.usefixtures("setup_entry")
async def test_the_first_chime_byte_goes_out_before_aura_answers(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """With Aura slow to start, the listener already has the chime; without, it waits.

    Checked by order, not time: when the first chunk arrives, the fake has or has not yet
    sent its first byte (with the chime, the request may not even have reached it).
    """
    fake_api.ttfb = 0.5
    for language, chime, before_aura in (("en", "attention", True), ("es", "off", False)):
        earlier = len(fake_api.tts_requests())
        stream = tts.async_create_stream(
            hass,
            ENTITY_ID,
            language=language,
            options={"preferred_format": "mp3", "chime": chime},
        )
        stream.async_set_message(MESSAGES[language])
        async for _ in stream.async_stream_result():
            requests = fake_api.tts_requests()[earlier:]
            aura_answered = any(request.first_byte is not None for request in requests)
            assert aura_answered is not before_aura, chime
            break


async def test_the_profile_chime_is_for_speak_and_announcements_never_for_assist(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    players: dict[str, Speaker],
) -> None:
    """The profile's chime plays before tts.speak and announcements; an Assist answer gets
    none, whatever runs the pipeline, unless the call names one.

    The Assist cases make the stream exactly as Home Assistant's pipeline does
    (assist_pipeline default_pipeline.prepare_text_to_speech): the pipeline's voice, plus the
    device's audio settings if it has any. The browser's and the companion app's have none:
    fails there if the profile's chime is a default option (the rule before 0.7.1)."""
    profile = next(iter(config_entry.subentries.values()))
    hass.config_entries.async_update_subentry(
        config_entry, profile, data={**profile.data, CONF_CHIME: "bell"}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    bell = CHIMES["bell"].length

    async def heard(audio: bytes, words: str, chime: float) -> None:
        seconds = await asyncio.to_thread(decoded_seconds, audio)
        assert (
            chime + speech_seconds(words) - 0.001 <= seconds <= chime + speech_seconds(words) + 0.25
        )

    # tts.speak and the announce action: the chime.
    audio = await speak_on(hass, players[KITCHEN], MESSAGES["en"], {"preferred_format": "mp3"})
    await heard(audio, MESSAGES["en"], bell)
    await hass.services.async_call(
        "aura_tts",
        "announce",
        {"entity_id": ANNOUNCING, "message": MESSAGES["es"], "language": "es"},
        blocking=True,
    )
    playing = players[ANNOUNCING].playing
    assert playing is not None
    await playing
    await heard(players[ANNOUNCING].received[-1], MESSAGES["es"], bell)

    # Assist answers: the browser (no audio settings), a Voice PE (FLAC 48 kHz), a Wyoming or
    # VoIP satellite (WAV 16 kHz); streamed word by word or whole (a short answer).
    voice_pe = {
        "preferred_format": "flac",
        "preferred_sample_rate": 48000,
        "preferred_sample_channels": 1,
        "preferred_sample_bytes": 2,
    }
    satellite = {**voice_pe, "preferred_format": "wav", "preferred_sample_rate": 16000}
    cases: list[tuple[dict[str, Any], str, bool, float]] = [
        ({}, "en", True, 0.0),
        ({}, "es", False, 0.0),
        ({"voice": "#g1_aura-2-celeste-es"}, "es", True, 0.0),
        (voice_pe, "en", True, 0.0),
        (satellite, "es", False, 0.0),
        ({**satellite, "chime": "bell"}, "en", True, bell),
    ]
    for options, language, word_by_word, chime in cases:
        answer = await speak(
            hass, MESSAGES[language], options, word_by_word=word_by_word, language=language
        )
        if options.get("preferred_format") == "flac":
            await asyncio.to_thread(flac_test, answer)
        await heard(answer, MESSAGES[language], chime)


async def test_the_chime_is_part_of_the_cache_key(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    players: dict[str, Speaker],
) -> None:
    """The same message with another chime, or after the profile's chime changed, is new audio."""
    message, options = MESSAGES["en"], {"preferred_format": "mp3"}
    kitchen = players[KITCHEN]
    plain = await speak_on(hass, kitchen, message, options, language="en")
    assert len(fake_api.tts_requests()) == 1
    assert await speak_on(hass, kitchen, message, options, language="en") == plain  # cached
    assert len(fake_api.tts_requests()) == 1
    chimed = await speak(hass, message, {**options, "chime": "bell"}, language="en")
    assert chimed != plain
    # The profile's chime is the call's chime: the same audio, from the cache.
    await change_profile(hass, setup_entry, chime="bell")
    assert await speak_on(hass, kitchen, message, options, language="en") == chimed
    assert len(fake_api.tts_requests()) == 2
    await change_profile(hass, setup_entry, chime="ding_dong")
    defaulted = await speak_on(hass, kitchen, message, options, language="en")
    assert len(fake_api.tts_requests()) == 3
    assert await asyncio.to_thread(decoded_seconds, defaulted) == pytest.approx(
        CHIMES["ding_dong"].length + speech_seconds(message), abs=0.15
    )


@pytest.mark.usefixtures("setup_entry")
async def test_an_unknown_chime_is_refused(hass: HomeAssistant, fake_api: FakeAimlApi) -> None:
    """Named in the error, with the chimes there are; nothing is paid for."""
    with pytest.raises(ServiceValidationError) as caught:
        await speak(hass, MESSAGES["es"], {"chime": "gong"}, language="es")
    assert caught.value.translation_key == "unknown_chime"
    assert caught.value.translation_placeholders == {
        "chime": "gong",
        "chimes": "off, ding_dong, bell, attention",
    }
    assert fake_api.tts_requests() == []


@pytest.mark.usefixtures("setup_entry")
async def test_a_missing_chime_file_still_speaks(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A broken install loses the chime, not the announcement, and says so in the log."""
    with patch("custom_components.aura_tts.aura.chime.CHIME_DIR", tmp_path):
        audio, words = await chime_and_words(
            hass, fake_api, {"preferred_format": "aac", "chime": "bell"}, "en"
        )
    seconds = await asyncio.to_thread(decoded_seconds, audio)
    assert seconds == pytest.approx(words, abs=0.1)
    assert "Speaking without the bell chime" in caplog.text

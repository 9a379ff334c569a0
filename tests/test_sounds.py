"""Silence before the words and a chime after them, through Home Assistant (#24 parts 3, 4).

Every result is decoded by ffmpeg (FLAC also by `flac --test`), in English and Spanish.
"""

from __future__ import annotations

import asyncio

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts.aura.chime import CHIMES
from e2e.e2e_speaker.media_player import Speaker
from tests.audio_checks import (
    decoded_pcm,
    decoded_seconds,
    flac_test,
    leading_silence_seconds,
    ogg_pages,
    probe,
)
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.helpers import change_profile, speak
from tests.speakers import KITCHEN, speak_on

MESSAGES = {
    "en": "Someone is at the front door.",
    "es": "Hay alguien en la puerta principal.",
}
# Home Assistant's preferred_format: what ffprobe calls its codec, one frame of it (how far
# the silence may run over), and the slack of one join in that format (encoder priming).
SPEAKERS = {
    "mp3": ("mp3", 576 / 22050, 0.12),
    "flac": ("flac", 0.0, 0.0),
    "ogg": ("opus", 0.02, 0.03),
    "aac": ("aac", 1024 / 22050, 0.1),
    "wav": ("pcm_s16le", 0.0, 0.0),
}


def words_of(fake_api: FakeAimlApi) -> float:
    """How long the fake's answer to the last request plays."""
    return speech_seconds(fake_api.tts_requests()[-1].body["text"])


@pytest.mark.usefixtures("setup_entry")
@pytest.mark.parametrize("preferred", sorted(SPEAKERS))
@pytest.mark.parametrize(("language", "chime"), [("en", "bell"), ("es", None)])
async def test_silence_before_the_chime_and_the_words(
    hass: HomeAssistant, fake_api: FakeAimlApi, preferred: str, language: str, chime: str | None
) -> None:
    """500 ms asked: fails if the decoded audio starts with less than 480 ms below -60 dBFS,
    if its length is not silence + chime + words (to within a frame and the joins), if the
    silence is a second file in the stream (a second fLaC or Ogg stream: decode errors or
    the wrong length), or if FLAC's reference decoder finds anything wrong."""
    options = {"preferred_format": preferred, "silence": 500, **({"chime": chime} if chime else {})}
    audio = await speak(hass, MESSAGES[language], options, language=language)
    codec, frame, slack = SPEAKERS[preferred]
    assert probe(audio)["codec_name"] == codec
    assert await asyncio.to_thread(leading_silence_seconds, audio) >= 0.48
    expected = 0.5 + (CHIMES[chime].length if chime else 0.0) + words_of(fake_api)
    joins = 2 if chime else 1
    seconds = await asyncio.to_thread(decoded_seconds, audio)
    assert expected - 0.002 <= seconds <= expected + frame + joins * slack + 0.002
    if preferred == "flac":
        assert audio.count(b"fLaC") == 1
        await asyncio.to_thread(flac_test, audio)
    if preferred == "ogg":
        assert len({serial for _, _, serial, _ in ogg_pages(audio)}) == 1


@pytest.mark.usefixtures("setup_entry")
@pytest.mark.parametrize("preferred", ["mp3", "flac"])
@pytest.mark.parametrize("language", ["en", "es"])
async def test_a_chime_after_the_words(
    hass: HomeAssistant, fake_api: FakeAimlApi, preferred: str, language: str
) -> None:
    """Fails if the chime is left out (too short), comes before the words (FLAC is lossless:
    the words must be the audio's first samples, exactly as without the chime) or breaks
    the stream (decode errors, `flac --test`)."""
    message = MESSAGES[language]
    plain = await speak(hass, message, {"preferred_format": preferred}, language=language)
    words = words_of(fake_api)
    options = {"preferred_format": preferred, "chime_after": "ding_dong"}
    audio = await speak(hass, message, options, language=language)
    seconds = await asyncio.to_thread(decoded_seconds, audio)
    slack = SPEAKERS[preferred][2]  # the words' encoder padding, then the chime's priming
    expected = words + CHIMES["ding_dong"].length
    assert expected - 0.002 <= seconds <= expected + 2 * slack + 0.002
    if preferred == "flac":
        await asyncio.to_thread(flac_test, audio)
        # Decoded to 24 kHz: the resampler's last few samples of the words see what follows.
        words_pcm = (await asyncio.to_thread(decoded_pcm, plain))[:-200]
        assert (await asyncio.to_thread(decoded_pcm, audio))[: len(words_pcm)] == words_pcm


async def test_the_profiles_sounds_are_for_speak_not_assist_and_in_the_cache_key(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    players: dict[str, Speaker],
) -> None:
    """A profile with 300 ms of silence and a chime after: tts.speak gets both; an
    Assist-like stream (no tts.speak) gets neither; a change of silence is new audio, not
    the cached file. Fails if the profile's sounds are ignored, added to Assist answers,
    or left out of Home Assistant's cache key."""
    message, options = MESSAGES["es"], {"preferred_format": "mp3"}
    kitchen = players[KITCHEN]
    await change_profile(hass, setup_entry, silence=300, chime_after="bell")
    spoken = await speak_on(hass, kitchen, message, options, language="es")
    words = words_of(fake_api)
    assert await asyncio.to_thread(leading_silence_seconds, spoken) >= 0.28
    assert await asyncio.to_thread(decoded_seconds, spoken) == pytest.approx(
        0.3 + words + CHIMES["bell"].length, abs=0.15
    )
    answer = await speak(hass, message, options, language="es")
    assert await asyncio.to_thread(decoded_seconds, answer) == pytest.approx(words, abs=0.15)
    requests = len(fake_api.tts_requests())
    await change_profile(hass, setup_entry, silence=1000, chime_after="bell")
    longer = await speak_on(hass, kitchen, message, options, language="es")
    assert len(fake_api.tts_requests()) == requests + 1  # not served from the cache
    assert await asyncio.to_thread(leading_silence_seconds, longer) >= 0.98


@pytest.mark.usefixtures("setup_entry")
@pytest.mark.parametrize("silence", [2001, -1, "soon"])
async def test_a_silence_out_of_range_is_refused(
    hass: HomeAssistant, fake_api: FakeAimlApi, silence: object
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await speak(hass, MESSAGES["en"], {"preferred_format": "mp3", "silence": silence})
    assert raised.value.translation_key == "invalid_silence"
    assert fake_api.tts_requests() == []

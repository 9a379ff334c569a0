"""The profile's fallback engine: it speaks when Aura fails before its first audio byte."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import replace
from datetime import timedelta
import logging
from typing import Any

from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    MockPlatform,
    async_fire_time_changed,
    mock_config_flow,
    mock_integration,
    mock_platform,
)

from custom_components.aura_tts.aura import Timeouts
from custom_components.aura_tts.aura.chime import CHIMES
from custom_components.aura_tts.connection import DATA_CLIENT_TUNING
from custom_components.aura_tts.const import DOMAIN
from custom_components.aura_tts.fallback import DATA_FALLBACK_MARKS
from e2e.e2e_speaker.config_flow import E2eSpeakerFlow
from e2e.e2e_speaker.tts import SECONDS_PER_CHARACTER, FallbackVoice
from tests.audio_checks import decoded_seconds, flac_test, leading_silence_seconds, probe
from tests.conftest import TEST_TUNING
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.helpers import ENTITY_ID, add_profile, change_profile, collect

# The stall case times out at 1 s (conftest.short_read_timeout).
pytestmark = pytest.mark.usefixtures("short_read_timeout")
FALLBACK = "tts.e2e_fallback_voice"
DOORBELL = "Someone is at the front door."
TIMBRE = "Alguien llama a la puerta."
# Aura's failures before its first byte, as the fake makes them; and what the user reads.
BEFORE_FIRST_BYTE: dict[str, tuple[dict[str, Any], str]] = {
    "no credit": ({}, "no_credit"),
    "bad key": ({"kind": "status", "status": 401, "count": None}, "invalid_auth"),
    "service down": ({"kind": "status", "status": 503, "count": None}, "server_error"),
    "rate limit": ({"kind": "status", "status": 429, "count": None}, "rate_limited"),
    "stall": ({"kind": "stall", "seconds": 5.0, "count": None}, "cannot_connect"),
}
FORMATS = {"mp3": "mp3", "wav": "pcm_s16le", "flac": "flac", "ogg": "opus", "aac": "aac"}


@pytest.fixture
async def fallback_voice(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> AsyncGenerator[FallbackVoice]:
    """The e2e config's small speech engine, as the first profile's fallback."""
    voice = FallbackVoice()

    async def setup_entry_of_voice(hass: HomeAssistant, entry: Any) -> bool:
        await hass.config_entries.async_forward_entry_setups(entry, ["tts"])
        return True

    async def add_voice(hass: HomeAssistant, entry: Any, add: Any) -> None:
        add([voice])

    mock_integration(hass, MockModule("e2e_speaker", async_setup_entry=setup_entry_of_voice))
    mock_platform(hass, "e2e_speaker.tts", MockPlatform(async_setup_entry=add_voice))
    mock_platform(hass, "e2e_speaker.config_flow", None)
    entry = MockConfigEntry(domain="e2e_speaker")
    entry.add_to_hass(hass)
    with mock_config_flow("e2e_speaker", E2eSpeakerFlow):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert voice.entity_id == FALLBACK
        await change_profile(hass, setup_entry, fallback=FALLBACK)
        yield voice


def make_fail(fake_api: FakeAimlApi, kind: str) -> str:
    """Make Aura fail the ``kind`` way; return the translation key the user would read."""
    fault, key = BEFORE_FIRST_BYTE[kind]
    if kind == "no credit":
        fake_api.keys["test-key"] = 0.0
    else:
        fake_api.add_fault(**fault)
    return key


async def speak(
    hass: HomeAssistant, message: str, options: dict[str, Any], language: str | None = None
) -> bytes:
    stream = tts.async_create_stream(hass, ENTITY_ID, language=language, options=options)
    stream.async_set_message(message)
    return await collect(stream)


@pytest.mark.parametrize("kind", list(BEFORE_FIRST_BYTE))
@pytest.mark.parametrize(
    ("language", "message", "audio_format"),
    [("en", DOORBELL, "mp3"), ("es", TIMBRE, "wav")],
)
async def test_the_fallback_speaks_when_aura_fails_before_its_first_byte(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    fallback_voice: FallbackVoice,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    language: str,
    message: str,
    audio_format: str,
) -> None:
    """Fails if the message is lost, spoken in another language or format, the log says it
    more than once, or the repair / re-authentication Aura's failure calls for is skipped."""
    if language == "es":
        await change_profile(hass, setup_entry, voice="#g1_aura-2-celeste-es")
    key = make_fail(fake_api, kind)
    audio = await speak(hass, message, {"preferred_format": audio_format})

    assert fallback_voice.spoken == [(language, message)]
    assert probe(audio)["codec_name"] == FORMATS[audio_format]
    expected = len(message) * SECONDS_PER_CHARACTER
    assert decoded_seconds(audio) == pytest.approx(expected, abs=0.1)
    # One warning says who spoke (the service's own "unavailable" line may come as well);
    # Home Assistant logs no error: for it, the message was spoken.
    said = [r.getMessage() for r in caplog.records if r.name.endswith("aura_tts.fallback")]
    assert len(said) == 1
    assert FALLBACK in said[0]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await hass.async_block_till_done()
    if key == "no_credit":
        assert ir.async_get(hass).async_get_issue(DOMAIN, f"no_credit_{setup_entry.entry_id}")
    if key == "invalid_auth":
        flows = hass.config_entries.flow.async_progress()
        assert [flow["context"]["source"] for flow in flows] == ["reauth"]


@pytest.mark.parametrize("chime", ["bell", "off"])
@pytest.mark.parametrize("audio_format", list(FORMATS))
async def test_the_fallback_speaks_in_every_format_after_a_chime_or_not(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    fallback_voice: FallbackVoice,
    caplog: pytest.LogCaptureFixture,
    audio_format: str,
    chime: str,
) -> None:
    """The chime goes out before Aura answers; the fallback's words must join it in one
    file that decodes, in the speaker's format.

    Fails if the fallback is asked for what Home Assistant cannot make (AAC: no such ffmpeg
    muxer; Ogg: Vorbis, which cannot follow Opus), so the answer ends after the chime, or if
    its headers land in the middle of the stream. Spanish with the chime, English without.
    """
    language, message = ("es", TIMBRE) if chime == "bell" else ("en", DOORBELL)
    if language == "es":
        await change_profile(hass, setup_entry, voice="#g1_aura-2-celeste-es")
    make_fail(fake_api, "service down")
    audio = await speak(hass, message, {"preferred_format": audio_format, "chime": chime})
    assert fallback_voice.spoken == [(language, message)]
    assert probe(audio)["codec_name"] == FORMATS[audio_format]
    if audio_format == "flac":
        flac_test(audio)
    expected = CHIMES[chime].length if chime in CHIMES else 0.0
    expected += len(message) * SECONDS_PER_CHARACTER
    assert decoded_seconds(audio) == pytest.approx(expected, abs=0.15)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("audio_format", list(FORMATS))
async def test_the_fallback_keeps_the_silence_before_and_the_chime_after(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    fallback_voice: FallbackVoice,
    audio_format: str,
) -> None:
    """Silence and a chime went out before Aura failed; the fallback's words join them and
    the chime after the words follows the fallback's. Fails if the chime after is lost when
    the fallback speaks, if the fallback's file is passed through as it is (a second file
    in the stream), or if the silence is dropped. Spanish."""
    await change_profile(hass, setup_entry, voice="#g1_aura-2-celeste-es")
    make_fail(fake_api, "service down")
    options = {"preferred_format": audio_format, "silence": 500, "chime_after": "bell"}
    audio = await speak(hass, TIMBRE, options)
    assert fallback_voice.spoken == [("es", TIMBRE)]
    assert probe(audio)["codec_name"] == FORMATS[audio_format]
    if audio_format == "flac":
        flac_test(audio)
    assert leading_silence_seconds(audio) >= 0.48
    expected = 0.5 + len(TIMBRE) * SECONDS_PER_CHARACTER + CHIMES["bell"].length
    assert decoded_seconds(audio) == pytest.approx(expected, abs=0.2)


async def test_the_fallback_is_given_speech_not_markdown(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    fallback_voice: FallbackVoice,
) -> None:
    """A language model's answer with a heading and a link: the fallback must get the same
    speech text Aura would have (fails if it is handed the raw Markdown)."""
    make_fail(fake_api, "service down")
    message = "# Garage\nOpen the [garage door](https://example.com/garage) now."
    await speak(hass, message, {"preferred_format": "mp3"})
    assert fallback_voice.spoken == [("en", "Garage.\nOpen the garage door now.")]


@pytest.mark.parametrize(("language", "voice"), [("en", None), ("es", "#g1_aura-2-celeste-es")])
async def test_an_assist_answer_written_word_by_word_reaches_the_fallback_whole(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    fallback_voice: FallbackVoice,
    language: str,
    voice: str | None,
) -> None:
    """Aura has read the first words when it fails; the fallback gets them and the rest.

    Satellite format (WAV 16 kHz) and language en-US/es-MX as Assist sends them, matched to
    the fallback's "en"/"es"."""
    if voice:
        await change_profile(hass, setup_entry, voice=voice)
    make_fail(fake_api, "service down")
    answer = "The kitchen lights are on and the oven is heating up to two hundred degrees."
    options = {"preferred_format": "wav", "preferred_sample_rate": 16000}
    regional = {"en": "en-US", "es": "es-MX"}[language]
    stream = tts.async_create_stream(hass, ENTITY_ID, language=regional, options=options)

    async def words() -> Any:
        for word in answer.split(" "):
            yield word + " "

    stream.async_set_message_stream(words())
    audio = await collect(stream)
    [(spoken_language, spoken)] = fallback_voice.spoken
    assert spoken_language == language
    assert spoken.split() == answer.split()
    assert decoded_seconds(audio) == pytest.approx(len(spoken) * SECONDS_PER_CHARACTER, abs=0.1)


@pytest.mark.parametrize(
    ("language", "voice", "first", "rest", "audio_format"),
    [
        ("en", None, "Doorbell at the gate. ", "The hall light is on. ", "mp3"),
        ("es", "#g1_aura-2-celeste-es", "Timbre en la puerta. ", "La luz está encendida. ", "wav"),
    ],
)
async def test_a_later_piece_answering_first_does_not_stop_the_fallback(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    fallback_voice: FallbackVoice,
    language: str,
    voice: str | None,
    first: str,
    rest: str,
    audio_format: str,
) -> None:
    """A long message's first piece fails before its first byte while the look-ahead
    piece after it already has Aura's first byte: nothing of Aura was heard, so the fallback
    speaks it all. Fails if "started" counts pieces Aura accepted rather than audio heard."""
    # Piece 1 stalls until the client gives up; piece 2 must have answered by then, which
    # takes more than the module's 1 s read timeout on a loaded machine (ffmpeg renders it).
    hass.data[DATA_CLIENT_TUNING] = replace(TEST_TUNING, timeouts=Timeouts(read=4.0))
    if voice:
        await change_profile(hass, setup_entry, voice=voice)  # reloads: a new client
    else:
        await hass.config_entries.async_reload(setup_entry.entry_id)
    message = first + rest * 120  # two requests (2,000 characters each at most)
    fake_api.add_fault("stall", seconds=6.0, count=None, text=first.split()[0])
    audio = await speak(hass, message, {"preferred_format": audio_format})
    requests = fake_api.tts_requests()
    assert any(r.status == 200 and r.first_byte is not None for r in requests)  # piece 2
    assert fallback_voice.spoken == [(language, message)]
    assert probe(audio)["codec_name"] == FORMATS[audio_format]
    expected = len(message) * SECONDS_PER_CHARACTER
    assert decoded_seconds(audio) == pytest.approx(expected, abs=0.15)


async def test_no_fallback_once_aura_has_started(
    hass: HomeAssistant, fake_api: FakeAimlApi, fallback_voice: FallbackVoice
) -> None:
    """Aura's audio cut off after its first bytes: the error stands, nothing is switched."""
    fake_api.chunk_size = 512
    fake_api.add_fault("drop", after_bytes=2048, count=None)
    with pytest.raises(HomeAssistantError, match="Could not reach"):
        await speak(hass, DOORBELL, {"preferred_format": "mp3"})
    assert fallback_voice.spoken == []


async def test_a_failing_fallback_gives_auras_error(
    hass: HomeAssistant, fake_api: FakeAimlApi, fallback_voice: FallbackVoice
) -> None:
    fallback_voice.fail = True
    make_fail(fake_api, "no credit")
    with pytest.raises(HomeAssistantError) as raised:
        await speak(hass, DOORBELL, {"preferred_format": "mp3"})
    assert raised.value.translation_key == "no_credit"


async def test_a_fallback_that_does_not_speak_the_language_gives_auras_error(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    fallback_voice: FallbackVoice,
) -> None:
    await change_profile(hass, setup_entry, voice="#g1_aura-2-celeste-es")
    fallback_voice._attr_supported_languages = ["en"]
    make_fail(fake_api, "service down")
    with pytest.raises(HomeAssistantError) as raised:
        await speak(hass, TIMBRE, {"preferred_format": "mp3"})
    assert raised.value.translation_key == "server_error"
    assert fallback_voice.spoken == []


async def test_the_message_itself_is_not_retried_by_the_fallback(
    hass: HomeAssistant, fake_api: FakeAimlApi, fallback_voice: FallbackVoice
) -> None:
    """Nothing to say is the message's fault, not the service's."""
    with pytest.raises(HomeAssistantError) as raised:
        await speak(hass, "   ", {"preferred_format": "mp3"})
    assert raised.value.translation_key == "nothing_to_say"
    assert fallback_voice.spoken == []


async def test_once_aura_recovers_the_same_message_is_auras_again(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    fallback_voice: FallbackVoice,
    hass_storage: dict[str, Any],
) -> None:
    """Home Assistant cached the fallback's audio under Aura's key. Fails if the repeated
    message, after Aura is back, is that cached stand-in, or if the mark that prevents it
    is not saved for after a restart."""
    options = {"preferred_format": "mp3"}
    first = await speak(hass, DOORBELL, options)
    assert await speak(hass, DOORBELL, options) == first  # Home Assistant's cache
    assert decoded_seconds(first) == pytest.approx(speech_seconds(DOORBELL), abs=0.1)
    assert len(fake_api.tts_requests()) == 1

    make_fail(fake_api, "service down")
    stand_in = await speak(hass, "The garage door is open.", options)
    assert fallback_voice.spoken == [("en", "The garage door is open.")]
    assert decoded_seconds(stand_in) == pytest.approx(
        len("The garage door is open.") * SECONDS_PER_CHARACTER, abs=0.1
    )
    fake_api.faults.clear()

    again = await speak(hass, "The garage door is open.", options)
    assert again != stand_in
    assert fake_api.tts_requests()[-1].status == 200
    assert decoded_seconds(again) == pytest.approx(
        speech_seconds("The garage door is open."), abs=0.1
    )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=5))
    await hass.async_block_till_done()
    [profile_id] = hass.config_entries.async_entries(DOMAIN)[0].subentries
    assert set(hass_storage[f"{DOMAIN}.fallbacks"]["data"]) == {profile_id}


async def test_a_removed_profile_takes_its_fallback_mark_with_it(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    fallback_voice: FallbackVoice,
) -> None:
    """Two profiles whose fallbacks both spoke; one is removed: its mark goes (the marks are
    what is saved), the other's stays (fails if marks of deleted profiles stay forever).
    Removing the entry takes the rest."""
    await add_profile(hass, setup_entry, fallback=FALLBACK)
    make_fail(fake_api, "service down")
    await speak(hass, DOORBELL, {"preferred_format": "mp3"})
    stream = tts.async_create_stream(
        hass, "tts.espanol_speech", language="es", options={"preferred_format": "wav"}
    )
    stream.async_set_message(TIMBRE)
    assert decoded_seconds(await collect(stream)) == pytest.approx(
        len(TIMBRE) * SECONDS_PER_CHARACTER, abs=0.1
    )
    english, spanish = setup_entry.subentries
    marks = hass.data[DATA_FALLBACK_MARKS]
    assert marks.mark(english)
    assert marks.mark(spanish)

    assert hass.config_entries.async_remove_subentry(setup_entry, spanish)
    await hass.async_block_till_done()
    assert marks.mark(spanish) is None
    assert marks.mark(english)

    assert await hass.config_entries.async_remove(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert marks.mark(english) is None

"""Speaking through Home Assistant's TTS component with the fake AI/ML API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import json
import logging
from typing import Any
from unittest.mock import patch

from awesomeversion import AwesomeVersion
from homeassistant.components import tts
from homeassistant.components.media_source import async_resolve_media
from homeassistant.components.tts.entity import TTSAudioRequest
from homeassistant.const import __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)
from sentence_stream import SentenceBoundaryDetector

from custom_components.aura_tts.aura.speech import RUN_LIMIT
from custom_components.aura_tts.aura.voices import VOICES
from tests.audio_checks import decoded_seconds, probe, wav_facts
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds, voice_period
from tests.helpers import (
    ENTITY_ID,
    WAV,
    change_profile,
    collect,
    tts_audio,
    voice_of,
)

pytestmark = pytest.mark.usefixtures("setup_entry")


async def test_speak_wav_has_the_length_of_the_text(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, fake_api: FakeAimlApi
) -> None:
    """A message becomes a valid WAV whose duration matches the text, in Thalia's voice."""
    message = "The front door has been open for ten minutes."
    status, data = await tts_audio(hass, hass_client, message, WAV)
    assert status == 200
    rate, channels, width, seconds = wav_facts(data)
    assert (rate, channels, width) == (24000, 1, 2)
    assert seconds == pytest.approx(speech_seconds(message), abs=0.01)
    [request] = fake_api.tts_requests()
    assert (request.body["model"], request.body["voice"]) == ("deepgram/aura-2", "thalia")
    assert request.body["text"] == message
    assert request.headers["Authorization"] == "Bearer test-key"


async def test_tts_speak_service_plays_on_a_media_player(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, fake_api: FakeAimlApi
) -> None:
    """tts.speak hands a media player a URL that serves the synthesized audio."""
    assert await async_setup_component(hass, "media_source", {})
    calls = []

    async def play_media(call: object) -> None:
        calls.append(call)

    hass.services.async_register("media_player", "play_media", play_media)
    await hass.services.async_call(
        "tts",
        "speak",
        {
            "entity_id": ENTITY_ID,
            "media_player_entity_id": "media_player.kitchen",
            "message": "Dinner is ready.",
            "options": {"preferred_format": "wav"},
        },
        blocking=True,
    )
    [call] = calls
    media_id = call.data["media_content_id"]  # type: ignore[attr-defined]
    resolved = await async_resolve_media(hass, media_id, None)
    client = await hass_client()
    response = await client.get(resolved.url)
    assert response.status == 200
    _, _, _, seconds = wav_facts(await response.read())
    assert seconds == pytest.approx(speech_seconds("Dinner is ready."), abs=0.01)


async def test_default_format_is_native_mp3(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, fake_api: FakeAimlApi
) -> None:
    """Without a preferred format HA wants mp3: Aura is asked for mp3, no ffmpeg runs."""
    with patch("homeassistant.components.tts._async_convert_audio", side_effect=AssertionError):
        status, data = await tts_audio(hass, hass_client, "Hello there.")
    assert status == 200
    assert data[:3] == b"ID3" or data[0] == 0xFF
    [request] = fake_api.tts_requests()
    assert request.body["encoding"] == "mp3"


@pytest.mark.parametrize(
    ("options", "encoding", "rate"),
    [
        (
            {
                "preferred_format": "wav",
                "preferred_sample_rate": 16000,
                "preferred_sample_channels": 1,
                "preferred_sample_bytes": 2,
            },
            "linear16",
            16000,
        ),
        ({"preferred_format": "wav", "preferred_sample_rate": 48000}, "linear16", 48000),
    ],
)
async def test_satellite_formats_come_from_aura_without_ffmpeg(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fake_api: FakeAimlApi,
    options: dict[str, object],
    encoding: str,
    rate: int,
) -> None:
    """A satellite's wav/16 kHz/mono/16-bit is asked of Aura itself, not converted by us.

    (Home Assistant 2026.10 still pipes any stated sample rate through ffmpeg; 2026.11
    skips ffmpeg for options the engine lists. The real-HA tests show the latter.)
    """
    with patch("custom_components.aura_tts.tts.convert_audio", side_effect=AssertionError):
        status, data = await tts_audio(hass, hass_client, "Turning on the lights.", options)
    assert status == 200
    assert wav_facts(data)[:3] == (rate, 1, 2)
    [request] = fake_api.tts_requests()
    assert request.body["encoding"] == encoding
    assert request.body["sample_rate"] == str(rate)


@pytest.mark.parametrize(
    ("options", "language", "voice", "codec"),
    [
        (
            {"preferred_format": "wav", "preferred_sample_rate": 44100},
            "en",
            "#g1_aura-2-thalia-en",
            "pcm_s16le",
        ),
        (
            {"preferred_format": "flac", "preferred_sample_rate": 44100},
            "es",
            "#g1_aura-2-nestor-es",
            "flac",
        ),
        # Home Assistant before 2026.11 converts our Opus again, into its own Ogg Vorbis.
        (
            {"preferred_format": "ogg", "preferred_sample_rate": 16000},
            "es",
            None,
            "opus" if AwesomeVersion(ha_version) >= "2026.11" else "vorbis",
        ),
    ],
)
async def test_format_aura_cannot_make_is_converted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fake_api: FakeAimlApi,
    options: dict[str, object],
    language: str,
    voice: str | None,
    codec: str,
) -> None:
    """Stereo at 44.1 kHz (or Opus at 16 kHz) is not an Aura format: ffmpeg converts."""
    options = {**options, "preferred_sample_channels": 2}
    if voice:
        options["voice"] = voice
    status, data = await tts_audio(hass, hass_client, "Good morning.", options, language)
    assert status == 200
    facts = probe(data)
    assert (facts["codec_name"], facts["channels"]) == (codec, "2")
    assert decoded_seconds(data) == pytest.approx(speech_seconds("Good morning."), abs=0.15)


async def test_per_call_voice_overrides_the_configured_one(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, fake_api: FakeAimlApi
) -> None:
    """options.voice picks another voice for one message."""
    await tts_audio(
        hass, hass_client, "Hola.", {**WAV, "voice": "#g1_aura-2-celeste-es"}, language="es"
    )
    [request] = fake_api.tts_requests()
    assert voice_of(request.body) == "#g1_aura-2-celeste-es"


async def test_voice_change_in_options_is_not_served_from_cache(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
) -> None:
    """After the default voice changes, the same message is synthesized anew."""
    _, first = await tts_audio(hass, hass_client, "Same words.", WAV)
    _, again = await tts_audio(hass, hass_client, "Same words.", WAV)
    assert len(fake_api.tts_requests()) == 1  # the second came from HA's cache
    assert first == again

    await change_profile(hass, setup_entry, voice="#g1_aura-2-zeus-en")
    _, changed = await tts_audio(hass, hass_client, "Same words.", WAV)
    requests = fake_api.tts_requests()
    assert [voice_of(r.body) for r in requests] == ["#g1_aura-2-thalia-en", "#g1_aura-2-zeus-en"]
    assert voice_period("thalia") != voice_period("zeus")  # the fake's voices sound apart
    assert changed != first


async def test_unknown_voice_is_a_validation_error(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """A voice that is not an Aura voice is refused before any request."""
    stream = tts.async_create_stream(hass, ENTITY_ID, options={"voice": "robot"})
    stream.async_set_message("Hi")
    with pytest.raises(HomeAssistantError, match="not an Aura voice"):
        await collect(stream)
    assert fake_api.tts_requests() == []


async def test_voice_in_another_language_is_refused(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """A Spanish voice asked to read English is a clear error, not a silent fallback."""
    stream = tts.async_create_stream(
        hass, ENTITY_ID, language="en", options={"voice": "#g1_aura-2-nestor-es"}
    )
    stream.async_set_message("Hi")
    with pytest.raises(HomeAssistantError, match="does not speak"):
        await collect(stream)


async def test_typed_in_voice_id_is_sent_as_it_is(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """A well-formed voice ID the catalog lacks is sent as is (new voices work at once).

    The fake knows only the published voices, so it refuses this one: what shows here is
    that the ID reached the service unchanged, and the refusal names it.
    """
    typed = "#g1_aura-2-newname-en"
    assert typed not in VOICES
    stream = tts.async_create_stream(hass, ENTITY_ID, options={**WAV, "voice": typed})
    stream.async_set_message("New voice.")
    with pytest.raises(HomeAssistantError, match="refused the voice #g1_aura-2-newname-en"):
        await collect(stream)
    # The documented style first, then the seed documents' once (a refused voice).
    first, second = (r.body for r in fake_api.tts_requests())
    assert (first["model"], first["voice"], second["model"]) == (
        "deepgram/aura-2",
        "newname",
        typed,
    )


async def test_voices_by_language_over_websocket(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """Assist's voice picker gets English voices for en and Spanish ones for es."""
    client = await hass_ws_client(hass)
    voices = {}
    for language in ("en", "es", "en-GB"):
        await client.send_json_auto_id(
            {"type": "tts/engine/voices", "engine_id": ENTITY_ID, "language": language}
        )
        message = await client.receive_json()
        assert message["success"], message
        voices[language] = [v["voice_id"] for v in message["result"]["voices"]]
    assert "#g1_aura-2-thalia-en" in voices["en"]
    assert "#g1_aura-asteria-en" in voices["en"]
    assert sorted(voices["es"]) == sorted(
        ["#g1_aura-2-celeste-es", "#g1_aura-2-estrella-es", "#g1_aura-2-nestor-es"]
    )
    # en-GB lists every English voice, the British ones first.
    assert voices["en-GB"][:2] == ["#g1_aura-2-draco-en", "#g1_aura-2-pandora-en"]
    assert sorted(voices["en-GB"]) == sorted(voices["en"])


async def test_long_text_is_split_and_joined_into_one_wav(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, fake_api: FakeAimlApi
) -> None:
    """5000 characters become pieces under 2000, joined into one valid WAV."""
    sentence = "This sentence is about fifty characters in length. "
    message = (sentence * 100).strip()
    status, data = await tts_audio(hass, hass_client, message, WAV)
    assert status == 200
    requests = fake_api.tts_requests()
    assert len(requests) == 3
    assert all(len(r.body["text"]) <= 2000 for r in requests)
    assert " ".join(r.body["text"] for r in requests) == message
    expected = sum(speech_seconds(r.body["text"]) for r in requests)
    assert wav_facts(data)[3] == pytest.approx(expected, abs=0.01)


async def test_streamed_answer_speaks_every_sentence_in_order(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """An LLM-like text stream: every sentence spoken once, in order, in one WAV stream."""
    sentences = ["First, the weather.", "It will rain.", "Take an umbrella."]

    async def llm() -> object:
        for sentence in sentences:
            for word in sentence.split(" "):
                yield word + " "

    stream = tts.async_create_stream(hass, ENTITY_ID, options=WAV)
    stream.async_set_message_stream(llm())  # type: ignore[arg-type]
    data = await collect(stream)
    spoken = " ".join(r.body["text"] for r in fake_api.tts_requests())
    assert spoken == " ".join(sentences)
    assert data[:4] == b"RIFF"
    assert json.dumps(spoken).count("umbrella") == 1


async def test_wav_without_rate_needs_no_ffmpeg(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, fake_api: FakeAimlApi
) -> None:
    """preferred_format wav alone: Aura's WAV goes out untouched, byte for byte."""
    with patch("homeassistant.components.tts._async_convert_audio", side_effect=AssertionError):
        status, data = await tts_audio(hass, hass_client, "Exactly as made.", WAV)
    assert status == 200
    expected, _ = await fake_api.render(
        {
            "model": "#g1_aura-2-thalia-en",
            "text": "Exactly as made.",
            "encoding": "linear16",
            "container": "wav",
        }
    )
    assert data == expected


async def test_listener_leaving_stops_the_upstream_request(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """Closing the audio stream early cancels the request to the service promptly."""
    fake_api.rtf = 1.0  # 30 s of audio would take 30 s to send
    fake_api.chunk_size = 1024
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)

    async def text() -> AsyncGenerator[str]:
        yield "word " * 400

    response = await entity.async_stream_tts_audio(
        TTSAudioRequest("en", {"preferred_format": "wav"}, text())
    )
    first = await anext(response.data_gen)
    assert first[:4] == b"RIFF"
    await response.data_gen.aclose()
    for _ in range(50):
        if fake_api.in_flight == 0:
            break
        await asyncio.sleep(0.02)
    assert fake_api.in_flight == 0
    [request] = fake_api.tts_requests()
    assert request.cancelled


async def test_audio_reaches_home_assistant_while_the_service_is_still_sending(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """The first audio bytes leave HA's result stream before Aura's answer has ended."""
    fake_api.rtf = 4.0  # about 3 s of speech, sent over about 0.8 s
    fake_api.chunk_size = 1024
    stream = tts.async_create_stream(hass, ENTITY_ID, options=WAV)
    stream.async_set_message("The doorbell rang. Someone is waiting at the front door.")
    chunks = stream.async_stream_result()
    first = await anext(chunks)
    [request] = fake_api.tts_requests()
    assert first[:4] == b"RIFF"
    assert request.first_byte is not None
    assert request.finished is None  # the service is still producing the rest
    rest = b"".join([chunk async for chunk in chunks])
    assert fake_api.tts_requests()[0].finished is not None
    assert wav_facts(first + rest)[3] == pytest.approx(
        speech_seconds(request.body["text"]), abs=0.01
    )


@pytest.mark.parametrize(
    ("configured", "language", "options", "spoken_by"),
    [
        # The configured voice's language is the default: no language named, no error.
        ("#g1_aura-2-estrella-es", None, WAV, "#g1_aura-2-estrella-es"),
        ("#g1_aura-2-nestor-es", None, {}, "#g1_aura-2-nestor-es"),
        # A Spanish Assist pipeline with no voice picked, over an English default voice:
        # a Spanish voice of the same gender stands in (the region's own voice first).
        ("#g1_aura-2-thalia-en", "es", WAV, "#g1_aura-2-celeste-es"),
        ("#g1_aura-2-thalia-en", "es-MX", {}, "#g1_aura-2-estrella-es"),
        ("#g1_aura-2-nestor-es", "en-GB", WAV, "#g1_aura-2-draco-en"),
        ("#g1_aura-2-estrella-es", "en", {}, "#g1_aura-2-amalthea-en"),
    ],
)
async def test_the_default_voice_follows_the_language(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    caplog: pytest.LogCaptureFixture,
    configured: str,
    language: str | None,
    options: dict[str, str],
    spoken_by: str,
) -> None:
    """Only a voice the call names must speak the call's language."""
    caplog.set_level(logging.DEBUG, logger="custom_components.aura_tts")
    await change_profile(hass, setup_entry, voice=configured)
    for message in ("Uno.", "Dos."):
        stream = tts.async_create_stream(hass, ENTITY_ID, language=language, options=options)
        stream.async_set_message(message)
        audio = await collect(stream)
        assert probe(audio)["codec_name"] == ("pcm_s16le" if options else "mp3")
        assert decoded_seconds(audio) == pytest.approx(speech_seconds(message), abs=0.1)
    answered = [r for r in fake_api.tts_requests() if r.status == 200]  # (Draco: 2nd style)
    assert [voice_of(r.body) for r in answered] == [spoken_by, spoken_by]
    stand_ins = [r for r in caplog.records if "speaks it instead" in r.getMessage()]
    assert len(stand_ins) == (0 if spoken_by == configured else 1)  # said once, not per call
    assert all(r.levelno == logging.DEBUG for r in stand_ins)


async def test_the_default_language_is_the_configured_voices(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    assert entity.default_language == "en-US"
    await change_profile(hass, setup_entry, voice="#g1_aura-2-estrella-es")
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    assert entity.default_language == "es-MX"


@pytest.mark.parametrize(
    ("voice", "language", "options"),
    [
        ("#g1_aura-2-thalia-en", "en", WAV),
        # (multi-piece mp3 and Ogg joins are issue #12's; a satellite's WAV here)
        ("#g1_aura-2-celeste-es", "es", {**WAV, "preferred_sample_rate": 16000}),
    ],
)
async def test_unpunctuated_streamed_text_is_cut_in_linear_work_and_speaks_early(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    voice: str,
    language: str,
    options: dict[str, str],
) -> None:
    """An LLM that never ends a sentence: audio starts before the text ends, the sentence
    detector's work grows with the text (not its square), and no word is cut."""
    words = [f"palabra{n}" for n in range(1500)]
    text = " ".join(words)  # about 18,000 characters, no sentence end anywhere
    scanned = 0
    original = SentenceBoundaryDetector.add_chunk

    def counting(detector: SentenceBoundaryDetector, chunk: str) -> Any:
        nonlocal scanned
        scanned += len(detector.remaining_text) + len(chunk)  # what its regexes rescan
        return original(detector, chunk)

    requests_before_the_end = 0

    async def llm() -> AsyncGenerator[str]:
        nonlocal requests_before_the_end
        for start in range(0, len(text), 4):
            yield text[start : start + 4]
            await asyncio.sleep(0)
        for _ in range(200):  # let the first piece reach the service, if one was cut
            if fake_api.tts_requests():
                break
            await asyncio.sleep(0.01)
        requests_before_the_end = len(fake_api.tts_requests())

    with patch.object(SentenceBoundaryDetector, "add_chunk", counting):
        stream = tts.async_create_stream(
            hass, ENTITY_ID, language=language, options={**options, "voice": voice}
        )
        stream.async_set_message_stream(llm())
        audio = await collect(stream)
    assert requests_before_the_end >= 1
    assert scanned <= 2 * len(text)
    sent = [r.body["text"] for r in fake_api.tts_requests()]
    assert " ".join(sent).split() == words  # whole words, in order, none lost
    assert len(sent[0]) <= RUN_LIMIT  # the first piece did not wait for 2000 characters
    assert all(len(piece) <= 2000 for piece in sent)
    expected = sum(speech_seconds(piece) for piece in sent)
    assert decoded_seconds(audio) == pytest.approx(expected, rel=0.02)

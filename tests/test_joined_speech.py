"""Speech of several pieces through Home Assistant: one valid stream in every format, and
Voice PE's FLAC made by Aura with no ffmpeg of ours."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any
from unittest.mock import patch

from homeassistant.components import tts
from homeassistant.core import HomeAssistant
import pytest

from tests.audio_checks import decoded_seconds, flac_test, ogg_pages, probe
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.helpers import ENTITY_ID, collect, speak, voice_of

pytestmark = pytest.mark.usefixtures("setup_entry")

ANSWERS = {
    "en": (
        "The kitchen lights are on.",
        "The front door is locked, and the garage is closed.",
        "Tomorrow looks sunny, with a high of twenty-two degrees.",
    ),
    "es": (
        "Las luces de la cocina están encendidas.",
        "La puerta principal está cerrada, y el garaje también.",
        "Mañana estará soleado, con una máxima de veintidós grados.",
    ),
}
VOICE_PE = {
    "preferred_format": "flac",
    "preferred_sample_rate": 48000,
    "preferred_sample_channels": 1,
    "preferred_sample_bytes": 2,
}
# Per join, what a format cannot trim between pieces (encoder delay and padding), seconds.
JOIN_SLACK = {"flac": 0.0, "mp3": 0.12, "ogg": 0.03, "aac": 0.1}


async def speak_sentence_by_sentence(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    sentences: tuple[str, ...],
    options: dict[str, Any],
    language: str,
) -> bytes:
    """An agent's answer, word by word, each sentence reaching the service on its own.

    The next sentence starts only once the service has been asked for the one before (a
    sentence is known to have ended when the next word arrives), as with an LLM writing.
    """

    async def words() -> AsyncGenerator[str]:
        for index, sentence in enumerate(sentences):
            for position, word in enumerate(sentence.split(" ")):
                yield word + " "
                if position == 0 and index > 0:
                    await wait_for_requests(fake_api, index)

    stream = tts.async_create_stream(hass, ENTITY_ID, language=language, options=options)
    stream.async_set_message_stream(words())
    return await collect(stream)


async def wait_for_requests(fake_api: FakeAimlApi, count: int) -> None:
    """Until the fake has received ``count`` synthesis requests (at most ten seconds)."""
    for _ in range(1000):
        if len(fake_api.tts_requests()) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the service never received {count} requests")


@pytest.mark.parametrize(
    ("options", "language", "codec"),
    [
        ({"preferred_format": "flac"}, "en", "flac"),
        ({"preferred_format": "flac"}, "es", "flac"),
        ({"preferred_format": "mp3"}, "es", "mp3"),
        ({"preferred_format": "ogg"}, "en", "opus"),
        ({"preferred_format": "aac"}, "es", "aac"),
    ],
)
async def test_an_assist_answer_in_pieces_is_one_stream(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    options: dict[str, Any],
    language: str,
    codec: str,
) -> None:
    """An answer written word by word is spoken in several requests and heard as one file.

    Fails if a piece's own headers reach the listener (a second fLaC or ID3 tag, a chained
    Ogg stream), if the joined audio does not decode cleanly, or if its length is not the
    sum of the pieces.
    """
    sentences = ANSWERS[language]
    audio = await speak_sentence_by_sentence(hass, fake_api, sentences, options, language)
    requests = fake_api.tts_requests()
    assert [r.body["text"] for r in requests] == list(sentences)  # really joined
    fmt = options["preferred_format"]
    assert probe(audio)["codec_name"] == codec
    seconds = await asyncio.to_thread(decoded_seconds, audio)
    spoken = sum(speech_seconds(request.body["text"]) for request in requests)
    assert spoken <= seconds + 0.01
    assert seconds <= spoken + 0.01 + JOIN_SLACK[fmt] * len(requests)
    assert {voice_of(r.body)[-2:] for r in requests} == {language}
    if fmt == "flac":
        assert audio.count(b"fLaC") == 1
        await asyncio.to_thread(flac_test, audio)
    if fmt == "mp3":
        assert b"ID3" not in audio
    if fmt == "ogg":
        pages = ogg_pages(audio)
        assert len({serial for _, _, serial, _ in pages}) == 1
        sequences = [sequence for *_, sequence in pages]
        assert sequences == list(range(len(sequences)))


@pytest.mark.parametrize(
    ("language", "word_by_word"), [("en", False), ("es", True)], ids=["message", "assist"]
)
async def test_voice_pe_gets_flac_made_by_aura(
    hass: HomeAssistant, fake_api: FakeAimlApi, language: str, word_by_word: bool
) -> None:
    """Voice PE's FLAC, 48 kHz, mono, 16-bit is asked of Aura, not made by our ffmpeg.

    Fails if the integration asks Aura for WAV and converts (the old path), or if the
    stream is not a valid FLAC of the right format and length.
    """
    sentences = ANSWERS[language]
    with patch("custom_components.aura_tts.tts.convert_audio", side_effect=AssertionError):
        if word_by_word:
            audio = await speak_sentence_by_sentence(hass, fake_api, sentences, VOICE_PE, language)
        else:
            audio = await speak(hass, " ".join(sentences), VOICE_PE, language=language)
    requests = fake_api.tts_requests()
    assert {(r.body["encoding"], r.body["sample_rate"]) for r in requests} == {("flac", "48000")}
    facts = probe(audio)
    assert (facts["codec_name"], facts["sample_rate"], facts["channels"]) == ("flac", "48000", "1")
    assert facts["sample_fmt"] == "s16"
    await asyncio.to_thread(flac_test, audio)
    spoken = sum(speech_seconds(request.body["text"]) for request in requests)
    assert await asyncio.to_thread(decoded_seconds, audio) == pytest.approx(spoken, abs=0.01)


LONG_FIRST_SENTENCES = {
    "en": (
        "The living room lights are off and the blinds are down, so the house is ready for "
        "the night, but the back door is still unlocked and the garage is open. "
        "Shall I close them?"
    ),
    "es": (
        "Las luces del salón están apagadas y las persianas bajadas, así que la casa está "
        "lista para la noche, pero la puerta trasera sigue abierta y el garaje también. "
        "¿Las cierro?"
    ),
}


@pytest.mark.parametrize(
    ("language", "options"),
    [("en", {"preferred_format": "flac"}), ("es", {"preferred_format": "mp3"})],
)
async def test_a_long_first_sentence_starts_speaking_at_its_first_clause(
    hass: HomeAssistant, fake_api: FakeAimlApi, language: str, options: dict[str, Any]
) -> None:
    """An agent writing a 150-character first sentence in 4-character deltas is heard from
    its first clause, not from the end of the sentence.

    Fails if the first request waits for the sentence's end (the old rule: the generator
    then waits in vain), if a piece is cut inside a word, or if text is lost or reordered.
    """
    text = LONG_FIRST_SENTENCES[language]
    first_sentence_end = text.index(". " if language == "en" else "bién. ") + 1
    first_clause = text[: text.index(", ") + 1]
    assert len(first_clause) >= 40
    heard_at: list[int] = []

    async def deltas() -> AsyncGenerator[str]:
        # An agent's deltas reach Home Assistant one by one; each gives the speech a turn.
        for end in range(4, len(text) + 4, 4):
            yield text[end - 4 : end]
            if not heard_at:
                if end > len(first_clause):  # the clause and the space after it are written
                    await wait_for_requests(fake_api, 1)
                    heard_at.append(end)
                await asyncio.sleep(0)

    stream = tts.async_create_stream(hass, ENTITY_ID, language=language, options=options)
    stream.async_set_message_stream(deltas())
    audio = await collect(stream)

    requests = fake_api.tts_requests()
    assert requests[0].body["text"] == first_clause
    assert heard_at
    assert heard_at[0] < first_sentence_end
    texts = [r.body["text"] for r in requests]
    assert " ".join(texts).split() == text.split()  # nothing lost, no word cut
    assert all(t.endswith((".", "?")) for t in texts[1:])  # later pieces: whole sentences
    spoken = sum(speech_seconds(t) for t in texts)
    seconds = await asyncio.to_thread(decoded_seconds, audio)
    assert spoken <= seconds + 0.01 <= spoken + 0.02 + JOIN_SLACK[options["preferred_format"]] * 3


async def test_a_whole_message_is_not_cut_at_clauses(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """tts.speak gives the whole text at once: one request, however long its first sentence.

    Fails if the clause rule for text being written also cuts a message that is complete."""
    await speak(hass, LONG_FIRST_SENTENCES["en"], {"preferred_format": "flac"})
    assert [r.body["text"] for r in fake_api.tts_requests()] == [LONG_FIRST_SENTENCES["en"]]

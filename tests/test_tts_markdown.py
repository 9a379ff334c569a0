"""Answers from language models are spoken as speech, not as markup (#25), through Home
Assistant: an Assist answer streamed in 1- to 4-character deltas (as the pipeline hands an
agent's deltas to the engine), and tts.speak on a speaker, in English and Spanish.

Each case fails if Aura is sent a marker (`*`, `#`, a backtick, `](`, `http`) or an emoji,
if a word of the answer's prose is lost, or if the audio is not the length of what was sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import re

from homeassistant.components import tts
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts.aura import markdown_to_speech
from e2e.e2e_speaker.media_player import Speaker
from tests.audio_checks import decoded_seconds
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.helpers import ENTITY_ID, change_profile, collect
from tests.speakers import KITCHEN, speak_on, wait_decoded

ANSWERS = {
    "en": (
        "# Today at home\n"
        "The **living room** is warm and the _garden_ lights are on 💡.\n\n"
        "- Kitchen: 21 degrees\n"
        "- Bedroom: 19 degrees\n\n"
        "See [the forecast](https://weather.example.com/today) or https://www.example.org/help.\n"
        "```yaml\nlight: on\n```\n"
        "Have a ~~bad~~ good evening! 🌙"
    ),
    "es": (
        "## Resumen de la casa\n"
        "El **salón** está a 21 grados y la _puerta_ está cerrada 🔒.\n\n"
        "1. Cocina: luz apagada\n"
        "2. Garaje: abierto\n\n"
        "Consulta [el tiempo](https://tiempo.example.es/hoy) o www.example.es/ayuda.\n"
        "```\ncódigo: sí\n```\n"
        "¡Que descanses! 😴"
    ),
}
MARKERS = re.compile(r"[*#`]|\]\(|http|[\U0001f000-\U0001faff\u2600-\u27bf]")


def prose_words(answer: str) -> list[str]:
    """The words a person would say: the answer without its code block, links' URLs,
    markers and emoji, cut at anything that is not a letter or a digit."""
    answer = re.sub(r"```.*?```", " ", answer, flags=re.DOTALL)
    answer = re.sub(r"\]\([^)]*\)", " ", answer)
    answer = re.sub(r"https?://\S+|www\.\S+", " ", answer)
    return re.findall(r"[^\W_]+", answer)


def sent(fake_api: FakeAimlApi) -> str:
    return " ".join(r.body["text"] for r in fake_api.tts_requests())


@pytest.mark.usefixtures("setup_entry")
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("size", [1, 4])
async def test_an_assist_answer_in_deltas_is_spoken_as_speech(
    hass: HomeAssistant, fake_api: FakeAimlApi, language: str, size: int
) -> None:
    answer = ANSWERS[language]

    async def deltas() -> AsyncGenerator[str]:
        for start in range(0, len(answer), size):
            yield answer[start : start + size]
            await asyncio.sleep(0)

    stream = tts.async_create_stream(
        hass, ENTITY_ID, language=language, options={"preferred_format": "wav"}
    )
    stream.async_set_message_stream(deltas())
    audio = await collect(stream)
    text = sent(fake_api)
    assert not MARKERS.search(text), text
    assert all(word in text for word in prose_words(answer))
    assert "example.org" in text or "example.es" in text  # a bare URL: its host
    assert "light: on" not in text
    assert "código" not in text  # the code block is left out
    seconds = sum(speech_seconds(r.body["text"]) for r in fake_api.tts_requests())
    assert await asyncio.to_thread(decoded_seconds, audio) == pytest.approx(seconds, abs=0.05)


@pytest.mark.parametrize("preferred", ["mp3", "wav"])
@pytest.mark.parametrize("language", ["en", "es"])
async def test_tts_speak_with_markdown_is_spoken_as_speech(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    players: dict[str, Speaker],
    preferred: str,
    language: str,
) -> None:
    """Also: the text sent is what the whole answer converts to (no piece lost a word)."""
    answer = ANSWERS[language]
    audio = await speak_on(
        hass, players[KITCHEN], answer, {"preferred_format": preferred}, language=language
    )
    text = sent(fake_api)
    assert not MARKERS.search(text), text
    assert text.split() == markdown_to_speech(answer).split()
    seconds = sum(speech_seconds(r.body["text"]) for r in fake_api.tts_requests())
    joins = len(fake_api.tts_requests()) - 1
    slack = 0.1 + 0.12 * joins if preferred == "mp3" else 0.05
    assert await asyncio.to_thread(decoded_seconds, audio) == pytest.approx(seconds, abs=slack)


async def test_a_profile_can_send_markdown_as_it_is_and_that_is_new_audio(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    players: dict[str, Speaker],
) -> None:
    """Fails if the option is ignored, or if it is left out of the cache key (the converted
    audio would be served again from the cache)."""
    message = "Open the [garage door](https://example.com/garage) now."
    options = {"preferred_format": "mp3"}
    await speak_on(hass, players[KITCHEN], message, options, language="en")
    assert sent(fake_api) == "Open the garage door now."
    await change_profile(hass, setup_entry, markdown=False)
    await speak_on(hass, players[KITCHEN], message, options, language="en")
    assert [r.body["text"] for r in fake_api.tts_requests()] == [
        "Open the garage door now.",
        message,
    ]


async def test_an_announcement_in_markdown_is_spoken_as_speech_with_the_pronunciations(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    players: dict[str, Speaker],
) -> None:
    """aura_tts.announce in Spanish on two speakers, with a profile rule: the markup goes,
    the rule still applies to the words inside it, both speakers get the one synthesis.
    Fails if the announce path skips the Markdown pass or the rules stop applying to
    emphasised or linked words."""
    await change_profile(
        hass, setup_entry, voice="#g1_aura-2-celeste-es", pronunciations="Siobhan = Shivawn"
    )
    message = "## Aviso\n**Siobhan** está en la [puerta](https://casa.example.es/puerta) 🚪."
    await hass.services.async_call(
        "aura_tts",
        "announce",
        {"entity_id": list(players), "message": message, "language": "es"},
        blocking=True,
    )
    for player in players.values():
        await wait_decoded(player, 1)
    assert sent(fake_api) == "Aviso. Shivawn está en la puerta ."
    [audio] = {player.received[0] for player in players.values()}
    seconds = speech_seconds(fake_api.tts_requests()[0].body["text"])
    assert await asyncio.to_thread(decoded_seconds, audio) == pytest.approx(seconds, abs=0.1)

"""Whatever text and options arrive: a clear validation error or correct audio. And load."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import re
import time
from typing import Any
from unittest.mock import patch

from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest

from custom_components.aura_tts.aura.speech import MAX_MESSAGE_LENGTH
from tests.audio_checks import wav_facts
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.helpers import ENTITY_ID, WAV, collect, speak

pytestmark = pytest.mark.usefixtures("setup_entry")


def spoken(fake_api: FakeAimlApi) -> str:
    return " ".join(r.body["text"] for r in fake_api.tts_requests())


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


@pytest.mark.parametrize(
    "text",
    ["", "   ", " \n\t \r\n ", "\x00\x07\x1b", '<speak><break time="2s"/></speak>'],
    ids=["empty", "spaces", "whitespace", "control-only", "markup-only"],
)
async def test_nothing_to_say_is_a_validation_error(
    hass: HomeAssistant, fake_api: FakeAimlApi, text: str
) -> None:
    with pytest.raises(ServiceValidationError, match="nothing to speak"):
        await speak(hass, text)
    assert not fake_api.tts_requests()  # nothing paid for


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # Emoji are left out (Aura reads them as names or noise); every word is kept.
        ("Good morning 👩🏽‍💻! Coffee ☕ is ready 🇪🇸.", "Good morning! Coffee is ready."),
        ("今日は晴れです。明日は雨が降るでしょう。", None),
        ("مرحبا بكم في المنزل. الباب مفتوح.", None),
        ("שלום, הדלת פתוחה.", None),
        ("Crème brûlée, naïve café — e\u0301 combining.", None),
    ],
    ids=["emoji", "cjk", "arabic", "hebrew", "accents"],
)
async def test_any_script_is_spoken_whole(
    hass: HomeAssistant, fake_api: FakeAimlApi, text: str, said: str | None
) -> None:
    data = await speak(hass, text)
    assert spoken(fake_api).replace(" ", "") == (said or text).replace(" ", "")
    assert wav_facts(data)[3] == pytest.approx(speech_seconds(spoken(fake_api)), abs=0.05)


async def test_control_characters_are_dropped(hass: HomeAssistant, fake_api: FakeAimlApi) -> None:
    await speak(hass, "The door\x00 is\x07 open.\x1b[0m Close it\u0085 please.")
    sent = spoken(fake_api)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", sent)
    assert words(sent) == ["The", "door", "is", "open", "0m", "Close", "it", "please"]


async def test_ssml_tags_are_removed_and_their_words_kept(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    text = (
        '<speak>Welcome <break time="500ms"/> home. <prosody rate="slow">The alarm is '
        '<emphasis level="strong">off</emphasis>.</prosody> <say-as interpret-as="date">'
        "today</say-as></speak>"
    )
    await speak(hass, text)
    sent = spoken(fake_api)
    assert "<" not in sent
    assert ">" not in sent
    assert words(sent) == ["Welcome", "home", "The", "alarm", "is", "off", "today"]


async def test_a_comparison_is_not_mistaken_for_markup(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    await speak(hass, "It is 3 < 5 and 7 > 2, <b>bold</b> stays.")
    assert spoken(fake_api) == "It is 3 < 5 and 7 > 2, <b>bold</b> stays."


async def test_twenty_thousand_characters_are_spoken_whole(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """The longest message accepted: 10+ requests within the limit, nothing lost or
    reordered, one valid WAV, never more requests at once than Deepgram allows."""
    text = " ".join(f"Line {n} of the long report is here." for n in range(600))[:20_000]
    assert len(text) == MAX_MESSAGE_LENGTH
    # Short "speech" per character, so the test's audio stays small.
    with patch("tests.fake_aimlapi.sound.SECONDS_PER_CHARACTER", 0.001):
        data = await speak(hass, text, {**WAV, "preferred_sample_rate": 8000})
        expected = sum(speech_seconds(r.body["text"]) for r in fake_api.tts_requests())
    requests = fake_api.tts_requests()
    assert len(requests) >= 10
    assert all(len(r.body["text"]) <= 2000 for r in requests)
    assert spoken(fake_api) == text
    rate, _, _, seconds = wav_facts(data)
    assert rate == 8000
    assert seconds == pytest.approx(expected, abs=0.01)
    assert fake_api.max_in_flight <= 15


@pytest.mark.parametrize("path", ["message", "stream"])
async def test_a_message_past_the_limit_is_refused_before_anything_is_paid(
    hass: HomeAssistant, fake_api: FakeAimlApi, path: str
) -> None:
    """A log file or web page sent by mistake: one clear error, not hundreds of requests."""
    text = "word " * (MAX_MESSAGE_LENGTH // 5) + "x"
    stream = tts.async_create_stream(hass, ENTITY_ID, options=WAV)
    if path == "message":
        stream.async_set_message(text)
    else:

        async def one_chunk() -> AsyncGenerator[str]:
            yield text

        stream.async_set_message_stream(one_chunk())
    with pytest.raises(ServiceValidationError, match="at most 20,000 characters"):
        await collect(stream)
    assert fake_api.tts_requests() == []


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"preferred_format": "xyz"}, "preferred_format"),
        ({"preferred_format": "wav", "preferred_sample_rate": 1234}, "preferred_sample_rate"),
        ({"preferred_format": "wav", "preferred_sample_channels": 6}, "preferred_sample_channels"),
        ({"preferred_format": "wav", "preferred_sample_bytes": 3}, "preferred_sample_bytes"),
    ],
)
async def test_unsupported_format_options_are_validation_errors(
    hass: HomeAssistant, fake_api: FakeAimlApi, options: dict[str, Any], option: str
) -> None:
    with pytest.raises(ServiceValidationError, match=f"{option} set to"):
        await speak(hass, "Hello.", options)
    assert not fake_api.tts_requests()


async def test_unsupported_language_is_refused(hass: HomeAssistant) -> None:
    with pytest.raises(HomeAssistantError, match="Language 'fr' not supported"):
        tts.async_create_stream(hass, ENTITY_ID, language="fr")


@pytest.mark.parametrize("limit", [15, 5], ids=["own-limit", "key-shared-with-other-apps"])
async def test_two_hundred_requests_at_once(
    hass: HomeAssistant, fake_api: FakeAimlApi, limit: int
) -> None:
    """Each request ends with audio or a clear error; nothing hangs, nothing leaks.

    ``limit``: how many requests the fake serves at once before answering 429. With 15 the
    integration's own limit keeps it from ever being hit; with 5 (other apps use the same
    key) retries and, past the time budget, "too many requests" errors show.
    """
    fake_api.max_concurrent = limit
    fake_api.ttfb = 0.02
    fake_api.rtf = 20.0
    started = time.monotonic()
    results = await asyncio.gather(
        *(speak(hass, f"Request number {n} is here.") for n in range(200)),
        return_exceptions=True,
    )
    elapsed = time.monotonic() - started
    audio = [r for r in results if isinstance(r, bytes)]
    errors = [r for r in results if isinstance(r, BaseException)]
    rejected = sum(r.status == 429 for r in fake_api.tts_requests())
    print(
        f"\n200 requests, fake limit {limit}: {len(audio)} with audio, {len(errors)} errors "
        f"({sorted({str(e) for e in errors})}), {rejected} answered 429, "
        f"{fake_api.max_in_flight} at most at once, {elapsed:.1f} s"
    )
    assert all(wav_facts(a)[3] > 0 for a in audio)
    assert all(
        isinstance(e, HomeAssistantError) and e.translation_key == "rate_limited" for e in errors
    )
    # Counted before the fake refuses: the integration itself never sends more than 15.
    assert fake_api.max_in_flight <= 15
    assert fake_api.in_flight == 0
    if limit == 15:
        assert len(audio) == 200
        assert rejected == 0
    else:
        assert rejected > 0  # the busy service was met, and retried or reported

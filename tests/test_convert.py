"""Every conversion Home Assistant can ask for, run through the real ffmpeg and decoded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import itertools
import logging
from pathlib import Path
from unittest.mock import patch

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest

from custom_components.aura_tts.convert import (
    AAC_RATES,
    MP3_RATES,
    OPUS_RATES,
    convert_audio,
    nearest,
)
from tests.audio_checks import decoded_seconds, flac_test, probe
from tests.fake_aimlapi import FakeAimlApi, sound

TEXT = "Dinner is ready."  # about one second of the fake's speech
RATES = (8000, 11025, 22050, 44100, 96000)
CODECS = {"mp3": "mp3", "wav": "pcm", "ogg": "opus", "opus": "opus", "aac": "aac", "flac": "flac"}
NEAREST = {"mp3": MP3_RATES, "aac": AAC_RATES}
# Samples a frame: a stream written to a pipe cannot tell the decoder the encoder's delay and
# padding (mp3's Xing/LAME header and AAC's priming need a seekable file), so decoded audio
# may be up to about three frames longer than the input. Ogg Opus carries both exactly.
FRAME_SAMPLES = {"mp3": 1152, "aac": 1024}
SAMPLE_FORMATS = {
    ("wav", 1): "u8",
    ("wav", 2): "s16",
    ("wav", 4): "s32",
    ("flac", 1): "s16",  # FLAC has no 8-bit samples: the nearest it has
    ("flac", 2): "s16",
    ("flac", 4): "s32",
}


@pytest.fixture(autouse=True)
async def ffmpeg_component(hass: HomeAssistant) -> None:
    """Home Assistant's ffmpeg set-up, which gives the binary (as a tts dependency does)."""
    assert await async_setup_component(hass, "ffmpeg", {})


async def wav_stream(chunk: int = 4096) -> AsyncGenerator[bytes]:
    data = sound.wav(sound.pcm16("estrella", TEXT, 24000), 24000, 1, 2)
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


async def convert(hass: HomeAssistant, fmt: str, rate: int, channels: int, width: int) -> bytes:
    out = convert_audio(hass, wav_stream(), fmt, rate, channels, width)
    return b"".join([chunk async for chunk in out])


@pytest.mark.parametrize("fmt", list(CODECS))
async def test_every_rate_channel_count_and_width_gives_decodable_audio(
    hass: HomeAssistant, fmt: str
) -> None:
    """Asked properties, or the nearest the format can carry; never an error."""
    limit = asyncio.Semaphore(4)
    combos = list(itertools.product(RATES, (1, 2), (1, 2, 4)))

    async def one(rate: int, channels: int, width: int) -> tuple[bytes, dict[str, str]]:
        async with limit:
            audio = await convert(hass, fmt, rate, channels, width)
            return audio, await asyncio.to_thread(probe, audio)

    results = await asyncio.gather(*(one(*combo) for combo in combos))
    for (rate, channels, width), (audio, facts) in zip(combos, results, strict=True):
        combo = f"{fmt} {rate} Hz {channels} ch {width} B"
        assert facts["codec_name"].startswith(CODECS[fmt]), combo
        expected_rate = nearest(NEAREST[fmt], rate) if fmt in NEAREST else rate
        if fmt in {"ogg", "opus"}:
            expected_rate = 48000  # Opus always decodes at 48 kHz (made at the nearest rate)
        assert int(facts["sample_rate"]) == expected_rate, combo
        assert int(facts["channels"]) == channels, combo
        if (fmt, width) in SAMPLE_FORMATS:
            assert facts["sample_fmt"] == SAMPLE_FORMATS[fmt, width], combo
        seconds = await asyncio.to_thread(decoded_seconds, audio)
        padding = 3 * FRAME_SAMPLES.get(fmt, 0) / expected_rate
        assert -0.02 <= seconds - sound.speech_seconds(TEXT) <= 0.02 + padding, combo
        if fmt == "flac":
            await asyncio.to_thread(flac_test, audio)
        if fmt == "mp3":  # Home Assistant 2026.3-2026.10 tag cached mp3s and refuse a second tag
            assert not audio.startswith(b"ID3"), combo


def test_nearest_rate() -> None:
    assert nearest(OPUS_RATES, 44100) == 48000
    assert nearest(OPUS_RATES, 22050) == 24000
    assert nearest(MP3_RATES, 96000) == 48000
    assert nearest(OPUS_RATES, 10000) == 12000  # a tie goes up


@pytest.fixture
def failing_ffmpeg(hass: HomeAssistant, tmp_path: Path) -> Path:
    """An "ffmpeg" that reads a little, complains and dies, as a broken one does."""
    script = tmp_path / "ffmpeg"
    script.write_text(
        "#!/bin/sh\nhead -c 2000 >/dev/null\necho 'Invalid data found when processing input' >&2\n"
        "exit 1\n"
    )
    script.chmod(0o755)
    get_ffmpeg_manager(hass)._bin = str(script)
    return script


@pytest.mark.usefixtures("setup_entry", "failing_ffmpeg")
@pytest.mark.parametrize(
    ("voice", "language", "options"),
    [
        (
            "#g1_aura-2-thalia-en",
            "en",
            {"preferred_format": "flac", "preferred_sample_rate": 44100},
        ),
        (
            "#g1_aura-2-nestor-es",
            "es",
            {"preferred_format": "aac", "preferred_sample_rate": 44100},
        ),
    ],
)
async def test_ffmpeg_dying_is_reported_logged_and_stops_the_service(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    caplog: pytest.LogCaptureFixture,
    voice: str,
    language: str,
    options: dict[str, object],
) -> None:
    """The translated conversion error, ffmpeg's own words in the log, no request left."""
    from homeassistant.components import tts

    from tests.helpers import ENTITY_ID, collect

    fake_api.rtf = 1.0  # the service would take seconds to finish on its own
    fake_api.chunk_size = 1024
    stream = tts.async_create_stream(
        hass, ENTITY_ID, language=language, options={**options, "voice": voice}
    )
    stream.async_set_message("A long announcement. " * 20)
    with pytest.raises(HomeAssistantError) as caught:
        await collect(stream)
    assert caught.value.translation_key == "conversion_failed"
    assert "Invalid data found" in caplog.text
    for _ in range(100):
        if fake_api.in_flight == 0:
            break
        await asyncio.sleep(0.02)
    assert fake_api.in_flight == 0
    assert all(r.cancelled or r.finished for r in fake_api.tts_requests())


async def test_ffmpeg_missing_is_reported(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    with (
        patch.object(get_ffmpeg_manager(hass), "_bin", "/nonexistent/ffmpeg"),
        pytest.raises(HomeAssistantError) as caught,
    ):
        await convert(hass, "flac", 48000, 1, 2)
    assert caught.value.translation_key == "conversion_failed"
    assert "could not be started" in caplog.text

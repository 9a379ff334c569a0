"""The README's speaker table, row by row: who runs ffmpeg, on this Home Assistant version.

Home Assistant's ffmpeg (its conversions and ours) is replaced by a wrapper that writes down
each command and runs the real ffmpeg, so every run is counted and the audio still plays.
The harness legs are Home Assistant 2026.10 and 2026.3; 2026.11 is checked by the e2e tests
(e2e/test_real_home_assistant.py: Voice PE's FLAC with no ffmpeg run).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import shutil
from typing import Any
from unittest.mock import patch

from awesomeversion import AwesomeVersion
from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.const import __version__ as ha_version
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aura_tts.convert import convert_audio
from tests.audio_checks import decoded_seconds, probe
from tests.fake_aimlapi import FakeAimlApi
from tests.helpers import tts_audio

pytestmark = pytest.mark.usefixtures("setup_entry")

# Before 2026.11 Home Assistant converts whenever any preferred_sample_* option is given.
HA_CONVERTS_ANY_SAMPLE_OPTION = AwesomeVersion(ha_version) < "2026.11"
SATELLITE = {"preferred_sample_rate": 16000, "preferred_sample_channels": 1}
SATELLITE |= {"preferred_sample_bytes": 2}
VOICE_PE = {"preferred_sample_rate": 48000, "preferred_sample_channels": 1}
VOICE_PE |= {"preferred_sample_bytes": 2}


@pytest.fixture
def ffmpeg_log(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Home Assistant's ffmpeg, counted: each command line goes to the returned file."""
    real = shutil.which("ffmpeg")
    assert real
    log = tmp_path / "ffmpeg-runs.log"
    log.touch()
    script = tmp_path / "ffmpeg"
    script.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {real} "$@"\n')
    script.chmod(0o755)
    get_ffmpeg_manager(hass)._bin = str(script)
    return log


@pytest.mark.parametrize(
    ("row", "options", "encoding", "ours", "home_assistant"),
    [
        ("tts.speak (mp3)", {}, "mp3", 0, 0),
        ("wav alone", {"preferred_format": "wav"}, "linear16", 0, 0),
        (
            "satellites",
            {"preferred_format": "wav", **SATELLITE},
            "linear16",
            0,
            int(HA_CONVERTS_ANY_SAMPLE_OPTION),
        ),
        (
            "Voice PE",
            {"preferred_format": "flac", **VOICE_PE},
            "flac",
            0,
            int(HA_CONVERTS_ANY_SAMPLE_OPTION),
        ),
        ("flac alone", {"preferred_format": "flac"}, "flac", 0, 0),
        ("ogg", {"preferred_format": "ogg"}, "opus", 0, 0),
        ("aac", {"preferred_format": "aac"}, "aac", 0, 0),
        (
            "flac at 44.1 kHz",
            {"preferred_format": "flac", "preferred_sample_rate": 44100},
            "linear16",
            1,
            int(HA_CONVERTS_ANY_SAMPLE_OPTION),
        ),
    ],
)
async def test_who_runs_ffmpeg_for_each_speaker(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fake_api: FakeAimlApi,
    ffmpeg_log: Path,
    row: str,
    options: dict[str, Any],
    encoding: str,
    ours: int,
    home_assistant: int,
) -> None:
    """Fails if a row of the README's table is wrong on this Home Assistant version: what
    Aura is asked for, whether Aura TTS runs ffmpeg, whether Home Assistant does."""
    language = "es" if row in ("Voice PE", "ogg") else "en"  # two languages across the rows
    with patch(
        "custom_components.aura_tts.tts.convert_audio", side_effect=convert_audio
    ) as our_conversion:
        status, audio = await tts_audio(
            hass, hass_client, "La puerta está abierta.", options, language
        )
    assert status == 200
    [request] = fake_api.tts_requests()
    assert request.body["encoding"] == encoding
    runs = len(ffmpeg_log.read_text().splitlines())
    assert (our_conversion.call_count, runs - our_conversion.call_count) == (ours, home_assistant)
    assert probe(audio)["format_name"]
    assert await asyncio.to_thread(decoded_seconds, audio) > 1

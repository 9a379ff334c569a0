"""The bundled chimes: every chime in every format Aura makes, decoded cleanly."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.aura_tts.aura.audio import ENCODINGS, AudioFormat, plan_output
from custom_components.aura_tts.aura.chime import (
    BUNDLED_EXTENSIONS,
    CHIME_DIR,
    CHIMES,
    NoChimeError,
    bundled_path,
    chime_audio,
    chime_pcm,
)
from custom_components.aura_tts.aura.silence import CUT_FROM_BUNDLED, silence_path
from tests.audio_checks import decoded_seconds, flac_test, probe

# Every format Aura can be asked for (what plan_output may choose), by encoding and rate.
AURA_FORMATS = [
    AudioFormat("linear16", "wav", rate) for rate in ENCODINGS["linear16"].sample_rates
] + [
    AudioFormat(encoding, None, rate)
    for encoding in BUNDLED_EXTENSIONS
    for rate in ENCODINGS[encoding].sample_rates
]


# What each compressed encoder adds around the samples (delay and padding), seconds.
CODEC_SLACK = {"linear16": 0.0, "flac": 0.0, "mp3": 0.08, "opus": 0.03, "aac": 0.1}


def made_as(fmt: AudioFormat) -> tuple[str, str | None, int]:
    """What Aura makes for ``fmt``, defaults filled in."""
    return fmt.encoding, fmt.effective_container, fmt.effective_sample_rate


def test_every_format_aura_makes_has_every_chime() -> None:
    """plan_output only asks for formats in AURA_FORMATS; each has each chime, no more."""
    made = {made_as(fmt) for fmt in AURA_FORMATS}
    for preferred in ("mp3", "wav", "ogg", "opus", "aac", "flac"):
        for rate in (None, 8000, 16000, 22050, 24000, 32000, 44100, 48000):
            assert made_as(plan_output(preferred, rate).request) in made
    expected = {
        bundled_path(name, fmt).name
        for name in CHIMES
        for fmt in AURA_FORMATS
        if fmt.encoding != "linear16"
    }
    expected |= {silence_path(fmt).name for fmt in AURA_FORMATS if fmt.encoding in CUT_FROM_BUNDLED}
    assert {path.name for path in CHIME_DIR.iterdir()} == expected


@pytest.mark.parametrize("name", sorted(CHIMES))
@pytest.mark.parametrize("fmt", AURA_FORMATS, ids=lambda f: f"{f.encoding}-{f.sample_rate}")
async def test_each_chime_decodes_cleanly_in_each_format(name: str, fmt: AudioFormat) -> None:
    """Fails on a missing or broken file, the wrong rate, or a length outside 0.5-1.5 s."""
    audio = chime_audio(name, fmt)
    facts = await asyncio.to_thread(probe, audio)
    assert int(facts["sample_rate"]) == fmt.effective_sample_rate
    assert facts["channels"] == "1"
    seconds = await asyncio.to_thread(decoded_seconds, audio)
    length = CHIMES[name].length
    assert length <= seconds + 0.001
    assert seconds <= length + CODEC_SLACK[fmt.encoding] + 0.001
    assert 0.5 <= length <= 1.5
    if fmt.encoding == "flac":
        await asyncio.to_thread(flac_test, audio)


@pytest.mark.parametrize("name", sorted(CHIMES))
def test_chime_samples_are_quiet_at_both_ends(name: str) -> None:
    """Peak at -6 dBFS; silent first and last samples, so no click before or after."""
    pcm = chime_pcm(name, 16000)
    samples = memoryview(pcm).cast("h")
    assert max(abs(s) for s in samples) == pytest.approx(16384, abs=2)
    assert samples[0] == 0
    assert abs(samples[-1]) < 10
    assert len(samples) == round(CHIMES[name].length * 16000)


def test_raw_pcm_and_what_there_is_no_chime_for() -> None:
    """Headerless PCM is the samples; G.711 and unknown names are refused, not guessed."""
    assert chime_audio("bell", AudioFormat("linear16", "none", 16000)) == chime_pcm("bell", 16000)
    with pytest.raises(NoChimeError, match="mulaw"):
        chime_audio("bell", AudioFormat("mulaw", "wav", 8000))
    with pytest.raises(NoChimeError, match="gong"):
        chime_pcm("gong", 16000)

"""Silence before the words, made without ffmpeg in every format Aura can be asked for.

Each case fails if the silence is not a valid file of its format (ffmpeg refuses it, or
`flac --test` does), is shorter than asked, longer than asked by more than one frame of
its format, or is not silent (a sample at or above -60 dBFS).
"""

from __future__ import annotations

import pytest

from custom_components.aura_tts.aura import AudioFormat
from custom_components.aura_tts.aura.audio import ENCODINGS
from custom_components.aura_tts.aura.silence import MAX_SILENCE_MS, silence_audio
from tests.audio_checks import decoded_seconds, flac_test, leading_silence_seconds

# One frame of each format, in seconds: how far the silence may run over what was asked.
FRAME = {"linear16": 0.0, "flac": 0.0, "mp3": 576 / 22050, "aac": 1024 / 22050, "opus": 0.02}
FORMATS = [AudioFormat("linear16", "wav", rate) for rate in ENCODINGS["linear16"].sample_rates] + [
    AudioFormat(encoding, None, rate)
    for encoding in ("flac", "mp3", "opus", "aac")
    for rate in ENCODINGS[encoding].sample_rates
]


@pytest.mark.parametrize("milliseconds", [20, 500, MAX_SILENCE_MS])
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f"{f.encoding}-{f.effective_sample_rate}")
def test_silence_in_every_format(fmt: AudioFormat, milliseconds: int) -> None:
    audio = silence_audio(milliseconds, fmt)
    wanted = milliseconds / 1000
    length = decoded_seconds(audio)
    slack = 1 / 24000 + 0.002  # the 24 kHz decode rounds; resampling filters ring briefly
    longest = max(wanted + FRAME[fmt.encoding], 2 * FRAME[fmt.encoding])  # two frames at least
    assert wanted - slack <= length <= longest + slack
    assert leading_silence_seconds(audio) >= length - slack
    if fmt.encoding == "flac":
        flac_test(audio)


def test_raw_pcm_is_zeros_and_the_limits_hold() -> None:
    assert silence_audio(10, AudioFormat("linear16", "none", 8000)) == bytes(160)
    for wrong in (0, -5, MAX_SILENCE_MS + 1):
        with pytest.raises(ValueError, match="silence must be"):
            silence_audio(wrong, AudioFormat("mp3"))

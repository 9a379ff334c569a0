"""Aura's output formats, WAV headers and the plan for a speaker's format."""

from __future__ import annotations

import pytest

from custom_components.aura_tts.aura.audio import (
    UNKNOWN_SIZE,
    AudioFormat,
    parse_wav_header,
    plan_output,
    wav_header,
)


def test_wav_errors_and_streaming_header() -> None:
    with pytest.raises(ValueError, match="RIFF"):
        parse_wav_header(b"ID3 not a wav")
    streamed = parse_wav_header(wav_header(16000))
    assert streamed.data_size == UNKNOWN_SIZE
    with pytest.raises(ValueError, match="no data chunk"):
        parse_wav_header(b"RIFF\0\0\0\0WAVE")


def test_audio_format_rules() -> None:
    assert AudioFormat("mp3").request_fields() == {"encoding": "mp3"}
    assert AudioFormat("linear16", "none", 8000).extension == "pcm"
    assert AudioFormat("mulaw", "none").extension == "mulaw"
    with pytest.raises(ValueError, match="sample rate"):
        AudioFormat("mp3", sample_rate=16000).validate()
    with pytest.raises(ValueError, match="container"):
        AudioFormat("flac", "wav").validate()
    with pytest.raises(ValueError, match="unknown encoding"):
        AudioFormat("speex").validate()


@pytest.mark.parametrize(
    ("wanted", "encoding", "convert"),
    [
        ((None,), "mp3", False),
        (("wav", 16000, 1, 2), "linear16", False),
        (("wav", 44100), "linear16", True),
        (("wav", 16000, 2), "linear16", True),
        (("wav", 16000, 1, 4), "linear16", True),
        (("mp3", 22050), "mp3", False),
        (("mp3", 44100), "linear16", True),
        (("ogg",), "opus", False),
        (("flac",), "flac", False),
        (("flac", 48000, 1, 2), "flac", False),  # Voice PE
        (("flac", 44100), "linear16", True),
        (("flac", 16000, 1, 4), "linear16", True),
        (("aac",), "aac", False),
    ],
)
def test_plan_output(wanted: tuple[object, ...], encoding: str, convert: bool) -> None:
    plan = plan_output(*wanted)  # type: ignore[arg-type]
    assert plan.request.encoding == encoding
    assert plan.convert is convert
    assert plan.extension == (wanted[0] or "mp3")

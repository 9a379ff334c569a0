"""Encode the bundled chimes (custom_components/aura_tts/aura/chimes/) with ffmpeg.

One file per chime and per compressed format and rate Aura can be asked for (FLAC at each
of its rates, mp3, Ogg Opus, AAC), made from the samples custom_components/aura_tts/aura/chime.py
computes, so every format plays the same sound. WAV needs no file: it is made on the spot.
Also the silent files aura/silence.py cuts its mp3, AAC and Opus silence from.

    scripts/py314 sh -c '$AURA_VENVS/test/bin/python scripts/make_chimes.py'
"""

from __future__ import annotations

from pathlib import Path
import subprocess

from custom_components.aura_tts.aura.audio import ENCODINGS, AudioFormat
from custom_components.aura_tts.aura.chime import (
    BUNDLED_EXTENSIONS,
    CHIME_DIR,
    CHIMES,
    bundled_path,
    chime_pcm,
)
from custom_components.aura_tts.aura.silence import (
    CUT_FROM_BUNDLED,
    MAX_SILENCE_MS,
    silence_path,
)

# Encoder settings near what Aura's own answers use; -bitexact keeps the files free of
# encoder version strings, so a re-run with the same ffmpeg gives the same bytes.
ENCODER_ARGS = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-write_xing", "0", "-id3v2_version", "0"],
    "opus": ["-c:a", "libopus", "-b:a", "32k"],
    "aac": ["-c:a", "aac", "-b:a", "64k"],
    "flac": ["-c:a", "flac", "-compression_level", "8"],
}


def formats() -> list[AudioFormat]:
    """Every compressed format (and rate) Aura can be asked for."""
    return [
        AudioFormat(encoding, None, rate)
        for encoding in BUNDLED_EXTENSIONS
        for rate in ENCODINGS[encoding].sample_rates
    ]


def encode(pcm: bytes, audio_format: AudioFormat) -> bytes:
    """16-bit mono ``pcm`` in ``audio_format``, encoded by ffmpeg."""
    rate = audio_format.effective_sample_rate
    command = [
        "ffmpeg", "-hide_banner", "-loglevel", "error",
        "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "-",
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
        *ENCODER_ARGS[audio_format.encoding], "-f", _muxer(audio_format), "-",
    ]  # fmt: skip
    return subprocess.run(command, input=pcm, capture_output=True, check=True).stdout


def _muxer(audio_format: AudioFormat) -> str:
    return {"mp3": "mp3", "opus": "ogg", "aac": "adts", "flac": "flac"}[audio_format.encoding]


def main() -> None:
    """Write every chime file and the silent files, replacing what is there."""
    CHIME_DIR.mkdir(exist_ok=True)
    for old in CHIME_DIR.iterdir():
        old.unlink()
    written: list[Path] = []
    for name in CHIMES:
        for audio_format in formats():
            path = bundled_path(name, audio_format)
            path.write_bytes(
                encode(chime_pcm(name, audio_format.effective_sample_rate), audio_format)
            )
            written.append(path)
    # Silence for the formats aura/silence.py cuts frames from (FLAC and PCM it writes
    # itself): a little over its longest silence, encoder priming included.
    for audio_format in formats():
        if audio_format.encoding in CUT_FROM_BUNDLED:
            rate = audio_format.effective_sample_rate
            path = silence_path(audio_format)
            seconds = MAX_SILENCE_MS / 1000 + 0.25
            path.write_bytes(encode(bytes(2 * round(seconds * rate)), audio_format))
            written.append(path)
    for path in written:
        print(f"{path.relative_to(CHIME_DIR.parent)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

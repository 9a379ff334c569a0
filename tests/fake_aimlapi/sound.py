"""Deterministic "speech" for the fake AI/ML API, in every encoding Aura offers.

The audio is a tone whose pitch depends on the voice and whose length grows with the text
(about the pace of speech), so a test can tell which voice spoke and how much text it read.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
import hashlib
import math
import shutil
import struct

SECONDS_PER_CHARACTER = 0.065  # ~15 characters a second, a calm speaking pace
MIN_SECONDS = 0.3
_PERIOD_SAMPLES = (40, 48, 56, 64, 72, 80)  # tone period choices: 24 kHz -> 600..300 Hz


def speech_seconds(text: str, speed: float = 1.0) -> float:
    """How long the fake speaks ``text`` at ``speed`` (Deepgram's pace setting)."""
    return max(MIN_SECONDS, len(text) * SECONDS_PER_CHARACTER) / speed


def sample_count(text: str, sample_rate: int, speed: float = 1.0) -> int:
    """Samples of audio for ``text`` at ``sample_rate``."""
    return round(speech_seconds(text, speed) * sample_rate)


def voice_period(voice: str) -> int:
    """Tone period (in samples at 24 kHz) that identifies ``voice``."""
    digest = hashlib.sha256(voice.encode()).digest()
    return _PERIOD_SAMPLES[digest[0] % len(_PERIOD_SAMPLES)]


@lru_cache(maxsize=64)
def _period_pcm(period: int) -> bytes:
    return b"".join(
        struct.pack("<h", round(8000 * math.sin(2 * math.pi * i / period))) for i in range(period)
    )


def pcm16(voice: str, text: str, sample_rate: int, speed: float = 1.0) -> bytes:
    """Mono 16-bit little-endian PCM for ``text`` spoken by ``voice`` at ``speed``."""
    # Scale the period with the rate so the pitch is the same at every sample rate.
    period = max(2, round(voice_period(voice) * sample_rate / 24000))
    samples = sample_count(text, sample_rate, speed)
    one = _period_pcm(period)
    whole, rest = divmod(samples, period)
    return one * whole + one[: rest * 2]


def _mulaw(sample: int) -> int:
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), clip) + bias
    exponent = max(0, magnitude.bit_length() - 8)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _alaw(sample: int) -> int:
    sign = 0x00 if sample < 0 else 0x80
    magnitude = min(abs(sample), 32767) >> 3
    if magnitude < 32:
        code = magnitude >> 1
    else:
        exponent = magnitude.bit_length() - 5
        code = (exponent << 4) | ((magnitude >> exponent) & 0x0F)
    return (code | sign) ^ 0x55


def g711(pcm: bytes, law: str) -> bytes:
    """Encode 16-bit PCM as G.711 mu-law or A-law (one byte per sample)."""
    encode = _mulaw if law == "mulaw" else _alaw
    table: dict[int, int] = {}
    out = bytearray(len(pcm) // 2)
    for i, (sample,) in enumerate(struct.iter_unpack("<h", pcm)):
        code = table.get(sample)
        if code is None:
            code = table[sample] = encode(sample)
        out[i] = code
    return bytes(out)


def wav(payload: bytes, sample_rate: int, audio_format: int, sample_width: int) -> bytes:
    """A WAV file around ``payload`` (format 1 PCM, 6 A-law, 7 mu-law)."""
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(payload),
        b"WAVE",
        b"fmt ",
        16,
        audio_format,
        1,
        sample_rate,
        sample_rate * sample_width,
        sample_width,
        sample_width * 8,
        b"data",
        len(payload),
    )
    return header + payload


FFMPEG_FORMATS = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "48k", "-f", "mp3"],
    "opus": ["-c:a", "libopus", "-b:a", "12k", "-f", "ogg"],
    "flac": ["-c:a", "flac", "-f", "flac"],
    "aac": ["-c:a", "aac", "-b:a", "48k", "-f", "adts"],
}


class FfmpegMissingError(RuntimeError):
    """ffmpeg is needed for compressed encodings and is not installed."""


_encoded_cache: dict[tuple[str, int, int, str], bytes] = {}


async def ffmpeg_encode(pcm: bytes, sample_rate: int, encoding: str, out_rate: int) -> bytes:
    """Encode PCM with ffmpeg; fails loudly when ffmpeg is missing or fails."""
    key = (hashlib.sha256(pcm).hexdigest(), sample_rate, out_rate, encoding)
    if cached := _encoded_cache.get(key):
        return cached
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise FfmpegMissingError(f"ffmpeg is needed to produce {encoding} audio")
    process = await asyncio.create_subprocess_exec(
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "s16le",
        "-ar",
        str(sample_rate),
        "-ac",
        "1",
        "-i",
        "pipe:0",
        "-ar",
        str(out_rate),
        *FFMPEG_FORMATS[encoding],
        "pipe:1",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(pcm)
    if process.returncode != 0 or not out:
        raise RuntimeError(f"ffmpeg failed to encode {encoding}: {err.decode(errors='replace')}")
    _encoded_cache[key] = out
    return out

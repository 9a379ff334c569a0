"""Chimes played before an announcement, in the format being streamed (no Home Assistant).

The sounds are made here from a few bell-like notes (no third-party audio). WAV is made on
the spot at whatever rate Aura is asked for; the compressed formats are bundled files that
``scripts/make_chimes.py`` encodes once, with ffmpeg, from the same samples, one per format
and rate Aura can be asked for. So an announcement never runs ffmpeg for its chime, and the
chime can go out while Aura is still starting on the words.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from functools import lru_cache
import math
from pathlib import Path
import sys
from typing import Final

from .audio import AudioFormat, wav_header

CHIME_OFF: Final = "off"
CHIME_DIR: Final = Path(__file__).parent / "chimes"
_PEAK: Final = 0.5  # -6 dBFS: clearly heard, never louder than speech
_FADE_IN: Final = 0.004  # seconds; a note that starts at full level clicks


@dataclass(frozen=True, slots=True)
class Note:
    """One struck note: its pitch, when it starts, and how long it rings."""

    frequency: float  # Hz
    start: float  # seconds
    ring: float  # seconds until it has died away (-60 dB)


@dataclass(frozen=True, slots=True)
class Chime:
    """A sound made of notes; ``length`` is its whole duration in seconds."""

    notes: tuple[Note, ...]
    length: float


CHIMES: Final[dict[str, Chime]] = {
    # Two falling notes, as a doorbell: E5 then C5.
    "ding_dong": Chime((Note(659.26, 0.0, 0.9), Note(523.25, 0.45, 1.05)), 1.5),
    # One bell stroke (A5).
    "bell": Chime((Note(880.0, 0.0, 1.2),), 1.2),
    # Three quick rising notes, C5 E5 G5: "attention".
    "attention": Chime(
        (Note(523.25, 0.0, 0.5), Note(659.26, 0.14, 0.5), Note(783.99, 0.28, 0.5)), 0.8
    ),
}
CHIME_NAMES: Final = (CHIME_OFF, *CHIMES)
# Bell-like partials (relative frequency, relative level): the fundamental and two overtones.
_PARTIALS: Final = ((1.0, 1.0), (2.0, 0.3), (3.01, 0.12))
# Bundled file extension of each compressed encoding Aura can be asked for.
BUNDLED_EXTENSIONS: Final = {"mp3": "mp3", "opus": "ogg", "aac": "aac", "flac": "flac"}


class NoChimeError(ValueError):
    """No chime of that name, or none for that format."""


@lru_cache(maxsize=16)
def chime_pcm(name: str, sample_rate: int) -> bytes:
    """The chime as 16-bit little-endian mono samples at ``sample_rate`` (~0.1 s of CPU)."""
    chime = _chime(name)
    count = round(chime.length * sample_rate)
    mix = [0.0] * count
    for note in chime.notes:
        first = round(note.start * sample_rate)
        decay = math.log(1000.0) / note.ring  # -60 dB after `ring` seconds
        for index in range(first, count):
            t = (index - first) / sample_rate
            level = math.exp(-decay * t) * min(1.0, t / _FADE_IN)
            mix[index] += level * sum(
                weight * math.sin(2 * math.pi * note.frequency * ratio * t)
                for ratio, weight in _PARTIALS
                if note.frequency * ratio < sample_rate / 2  # nothing above Nyquist
            )
    peak = max(abs(value) for value in mix) or 1.0
    # The last 20 ms fade to silence, so the words that follow start from zero.
    tail = round(0.02 * sample_rate)
    samples = array(
        "h",
        (
            round(value / peak * _PEAK * 32767 * min(1.0, (count - index) / tail))
            for index, value in enumerate(mix)
        ),
    )
    if sys.byteorder == "big":  # pragma: no cover - only on big-endian machines
        samples.byteswap()
    return samples.tobytes()


def bundled_path(name: str, audio_format: AudioFormat) -> Path:
    """Where the bundled chime for ``audio_format`` is (compressed encodings only)."""
    _chime(name)
    extension = BUNDLED_EXTENSIONS.get(audio_format.encoding)
    if extension is None:
        raise NoChimeError(f"no bundled chime for {audio_format.encoding}")
    return CHIME_DIR / f"{name}-{audio_format.effective_sample_rate}.{extension}"


def chime_audio(name: str, audio_format: AudioFormat) -> bytes:
    """The chime in ``audio_format``; reads a bundled file (blocking) for compressed ones."""
    if audio_format.encoding == "linear16":
        pcm = chime_pcm(name, audio_format.effective_sample_rate)
        if audio_format.effective_container == "wav":
            return wav_header(audio_format.effective_sample_rate, data_size=len(pcm)) + pcm
        return pcm
    path = bundled_path(name, audio_format)
    try:
        return path.read_bytes()
    except FileNotFoundError as err:
        raise NoChimeError(f"the chime file {path.name} is missing") from err


def _chime(name: str) -> Chime:
    try:
        return CHIMES[name]
    except KeyError:
        raise NoChimeError(f"no chime called {name!r}") from None

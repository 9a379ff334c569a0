"""Pieces of audio in, one stream out: one joiner per container (pure, no I/O).

Long text and Assist answers are spoken in several requests; each answer is a whole file
with its own headers. A joiner takes the bytes of each piece as they arrive and returns what
can go out at once, so the listener gets one valid stream that plays as soon as it starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..audio import AudioFormat
from .adts import AdtsJoiner
from .flac import FlacJoiner
from .mp3 import Mp3Joiner
from .ogg import OggOpusJoiner
from .wav import WavJoiner


class Joiner(Protocol):
    """Feed each piece's bytes, end each piece, finish the stream."""

    single: bool  # set before the first byte when there is only one piece: passed through

    def feed(self, chunk: bytes) -> bytes:
        """Take the next bytes of the current piece; return what goes out now."""

    def end_piece(self) -> bytes:
        """The current piece is complete (raises if it was cut short); return what is left."""

    def finish(self) -> bytes:
        """No more pieces; return what ends the stream."""


class RawJoiner:
    """Headerless PCM or G.711: pieces join as they are."""

    single = False

    def feed(self, chunk: bytes) -> bytes:
        """Pass the bytes on."""
        return chunk

    def end_piece(self) -> bytes:
        """Nothing is held."""
        return b""

    def finish(self) -> bytes:
        """Nothing ends the stream."""
        return b""


def joiner_for(audio_format: AudioFormat) -> Joiner:
    """The joiner for what Aura is asked to make."""
    if audio_format.effective_container == "wav":
        return WavJoiner()
    if audio_format.effective_container == "ogg":
        return OggOpusJoiner()
    joiners: dict[str, type[Joiner]] = {"flac": FlacJoiner, "mp3": Mp3Joiner, "aac": AdtsJoiner}
    return joiners.get(audio_format.encoding, RawJoiner)()


def joined(audio_format: AudioFormat, pieces: Sequence[bytes]) -> bytes:
    """Whole files of ``audio_format`` as one whole file (e.g. silence, then a chime)."""
    if len(pieces) == 1:
        return pieces[0]
    joiner = joiner_for(audio_format)
    out = b"".join(joiner.feed(piece) + joiner.end_piece() for piece in pieces)
    return out + joiner.finish()

"""The WAV joiner with any chunking (property tests); the other containers are in test_join.py."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.aura_tts.aura.audio import (
    UNKNOWN_SIZE,
    parse_wav_header,
    wav_header,
)
from custom_components.aura_tts.aura.errors import BadResponseError
from custom_components.aura_tts.aura.join.wav import WavJoiner


@given(
    lengths=st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=6),
    rate=st.sampled_from([8000, 16000, 24000]),
    chunk=st.integers(min_value=1, max_value=97),
)
def test_wav_joiner_joins_pieces_into_one_stream(lengths: list[int], rate: int, chunk: int) -> None:
    """Pieces arriving in any chunking: one header, then every piece's audio in order."""
    pieces = [
        wav_header(rate, data_size=2 * n) + bytes([i % 256]) * 2 * n for i, n in enumerate(lengths)
    ]
    joiner = WavJoiner()
    out = b""
    for piece in pieces:
        for start in range(0, len(piece), chunk):
            out += joiner.feed(piece[start : start + chunk])
        joiner.end_piece()
    info = parse_wav_header(out)
    assert (info.sample_rate, info.channels, info.sample_width) == (rate, 1, 2)
    assert info.data_size == UNKNOWN_SIZE  # a stream: the length is not known up front
    assert out[info.data_offset :] == b"".join(p[44:] for p in pieces)


def test_wav_joiner_passes_a_single_piece_through() -> None:
    piece = wav_header(16000, data_size=4) + b"abcd"
    joiner = WavJoiner()
    joiner.single = True
    assert joiner.feed(piece) == piece


def test_wav_joiner_refuses_what_is_not_wav() -> None:
    with pytest.raises(BadResponseError, match="not WAV"):
        WavJoiner().feed(b"ID3 an mp3 file")

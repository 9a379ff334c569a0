"""AAC pieces in ADTS (the framing of ``.aac`` streams) joined into one stream of frames."""

from __future__ import annotations

from .frames import Frame, FramedJoiner

_HEADER = 7
_SAMPLE_RATE_INDEXES = 13  # 96000 ... 7350; the others are reserved


def adts_frame(data: bytes | bytearray, start: int) -> Frame | None:
    """The ADTS frame whose header is at ``start``; None if there is none."""
    if start + _HEADER > len(data) or data[start] != 0xFF or data[start + 1] & 0xF6 != 0xF0:
        return None  # 12 sync bits, then layer 0
    rate_index = (data[start + 2] >> 2) & 0x0F
    channels = ((data[start + 2] & 0x01) << 2) | (data[start + 3] >> 6)
    length = ((data[start + 3] & 0x03) << 11) | (data[start + 4] << 3) | (data[start + 5] >> 5)
    header = _HEADER if data[start + 1] & 0x01 else _HEADER + 2  # +CRC
    if rate_index >= _SAMPLE_RATE_INDEXES or length <= header:
        return None
    profile = data[start + 2] >> 6
    return Frame(length, (profile, rate_index, channels))


class AdtsJoiner(FramedJoiner):
    """Join ADTS pieces: every frame stands alone, so only tags between them go."""

    def __init__(self) -> None:
        """Start before the first piece."""
        super().__init__("AAC", _HEADER, adts_frame)

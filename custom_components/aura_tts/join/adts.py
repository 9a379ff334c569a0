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


def samples_in(data: bytes | bytearray, start: int) -> int:
    """Samples in the ADTS frame at ``start`` (1024 per raw data block)."""
    return 1024 * ((data[start + 6] & 0x03) + 1)


class AdtsJoiner(FramedJoiner):
    """Join ADTS pieces: every frame stands alone, so only tags between them go."""

    format_name = "AAC"
    header_size = _HEADER

    def frame_at(self, data: bytes | bytearray, start: int) -> Frame | None:
        """The ADTS frame at ``start``."""
        return adts_frame(data, start)

"""mp3 pieces joined into one stream of audio frames (MPEG audio layer III)."""

from __future__ import annotations

from typing import Final

from .frames import Frame, FramedJoiner, id3v2_size

# Kilobits a second by index, for MPEG-1 and for MPEG-2/2.5 (layer III).
_BITRATES: Final = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES: Final = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_LAYER_3 = 1
_MONO = 3


def samples_per_frame(version: int) -> int:
    """Samples in one layer III frame of MPEG ``version`` (3: MPEG-1, 2: MPEG-2, 0: 2.5)."""
    return 1152 if version == 3 else 576


def mp3_frame(data: bytes | bytearray, start: int) -> Frame | None:
    """The layer III frame whose header is at ``start``; None if there is none."""
    if start + 4 > len(data) or data[start] != 0xFF or data[start + 1] & 0xE0 != 0xE0:
        return None
    version, layer = (data[start + 1] >> 3) & 0x03, (data[start + 1] >> 1) & 0x03
    bitrate_index, rate_index = data[start + 2] >> 4, (data[start + 2] >> 2) & 0x03
    if version == 1 or layer != _LAYER_3 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = _BITRATES[3 if version == 3 else 2][bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[version][rate_index]
    padding = (data[start + 2] >> 1) & 0x01
    length = samples_per_frame(version) // 8 * bitrate // sample_rate + padding
    mono = data[start + 3] >> 6 == _MONO
    return Frame(length, (version, sample_rate, mono), audio=not _describes_file(data, start))


def mp3_seconds(data: bytes) -> float:
    """How long the audio frames of an mp3 stream play; tags and Xing/Info frames add nothing."""
    seconds = 0.0
    position = 0
    while position + 4 <= len(data):
        if data.startswith(b"ID3", position):
            size = id3v2_size(data[position : position + 10])
            position += size or len(data)
            continue
        frame = mp3_frame(data, position)
        if frame is None:
            position += 1  # not a frame header: find the next one
            continue
        if frame.audio:
            version, sample_rate, _ = frame.params
            seconds += samples_per_frame(version) / sample_rate
        position += frame.length
    return seconds


def _describes_file(data: bytes | bytearray, start: int) -> bool:
    """Whether the frame is a Xing/Info/VBRI header (a length and a table, no sound)."""
    version, mono = (data[start + 1] >> 3) & 0x03, data[start + 3] >> 6 == _MONO
    crc = 0 if data[start + 1] & 0x01 else 2
    side_info = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    xing = start + 4 + crc + side_info
    return data[xing : xing + 4] in (b"Xing", b"Info") or data[start + 36 : start + 40] == b"VBRI"


class Mp3Joiner(FramedJoiner):
    """Join mp3 pieces: only audio frames go out (no tags, no Xing/Info/VBRI frames)."""

    def __init__(self) -> None:
        """Start before the first piece."""
        super().__init__("mp3", 4, mp3_frame)

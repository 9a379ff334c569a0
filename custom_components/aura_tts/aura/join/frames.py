"""Joining formats made of self-delimiting frames (mp3, ADTS AAC): keep the audio frames.

Each frame header gives the frame's length, so frames go out the moment they are whole.
Tags (ID3v2 anywhere, ID3v1 at the end) and frames that only describe the file (an mp3's
Xing/Info/VBRI frame, which states one piece's length) are dropped: in a joined stream they
would stop players or make them show the first piece's duration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import BadResponseError

_ID3V2_HEADER = 10
_ID3V1_SIZE = 128
_MAX_TAG = 1024 * 1024  # cover art is not sent with speech


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame header's meaning."""

    length: int  # bytes, header included
    params: tuple[int, ...]  # what must not change in a stream (version, rate, channels)
    audio: bool = True  # False for a frame that only describes the file


def id3v2_size(data: bytes | bytearray) -> int | None:
    """The size of the ID3v2 tag at the start of ``data``; None if its header is incomplete."""
    if len(data) < _ID3V2_HEADER:
        return None
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)  # "synchsafe": 7 bits per byte
    footer = _ID3V2_HEADER if data[5] & 0x10 else 0
    return _ID3V2_HEADER + size + footer


type FrameReader = Callable[[bytes | bytearray, int], Frame | None]


class FramedJoiner:
    """Join pieces of a framed format, whose frame headers ``frame_at`` reads."""

    def __init__(self, format_name: str, header_size: int, frame_at: FrameReader) -> None:
        """Start before the first piece; set ``single`` to pass one whole file through.

        ``header_size`` is how many bytes ``frame_at`` needs to read a frame header.
        """
        self.format_name = format_name
        self.header_size = header_size
        self.frame_at = frame_at
        self.single = False
        self._params: tuple[int, ...] | None = None  # of the stream's first audio frame
        self._buffer = bytearray()
        self._frames_in_piece = 0

    def feed(self, chunk: bytes) -> bytes:
        """Take the next bytes of the current piece; return the whole frames among them."""
        if self.single:
            return chunk
        self._buffer += chunk
        return self._take(final=False)

    def end_piece(self) -> bytes:
        """The current piece is complete; a frame it cut short is an error."""
        if self.single:
            return b""
        out = self._take(final=True)
        buffer, self._buffer = self._buffer, bytearray()
        if len(buffer) >= self.header_size and self.frame_at(buffer, 0) is not None:
            raise BadResponseError("the audio was cut short")
        if not out and not self._frames_in_piece:
            raise BadResponseError(f"the service sent audio that is not {self.format_name}")
        self._frames_in_piece = 0
        return out

    def finish(self) -> bytes:
        """Nothing ends the stream."""
        return b""

    def _take(self, *, final: bool) -> bytes:
        out = bytearray()
        buffer = self._buffer
        while buffer:
            if buffer.startswith((b"ID3", b"TAG")):
                if not self._drop_tag(final=final):
                    break
                continue
            if len(buffer) < self.header_size and not final:
                break
            frame = self.frame_at(buffer, 0) if len(buffer) >= self.header_size else None
            if frame is None:
                if not self._skip_to_next_frame(final=final):
                    break
                continue
            if frame.length > len(buffer):
                break
            if frame.audio:
                if self._params is None:
                    self._params = frame.params
                elif frame.params != self._params:
                    raise BadResponseError(
                        f"the service sent {self.format_name} pieces of different formats"
                    )
                out += buffer[: frame.length]
                self._frames_in_piece += 1
            del buffer[: frame.length]
        return bytes(out)

    def _drop_tag(self, *, final: bool) -> bool:
        """Drop the tag at the start; False when it is not all there yet."""
        buffer = self._buffer
        size = id3v2_size(buffer) if buffer.startswith(b"ID3") else _ID3V1_SIZE
        if size is not None and size > _MAX_TAG:
            raise BadResponseError("the service sent a tag that is too large")
        if size is None or (size > len(buffer) and not final):
            return False
        del buffer[:size]
        return True

    def _skip_to_next_frame(self, *, final: bool) -> bool:
        """Drop bytes up to the next frame or tag; False when more data is needed first."""
        buffer = self._buffer
        # Until the piece ends, the last bytes may be the start of a header or tag.
        end = len(buffer) if final else len(buffer) - max(self.header_size, 3) + 1
        position, found = 1, False
        while position < end and not found:
            if buffer[position] == 0xFF:
                frame = self.frame_at(buffer, position)
                found = frame is not None and self._params in (None, frame.params)
            else:
                found = bytes(buffer[position : position + 3]) in (b"ID3", b"TAG")
            if not found:
                position += 1
        del buffer[:position]  # position 0 holds no frame, so at least one byte goes
        return found

"""Several FLAC files in, one FLAC stream out, frame by frame as they arrive (pure).

Each piece Aura sends is a whole FLAC file: ``fLaC``, metadata, frames numbered from zero.
The stream that goes out has one ``fLaC`` and one STREAMINFO that holds for every piece (no
total length, no MD5, block sizes from 16 to the encoder's largest), then every piece's
frames renumbered as one variable-block-size stream: each frame header carries the number
of its first sample. That is the encoding the format has for blocks of different sizes (the
last block of each piece is short), so every decoder counts samples right.

FLAC frames carry no length: a frame ends where the next frame header begins. A header is
recognised by its sync code, its CRC-8, the stream's own parameters and the number the next
frame must carry, so a sync-like pattern inside audio data is not mistaken for one. A frame
goes out as soon as the next one is seen; a piece's last frame when the piece ends, after
its CRC-16 shows it is whole. Rewriting a header changes the frame's CRC-16; CRCs are linear,
so the new one comes from the old one and the two headers, without reading the audio again.

No library does this: mutagen reads FLAC metadata but not frames. This is written from the
format's specification (RFC 9639).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
import struct
from typing import Final

from ..errors import BadResponseError

MAGIC: Final = b"fLaC"
_STREAMINFO = 0
_STREAMINFO_SIZE = 34
# The FLAC subset (what every encoder makes unless told otherwise) keeps blocks at or below
# 4608 samples up to 48 kHz; decoders allocate by the STREAMINFO maximum, so it stays small.
_SUBSET_MAX_BLOCK = 4608
_MIN_BLOCK = 16
_MAX_HEADER = 16  # sync (2), codes (2), number (up to 7), block size (2), rate (2), CRC-8
_MAX_METADATA = 1024 * 1024  # cover art is not sent with speech
_CRC16_POLY = 0x8005

type _Bytes = bytes | bytearray | memoryview


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What a piece's STREAMINFO says that matters for joining."""

    max_block: int
    sample_rate: int
    channels: int
    bits: int


@dataclass(frozen=True, slots=True)
class FrameHeader:
    """One frame header, enough to find the next and to renumber this one."""

    length: int  # bytes, CRC-8 included
    variable: bool  # True: ``number`` is a sample number; False: a frame number
    number: int
    block_size: int
    params: bytes  # sample rate, channels and bits codes: the same in every frame
    extra: bytes  # the uncommon block size and sample rate bytes, kept as they are

    def next_number(self) -> int:
        """The number the next frame of the same piece must carry."""
        return self.number + (self.block_size if self.variable else 1)


def crc8(data: _Bytes) -> int:
    """The CRC-8 that ends a frame header."""
    crc = 0
    for byte in data:
        crc = _CRC8_TABLE[crc ^ byte]
    return crc


def crc16(data: _Bytes) -> int:
    """The CRC-16 that ends a frame."""
    crc = 0
    table = _CRC16_TABLE
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ byte]
    return crc


def _table(poly: int, width: int) -> tuple[int, ...]:
    top, mask = 1 << (width - 1), (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) if crc & top else crc << 1
        table.append(crc & mask)
    return tuple(table)


_CRC8_TABLE: Final = _table(0x07, 8)
_CRC16_TABLE: Final = _table(_CRC16_POLY, 16)


def _mulmod16(a: int, b: int) -> int:
    """``a * b`` modulo FLAC's CRC-16 polynomial (carry-less, GF(2))."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0x10000:
            a ^= 0x10000 | _CRC16_POLY
    return product


@cache
def _x_power(bits: int) -> int:
    """``x**bits`` modulo the CRC-16 polynomial: the effect of ``bits`` zero bits on a CRC."""
    if bits == 0:
        return 1
    half = _x_power(bits // 2)
    square = _mulmod16(half, half)
    return _mulmod16(square, 2) if bits % 2 else square


def _crc16_after(crc: int, zero_bytes: int) -> int:
    """The CRC-16 of a message followed by ``zero_bytes`` zeros, from the message's CRC."""
    result = 1
    # Powers of two only, so the cache stays a few dozen entries for any length.
    bits = zero_bytes * 8
    power = 1
    while bits:
        if bits & 1:
            result = _mulmod16(result, _x_power(power))
        bits >>= 1
        power <<= 1
    return _mulmod16(crc, result)


def encode_number(value: int) -> bytes:
    """FLAC's UTF-8-like coding of a frame or sample number (up to 36 bits)."""
    if value < 0x80:
        return bytes([value])
    length = 2
    while value >= 1 << (5 * length + 1):
        length += 1
    tail = [0x80 | ((value >> (6 * i)) & 0x3F) for i in range(length - 1)]
    lead = ((0xFF00 >> length) & 0xFF) | (value >> (6 * (length - 1)))
    return bytes([lead, *reversed(tail)])


def _decode_number(data: _Bytes, start: int) -> tuple[int, int] | None:
    """The number coded at ``start`` and its length; None when not validly coded."""
    lead = data[start]
    if lead < 0x80:
        return lead, 1
    length = 8 - (lead ^ 0xFF).bit_length()  # leading one bits
    if not 2 <= length <= 7 or start + length > len(data):
        return None
    value = lead & (0x7F >> length)
    for byte in data[start + 1 : start + length]:
        if byte & 0xC0 != 0x80:
            return None
        value = (value << 6) | (byte & 0x3F)
    return value, length


def _block_size(code: int, extra: _Bytes) -> int:
    """Samples in the block, from its code (1 to 15) and the uncommon size bytes."""
    if code == 1:
        return 192
    if 2 <= code <= 5:
        return 576 << (code - 2)
    if code == 6:
        return extra[0] + 1
    if code == 7:
        return (extra[0] << 8 | extra[1]) + 1
    return 256 << (code - 8)


def parse_frame_header(data: _Bytes, start: int = 0) -> FrameHeader | None:
    """The frame header at ``start``; None when there is none (or not all of it yet)."""
    if start + 5 > len(data) or data[start] != 0xFF or data[start + 1] & 0xFE != 0xF8:
        return None
    size_code, rate_code = data[start + 2] >> 4, data[start + 2] & 0x0F
    channels_code, bits_code = data[start + 3] >> 4, (data[start + 3] >> 1) & 0x07
    if size_code == 0 or rate_code == 15 or channels_code > 10 or bits_code == 3:
        return None  # reserved codes: not a header
    decoded = None if data[start + 3] & 0x01 else _decode_number(data, start + 4)
    if decoded is None:
        return None
    number, number_length = decoded
    extra_length = {6: 1, 7: 2}.get(size_code, 0) + {12: 1, 13: 2, 14: 2}.get(rate_code, 0)
    extra_start = start + 4 + number_length
    end = extra_start + extra_length + 1
    if end > len(data) or crc8(data[start : end - 1]) != data[end - 1]:
        return None
    extra = bytes(data[extra_start : end - 1])
    return FrameHeader(
        length=end - start,
        variable=bool(data[start + 1] & 0x01),
        number=number,
        block_size=_block_size(size_code, extra),
        params=bytes(data[start + 2 : start + 4]),
        extra=extra,
    )


def renumbered(frame: _Bytes, header: FrameHeader, first_sample: int) -> bytes:
    """``frame`` as a variable-block-size frame starting at sample ``first_sample``."""
    new_header = b"\xff\xf9" + header.params + encode_number(first_sample) + header.extra
    new_header += bytes([crc8(new_header)])
    old_header = bytes(frame[: header.length])
    if new_header == old_header:
        return bytes(frame)
    body = frame[header.length : -2]
    (old_crc,) = struct.unpack_from(">H", frame, len(frame) - 2)
    # crc(H + B) = crc(H) * x**len(B) + crc(B): swap the header's term for the new one.
    new_crc = old_crc ^ _crc16_after(crc16(old_header) ^ crc16(new_header), len(body))
    return new_header + bytes(body) + struct.pack(">H", new_crc)


def frame_is_whole(frame: _Bytes) -> bool:
    """Whether ``frame``'s CRC-16 matches its bytes."""
    return len(frame) > 2 and crc16(frame[:-2]) == int.from_bytes(frame[-2:], "big")


def declared_max_block(info: StreamInfo) -> int:
    """The largest block the joined stream declares: the first piece's, or the subset's."""
    return min(65535, max(info.max_block, _SUBSET_MAX_BLOCK))


def streaminfo_block(info: StreamInfo) -> bytes:
    """A last-metadata-block STREAMINFO for a stream of unknown length, block sizes 16 up."""
    max_block = declared_max_block(info)
    packed = (info.sample_rate << 44) | ((info.channels - 1) << 41) | ((info.bits - 1) << 36)
    body = struct.pack(">HH3s3s", _MIN_BLOCK, max_block, bytes(3), bytes(3))
    body += packed.to_bytes(8, "big") + bytes(16)  # total samples unknown, no MD5
    return bytes([0x80 | _STREAMINFO]) + len(body).to_bytes(3, "big") + body


def parse_streaminfo(body: bytes) -> StreamInfo:
    """The parts of a STREAMINFO block body that joining needs."""
    if len(body) < _STREAMINFO_SIZE:
        raise BadResponseError("the service sent a FLAC file with a short STREAMINFO")
    (_, max_block) = struct.unpack_from(">HH", body)
    packed = int.from_bytes(body[10:18], "big")
    return StreamInfo(
        max_block=max_block,
        sample_rate=packed >> 44,
        channels=((packed >> 41) & 0x07) + 1,
        bits=((packed >> 36) & 0x1F) + 1,
    )


class FlacJoiner:
    """Join FLAC pieces into one stream (see the module's description)."""

    def __init__(self) -> None:
        """Start before the first piece; set ``single`` to pass one whole file through."""
        self.single = False
        self._info: StreamInfo | None = None  # the first piece's, which the output declares
        self._samples_out = 0  # samples in the frames already sent
        self._start_piece()

    def _start_piece(self) -> None:
        self._buffer = bytearray()
        self._in_frames = False  # past the metadata
        self._header: FrameHeader | None = None  # of the frame at the buffer's start
        self._search_from = 0
        self._frames_in_piece = 0

    def feed(self, chunk: bytes) -> bytes:
        """Take the next bytes of the current piece; return what goes out now."""
        if self.single:
            return chunk
        self._buffer += chunk
        out = b"" if self._in_frames else self._read_metadata()
        if self._in_frames:
            out += self._complete_frames()
        return out

    def end_piece(self) -> bytes:
        """The current piece is complete: its last frame goes out if it is whole."""
        if self.single:
            return b""
        out = self._complete_frames(final=True) if self._in_frames else b""
        if self._buffer:
            header = self._header or parse_frame_header(self._buffer)
            if header is None or not frame_is_whole(self._buffer):
                raise BadResponseError("the audio was cut short")
            out += self._emit(bytes(self._buffer), header)
        if not self._frames_in_piece:
            raise BadResponseError("the service sent FLAC audio without frames")
        self._start_piece()
        return out

    def _read_metadata(self) -> bytes:
        """Skip ``fLaC`` and the metadata blocks; the first piece's STREAMINFO goes out."""
        buffer = self._buffer
        if len(buffer) < 4:
            if not MAGIC.startswith(buffer):
                raise BadResponseError("the service sent audio that is not FLAC")
            return b""
        if buffer[:4] != MAGIC:
            raise BadResponseError("the service sent audio that is not FLAC")
        offset, info, last = 4, None, False
        while not last:
            if offset + 4 > len(buffer):
                return b""
            last, block_type = bool(buffer[offset] & 0x80), buffer[offset] & 0x7F
            length = int.from_bytes(buffer[offset + 1 : offset + 4], "big")
            if offset + 4 + length > len(buffer):
                if length > _MAX_METADATA:
                    raise BadResponseError("the service sent FLAC metadata that is too large")
                return b""
            if block_type == _STREAMINFO:
                info = parse_streaminfo(bytes(buffer[offset + 4 : offset + 4 + length]))
            offset += 4 + length
        if info is None:
            raise BadResponseError("the service sent FLAC without STREAMINFO")
        del buffer[:offset]
        self._in_frames = True
        if self._info is None:
            self._info = info
            return MAGIC + streaminfo_block(info)
        if (info.sample_rate, info.channels, info.bits) != (
            self._info.sample_rate,
            self._info.channels,
            self._info.bits,
        ):
            raise BadResponseError("the service sent FLAC pieces of different formats")
        return b""

    def _complete_frames(self, *, final: bool = False) -> bytes:
        """Every frame whose successor has begun, renumbered."""
        out = bytearray()
        buffer = self._buffer
        while True:
            header = self._header
            if header is None:
                header = parse_frame_header(buffer)
                if header is None:
                    if len(buffer) >= _MAX_HEADER:
                        raise BadResponseError("the service sent a damaged FLAC frame")
                    break
                self._header = header
                self._search_from = header.length
            end = self._next_frame_start(header, final=final)
            if end is None:
                break
            out += self._emit(bytes(buffer[:end]), header)
            del buffer[:end]
            self._header = None
        return bytes(out)

    def _next_frame_start(self, header: FrameHeader, *, final: bool) -> int | None:
        """Where the frame after the one at the buffer's start begins, once it is there.

        Until the piece ends, a candidate too near the end to be read whole is waited for.
        """
        buffer = self._buffer
        expected = header.next_number()
        position = self._search_from
        while (position := buffer.find(0xFF, position)) != -1:
            candidate = parse_frame_header(buffer, position)
            if candidate is None and not final and position + _MAX_HEADER > len(buffer):
                self._search_from = position
                return None
            if (
                candidate is not None
                and candidate.number == expected
                and candidate.variable == header.variable
                and candidate.params[1] == header.params[1]
                and candidate.params[0] & 0x0F == header.params[0] & 0x0F
            ):
                return position
            position += 1
        self._search_from = len(buffer)
        return None

    def _emit(self, frame: bytes, header: FrameHeader) -> bytes:
        info = self._info
        assert info is not None
        if header.block_size > declared_max_block(info):
            raise BadResponseError("the service sent a FLAC block larger than declared")
        out = renumbered(frame, header, self._samples_out)
        self._samples_out += header.block_size
        self._frames_in_piece += 1
        return out

    def finish(self) -> bytes:
        """Nothing ends a FLAC stream."""
        return b""

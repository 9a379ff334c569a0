"""Ogg Opus pieces in, one logical Ogg Opus stream out, page by page as they arrive.

Each piece is a whole Ogg Opus file: its own serial number, OpusHead and OpusTags, pages
numbered from zero and an end-of-stream page. Chained one after another they make a "chained"
Ogg file, which players treat as separate tracks (and report the first one's duration). The
stream that goes out is one logical stream: the first piece's serial number and headers, page
numbers that continue, and granule positions that count every sample decoded so far; one
empty end-of-stream page closes it.

Not sample-exact, by the format's design: Ogg Opus trims samples only at the very start
(pre-skip) and the very end (the last page's granule position). Each later piece keeps its
encoder's priming (pre-skip, 6.5 ms with libopus) and the padding of its last packet (under
one frame), a few milliseconds of near silence between sentences.

Pages are read and written with mutagen (which Home Assistant's ``tts`` installs): it parses
the lacing and computes the page checksum. What is written here is the bookkeeping: which
pages to drop, page numbers and granule positions (from each packet's TOC byte, RFC 6716).
"""

from __future__ import annotations

from io import BytesIO
from typing import Final

from mutagen.ogg import OggPage

from ..errors import BadResponseError

_PAGE_HEADER: Final = 27
_HEADER_PACKETS: Final = 2  # OpusHead, OpusTags
_NO_PACKET_ENDS: Final = -1  # the granule position of a page on which no packet ends
_FRAME_SAMPLES_BY_CONFIG: Final = (
    (480, 960, 1920, 2880) * 3  # SILK: 10, 20, 40, 60 ms
    + (480, 960) * 2  # hybrid: 10, 20 ms
    + (120, 240, 480, 960) * 4  # CELT: 2.5, 5, 10, 20 ms
)


def packet_samples(packet: bytes) -> int:
    """Samples (at 48 kHz) an Opus packet decodes to, from its TOC byte (RFC 6716, 3.1)."""
    if not packet:
        return 0
    toc = packet[0]
    frame = _FRAME_SAMPLES_BY_CONFIG[toc >> 3]
    code = toc & 0x03
    if code == 0:
        return frame
    if code in (1, 2):
        return 2 * frame
    return frame * (packet[1] & 0x3F) if len(packet) > 1 else 0


def page_length(data: bytes | bytearray) -> int | None:
    """The length of the Ogg page at the start of ``data``; None until its header is there."""
    if len(data) < _PAGE_HEADER:
        return None
    segments = data[_PAGE_HEADER - 1]
    if len(data) < _PAGE_HEADER + segments:
        return None
    return _PAGE_HEADER + segments + sum(data[_PAGE_HEADER : _PAGE_HEADER + segments])


def read_page(data: bytes) -> OggPage:
    """One whole page."""
    return OggPage(BytesIO(data))  # type: ignore[no-untyped-call]


def write_page(page: OggPage) -> bytes:
    """A page's bytes, checksum included."""
    data: bytes = page.write()  # type: ignore[no-untyped-call]
    return data


class OggOpusJoiner:
    """Join Ogg Opus pieces into one logical stream (see the module's description)."""

    def __init__(self) -> None:
        """Start before the first piece; set ``single`` to pass one whole file through."""
        self.single = False
        self._serial: int | None = None  # the first piece's, which the stream keeps
        self._channels: int | None = None
        self._pieces_done = 0
        self._sequence = 0  # the next page's number
        self._granule = 0  # samples of every audio packet that has ended so far
        self._start_piece()

    def _start_piece(self) -> None:
        self._buffer = bytearray()
        self._packets_ended = 0  # packets of this piece (headers included)
        self._open_packet = b""  # the start of a packet that continues on the next page

    def feed(self, chunk: bytes) -> bytes:
        """Take the next bytes of the current piece; return the whole pages among them."""
        if self.single:
            return chunk
        self._buffer += chunk
        out = bytearray()
        while (length := page_length(self._buffer)) is not None and length <= len(self._buffer):
            if not self._buffer.startswith(b"OggS"):
                break
            page = read_page(bytes(self._buffer[:length]))
            del self._buffer[:length]
            out += self._page(page)
        if len(self._buffer) >= 4 and not self._buffer.startswith(b"OggS"):
            raise BadResponseError("the service sent audio that is not Ogg")
        return bytes(out)

    def end_piece(self) -> bytes:
        """The current piece is complete; a page it cut short is an error."""
        if self.single:
            return b""
        if self._buffer or self._open_packet:
            raise BadResponseError("the audio was cut short")
        if self._packets_ended <= _HEADER_PACKETS:
            raise BadResponseError("the service sent Ogg audio without Opus packets")
        self._pieces_done += 1
        self._start_piece()
        return b""

    def finish(self) -> bytes:
        """The empty page that ends the logical stream."""
        if self.single or self._serial is None:
            return b""
        page = OggPage()  # type: ignore[no-untyped-call]
        page.serial, page.sequence, page.position = self._serial, self._sequence, _NO_PACKET_ENDS
        page.last = True
        return write_page(page)

    def _page(self, page: OggPage) -> bytes:
        """One input page as it goes out; nothing for a later piece's header pages."""
        # Header pages hold only header packets (RFC 7845, 3), so one test tells them apart.
        header_page = self._packets_ended < _HEADER_PACKETS
        packets: list[bytes] = list(page.packets)
        if page.continued and packets:
            packets[0] = self._open_packet + packets[0]
        ended = packets if page.complete else packets[:-1]
        self._open_packet = packets[-1] if packets and not page.complete else b""
        for packet in ended:
            if self._packets_ended == 0:
                self._check_head(packet)
            elif self._packets_ended >= _HEADER_PACKETS:
                self._granule += packet_samples(packet)
            self._packets_ended += 1
        if header_page and self._pieces_done:
            return b""
        if self._serial is None:
            self._serial = page.serial
        page.serial, page.sequence = self._serial, self._sequence
        page.position = self._granule if ended else _NO_PACKET_ENDS
        page.first, page.last = self._sequence == 0, False
        self._sequence += 1
        return write_page(page)

    def _check_head(self, packet: bytes) -> None:
        if not packet.startswith(b"OpusHead") or len(packet) < 19:
            raise BadResponseError("the service sent Ogg audio that is not Opus")
        channels = packet[9]
        if self._channels is None:
            self._channels = channels
        elif channels != self._channels:
            raise BadResponseError("the service sent Opus pieces of different formats")

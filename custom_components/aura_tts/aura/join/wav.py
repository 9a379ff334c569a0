"""Several WAV files in, one WAV stream out: the first header, then only audio data."""

from __future__ import annotations

from ..audio import WavInfo, parse_wav_header, wav_header
from ..errors import BadResponseError

_STREAMED_SIZE = 0x7FFF0000  # WAV sizes at or above this are placeholders of a stream


class WavJoiner:
    """Join WAV pieces; the header says "length unknown", as a stream's must.

    It also checks each piece against the size its header declares, so audio cut short
    upstream is an error rather than a silently shorter announcement.
    """

    def __init__(self) -> None:
        """Start before the first piece; set ``single`` to pass one whole WAV through."""
        self.single = False
        self._pending = b""
        self._info: WavInfo | None = None  # the current piece's header, once complete
        self._received = 0  # audio bytes of the current piece
        self._header_sent = False

    def feed(self, chunk: bytes) -> bytes:
        """Take the next bytes of the current piece; return what goes out now."""
        if self._info is not None:
            self._received += len(chunk)
            return chunk
        self._pending += chunk
        try:
            info = parse_wav_header(self._pending)
        except ValueError as err:
            if len(self._pending) > 64 * 1024 or not b"RIFF".startswith(self._pending[:4]):
                raise BadResponseError("the service sent audio that is not WAV") from err
            return b""  # the header is not complete yet
        self._info = info
        whole, self._pending = self._pending, b""
        data = whole[info.data_offset :]
        self._received = len(data)
        first = not self._header_sent
        self._header_sent = True
        if self.single:
            return whole  # Aura's own header, byte for byte
        if not first:
            return data
        header = wav_header(
            info.sample_rate, info.channels, info.sample_width, audio_format=info.audio_format
        )
        return header + data

    def end_piece(self) -> bytes:
        """The current piece is complete; the next one starts with its own header."""
        info, self._info, self._pending = self._info, None, b""
        if info is None:
            raise BadResponseError("the service sent an incomplete WAV header")
        declared = info.data_size
        # Streamed WAVs declare no size (0 or the maximum); only a real size is checked.
        if 0 < declared < _STREAMED_SIZE and self._received < declared:
            raise BadResponseError("the audio was cut short")
        return b""

    def finish(self) -> bytes:
        """Nothing ends a WAV stream."""
        return b""

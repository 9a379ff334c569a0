"""Digital silence in any format Aura makes, without an encoder (no Home Assistant).

Said before the words, it gives a speaker that wakes up late (a Cast group, a Bluetooth
speaker) time to start playing, so it does not swallow the first word. The silence is a
whole file in the format being streamed, joined before the chime and the words like a chime.

- WAV and raw PCM: zero samples.
- FLAC: written here, one CONSTANT subframe per block (RFC 9639, 9.2.1): a few bytes a block.
- mp3, AAC: frames cut from a bundled silent file (``chimes/silence-<rate>.<ext>``, made by
  ``scripts/make_chimes.py``); their frames stand alone, so any number of them is a file.
- Ogg Opus: the bundled file's headers and as many of its silent packets as needed, on new
  pages (mutagen writes them, as for the joiner).

The length is rounded up to whole frames of the format (26 ms for mp3, 46 ms for AAC, 20 ms
for Opus), and mp3 and AAC take two frames at least; FLAC and PCM are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
import math
from pathlib import Path
from typing import Final

from mutagen.ogg import OggPage

from .audio import AudioFormat, wav_header
from .chime import BUNDLED_EXTENSIONS, CHIME_DIR, NoChimeError
from .join.adts import adts_frame
from .join.flac import MAGIC, StreamInfo, crc8, crc16, encode_number, streaminfo_block
from .join.frames import Frame
from .join.mp3 import mp3_frame, samples_per_frame
from .join.ogg import packet_samples, page_length, read_page, write_page

MAX_SILENCE_MS: Final = 2000
CUT_FROM_BUNDLED: Final = ("mp3", "aac", "opus")  # the encodings with a bundled silent file
_FLAC_BLOCK: Final = 4096
# FLAC's frame-header codes of the sample rates Aura makes (RFC 9639, 9.1.2).
_FLAC_RATE_CODES: Final = {8000: 4, 16000: 5, 22050: 6, 24000: 7, 32000: 8, 44100: 9, 48000: 10}
_FLAC_MONO_16_BIT: Final = 0x08  # channels code 0 (mono), bits code 4 (16), reserved 0
_AAC_FRAME: Final = 1024
_OPUS_RATE: Final = 48000
_OGG_HEADER_PACKETS: Final = 2

type _FrameReader = Callable[[bytes, int], Frame | None]
type _SamplesOf = Callable[[tuple[int, ...]], int]


def silence_audio(milliseconds: int, audio_format: AudioFormat) -> bytes:
    """At least ``milliseconds`` (1 to MAX_SILENCE_MS) of silence, as a whole file."""
    if not 0 < milliseconds <= MAX_SILENCE_MS:
        raise ValueError(f"silence must be 1 to {MAX_SILENCE_MS} ms, not {milliseconds}")
    rate = audio_format.effective_sample_rate
    samples = math.ceil(milliseconds * rate / 1000)
    encoding = audio_format.encoding
    if encoding == "linear16":
        pcm = bytes(2 * samples)
        if audio_format.effective_container == "wav":
            return wav_header(rate, data_size=len(pcm)) + pcm
        return pcm
    if encoding == "flac":
        return _flac_silence(samples, rate)
    bundled = _bundled(audio_format)
    if encoding == "mp3":
        return _frames(bundled, samples, mp3_frame, lambda frame: samples_per_frame(frame[0]))
    if encoding == "aac":
        return _frames(bundled, samples, adts_frame, lambda _: _AAC_FRAME)
    if encoding == "opus":
        return _opus_silence(bundled, math.ceil(milliseconds * _OPUS_RATE / 1000))
    raise NoChimeError(f"no silence for {encoding}")


def silence_path(audio_format: AudioFormat) -> Path:
    """Where the bundled silent file of ``audio_format`` is (mp3, AAC and Opus only)."""
    extension = BUNDLED_EXTENSIONS[audio_format.encoding]
    return CHIME_DIR / f"silence-{audio_format.effective_sample_rate}.{extension}"


@lru_cache(maxsize=8)
def _bundled(audio_format: AudioFormat) -> bytes:
    """The bundled silent file of ``audio_format`` (read once; blocking)."""
    path = silence_path(audio_format)
    try:
        return path.read_bytes()
    except FileNotFoundError as err:
        raise NoChimeError(f"the silence file {path.name} is missing") from err


def _frames(
    data: bytes,
    samples: int,
    frame_at: _FrameReader,
    samples_of: _SamplesOf,
) -> bytes:
    """The first audio frames of ``data`` that hold at least ``samples`` samples."""
    position = held = frames = 0
    # Two frames at least: players (and ffmpeg) recognise mp3 by two frames in a row.
    while held < samples or frames < 2:
        frame = frame_at(data, position)
        if frame is None:
            raise NoChimeError("the bundled silence is too short or damaged")
        if frame.audio:
            held += samples_of(frame.params)
            frames += 1
        position += frame.length
    return data[:position]


def _flac_silence(samples: int, rate: int) -> bytes:
    """A FLAC file of ``samples`` zero samples (mono, 16 bits) in variable-size blocks."""
    out = bytearray(MAGIC + streaminfo_block(StreamInfo(_FLAC_BLOCK, rate, 1, 16)))
    first = 0
    while first < samples:
        block = min(_FLAC_BLOCK, samples - first)
        # Block size code 7: the size minus one in 16 bits after the sample number.
        header = bytes([0xFF, 0xF9, 0x70 | _FLAC_RATE_CODES[rate], _FLAC_MONO_16_BIT])
        header += encode_number(first) + (block - 1).to_bytes(2, "big")
        header += bytes([crc8(header)])
        frame = header + b"\x00" + b"\x00\x00"  # CONSTANT subframe, value 0
        out += frame + crc16(frame).to_bytes(2, "big")
        first += block
    return bytes(out)


def _opus_silence(bundled: bytes, samples: int) -> bytes:
    """An Ogg Opus file: the bundled headers, then silent packets for ``samples`` at 48 kHz."""
    packets = _ogg_packets(bundled)
    head, tags, audio = packets[0], packets[1], packets[_OGG_HEADER_PACKETS:]
    pre_skip = int.from_bytes(head[10:12], "little")
    chosen: list[bytes] = []
    granule = 0
    for packet in audio:
        if granule - pre_skip >= samples:
            break
        chosen.append(packet)
        granule += packet_samples(packet)
    if granule - pre_skip < samples:
        raise NoChimeError("the bundled silence is too short")
    serial = read_page(bundled[: page_length(bundled)]).serial
    pages = [([head], 0), ([tags], 0), (chosen, granule)]
    out = bytearray()
    for sequence, (content, position) in enumerate(pages):
        page = OggPage()  # type: ignore[no-untyped-call]
        page.serial, page.sequence, page.position = serial, sequence, position
        page.packets = content
        page.first, page.last = sequence == 0, sequence == len(pages) - 1
        out += write_page(page)
    return bytes(out)


def _ogg_packets(data: bytes) -> list[bytes]:
    """Every packet of an Ogg file, in order."""
    packets: list[bytes] = []
    open_packet = b""
    position = 0
    while (length := page_length(data[position:])) is not None:
        page = read_page(data[position : position + length])
        position += length
        content: list[bytes] = list(page.packets)
        if page.continued and content:
            content[0] = open_packet + content[0]
        open_packet = content.pop() if content and not page.complete else b""
        packets += content
    return packets

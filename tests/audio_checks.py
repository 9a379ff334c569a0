"""Audio checked by the real decoders (ffmpeg, ffprobe, the reference flac), for every suite.

No Home Assistant imports: the end-to-end tests (e2e/) use these too.
"""

from __future__ import annotations

from array import array
import io
import shutil
import struct
import subprocess
import wave

DECODE_RATE = 24000


def decoded_seconds(
    audio: bytes, input_format: str | None = None, input_rate: int | None = None
) -> float:
    """Duration of any audio file, as ffmpeg decodes it (see decoded_pcm)."""
    return len(decoded_pcm(audio, input_format, input_rate)) / 2 / DECODE_RATE


def leading_silence_seconds(audio: bytes, below_dbfs: float = -60.0) -> float:
    """How long the decoded audio stays below ``below_dbfs`` from its start."""
    limit = 32768 * 10 ** (below_dbfs / 20)
    samples = array("h", decoded_pcm(audio))
    loud = next((i for i, sample in enumerate(samples) if abs(sample) >= limit), len(samples))
    return loud / DECODE_RATE


def decoded_pcm(
    audio: bytes, input_format: str | None = None, input_rate: int | None = None
) -> bytes:
    """Any audio file as ffmpeg decodes it: 16-bit mono PCM at DECODE_RATE.

    A raw stream (no container) needs its ``input_format`` and ``input_rate`` told.

    Raises CalledProcessError when ffmpeg reports any error while decoding. One exception: a
    streamed WAV (its header says "unknown length", 0xFFFFFFFF, as Home Assistant's own
    streamed WAVs do) ends before the size it declares, which ffmpeg reports as a corrupt
    last packet; that one report is expected, anything else is an error.
    """
    streamed_wav = audio[:4] == b"RIFF" and audio[4:8] == b"\xff\xff\xff\xff"
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error"]
    command += [] if streamed_wav else ["-xerror"]
    if input_format:
        command += ["-f", input_format]
    if input_rate:
        command += ["-ar", str(input_rate), "-ac", "1"]
    command += ["-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(DECODE_RATE), "pipe:1"]
    result = subprocess.run(command, input=audio, capture_output=True, check=True)
    problems = [
        line
        for line in result.stderr.decode(errors="replace").splitlines()
        if not (streamed_wav and "corrupt input packet" in line)
    ]
    if problems:
        raise subprocess.CalledProcessError(1, command, result.stdout, result.stderr)
    return result.stdout


def probe(audio: bytes) -> dict[str, str]:
    """Container and first stream as ffprobe reads them: format_name, codec_name,
    sample_rate, channels, sample_fmt."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=format_name:stream=codec_name,sample_rate,channels,sample_fmt",
            "-of",
            "default=noprint_wrappers=1",
            "pipe:0",
        ],
        input=audio,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return dict(line.split("=", 1) for line in out.split())


def flac_test(audio: bytes) -> None:
    """The reference decoder's strict check (Debian's flac); raises when it finds a problem.

    ``flac --test`` exits 0 even when it warns (frame numbers that do not follow, which
    breaks seeking and some players); any warning counts here, except the one about an MD5
    signature that a stream cannot have.
    """
    flac = shutil.which("flac")
    assert flac, "the reference flac decoder is missing (Debian package flac)"
    command = [flac, "--test", "--silent", "-"]
    result = subprocess.run(command, input=audio, capture_output=True, check=True)
    problems = [
        line
        for line in result.stderr.decode(errors="replace").splitlines()
        if ("WARNING" in line or "ERROR" in line) and "MD5 signature" not in line
    ]
    if problems:
        raise subprocess.CalledProcessError(1, command, result.stdout, "\n".join(problems[:5]))


def ogg_pages(audio: bytes) -> list[tuple[int, int, int, int]]:
    """(flags, granule position, serial, sequence) of every Ogg page."""
    pages, offset = [], 0
    while offset < len(audio):
        assert audio[offset : offset + 4] == b"OggS"
        flags, granule, serial, sequence = struct.unpack_from("<xBqII", audio, offset + 4)
        segments = audio[offset + 26]
        body = sum(audio[offset + 27 : offset + 27 + segments])
        pages.append((flags, granule, serial, sequence))
        offset += 27 + segments + body
    return pages


def wav_facts(data: bytes) -> tuple[int, int, int, float]:
    """Rate, channels, sample width and duration of a WAV file, read with ``wave``.

    The duration counts the audio bytes actually present: a streamed WAV's header says
    "unknown length" (0xFFFFFFFF), which ``wave`` takes literally.
    """
    with wave.open(io.BytesIO(data)) as reader:
        rate, channels, width = reader.getframerate(), reader.getnchannels(), reader.getsampwidth()
        audio = reader.readframes(reader.getnframes())
    return rate, channels, width, len(audio) / (rate * channels * width)

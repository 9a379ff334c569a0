"""Conversion with Home Assistant's ffmpeg, only for formats Aura cannot produce itself.

Every combination Home Assistant can ask for (``preferred_format`` mp3, wav, ogg, opus, aac
or flac; 8-96 kHz; mono or stereo; 1, 2 or 4 bytes a sample) gives decodable audio: where a
format cannot carry a setting, the nearest it can is made instead of an error (Opus has five
sample rates, mp3 nine; compressed formats have no sample width; FLAC has no 8-bit samples).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import contextlib
import logging

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)
_CHUNK_SIZE = 16 * 1024
_STDERR_LIMIT = 2000

MP3_RATES: tuple[int, ...] = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
OPUS_RATES: tuple[int, ...] = (8000, 12000, 16000, 24000, 48000)
AAC_RATES: tuple[int, ...] = (7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000)
AAC_RATES += (44100, 48000, 64000, 88200, 96000)
_PCM_CODECS = {1: "pcm_u8", 2: "pcm_s16le", 4: "pcm_s32le"}


def nearest(rates: tuple[int, ...], wanted: int) -> int:
    """The rate of ``rates`` closest to ``wanted`` (the higher one on a tie)."""
    return min(rates, key=lambda rate: (abs(rate - wanted), -rate))


def ffmpeg_output_args(
    to_format: str, sample_rate: int | None, channels: int | None, sample_bytes: int | None
) -> list[str]:
    """Ffmpeg's output options for ``to_format`` with the wanted properties, or the nearest."""
    rates: tuple[int, ...] | None = None
    match to_format:
        case "wav":
            args = ["-f", "wav", "-c:a", _PCM_CODECS.get(sample_bytes or 2, "pcm_s16le")]
        case "mp3":
            # No ID3 tag: Home Assistant 2026.3-2026.10 tags cached mp3s itself, and logs an
            # error when a tag is already there.
            args = ["-f", "mp3", "-c:a", "libmp3lame", "-q:a", "2", "-id3v2_version", "0"]
            rates = MP3_RATES
        case "ogg" | "opus":
            args, rates = ["-f", to_format, "-c:a", "libopus"], OPUS_RATES
        case "aac":
            # ADTS: the raw AAC stream that ".aac" files and players expect.
            args, rates = ["-f", "adts", "-c:a", "aac"], AAC_RATES
        case "flac":
            width = "s32" if sample_bytes == 4 else "s16"
            args = ["-f", "flac", "-c:a", "flac", "-sample_fmt", width]
        case _:
            raise ValueError(f"no conversion to {to_format}")
    if sample_rate is not None:
        args += ["-ar", str(nearest(rates, sample_rate) if rates else sample_rate)]
    if channels is not None:
        args += ["-ac", str(channels)]
    return args


async def convert_audio(
    hass: HomeAssistant,
    wav_audio: AsyncGenerator[bytes],
    to_format: str,
    sample_rate: int | None,
    channels: int | None,
    sample_bytes: int | None,
) -> AsyncGenerator[bytes]:
    """Turn a WAV stream into ``to_format`` as it arrives.

    If ffmpeg fails, its own words go to the log and the requests upstream stop at once.
    """
    command = [get_ffmpeg_manager(hass).binary, "-hide_banner", "-loglevel", "error"]
    command += ["-f", "wav", "-probesize", "32", "-i", "pipe:0"]
    command += ffmpeg_output_args(to_format, sample_rate, channels, sample_bytes)
    command += ["-fflags", "+bitexact", "pipe:1"]
    failed = HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="conversion_failed",
        translation_placeholders={"format": to_format},
    )
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as err:  # no ffmpeg where Home Assistant's ffmpeg settings point
        await wav_audio.aclose()
        _LOGGER.error("ffmpeg could not be started (%s): %s", command[0], err)  # noqa: TRY400
        raise failed from err
    assert process.stdin is not None
    assert process.stdout is not None
    assert process.stderr is not None
    stdin, stdout, stderr = process.stdin, process.stdout, process.stderr

    async def feed() -> None:
        try:
            async for chunk in wav_audio:
                stdin.write(chunk)
                await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass  # ffmpeg stopped reading: its exit code says why
        finally:
            stdin.close()

    feeder = asyncio.create_task(feed())
    try:
        while chunk := await stdout.read(_CHUNK_SIZE):
            yield chunk
        code = await process.wait()
        if feeder.done():
            await feeder  # the service's error comes first: it is what went wrong
        if code != 0:
            words = (await stderr.read(_STDERR_LIMIT)).decode(errors="replace").strip()
            _LOGGER.error(
                "ffmpeg could not convert to %s (exit code %s): %s", to_format, code, words
            )
            raise failed
        await feeder
    finally:
        feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError, BrokenPipeError, ConnectionResetError):
            await feeder
        await wav_audio.aclose()  # stops the requests upstream at once
        if process.returncode is None:
            process.kill()
            await process.wait()

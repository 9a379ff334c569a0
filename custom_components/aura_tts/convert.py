"""Conversion with Home Assistant's ffmpeg, only for formats Aura cannot produce itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import contextlib

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN

_CHUNK_SIZE = 16 * 1024
_FFMPEG_FORMATS = {"ogg": "ogg", "opus": "opus", "wav": "wav", "mp3": "mp3", "flac": "flac"}


async def convert_wav(
    hass: HomeAssistant,
    wav_audio: AsyncGenerator[bytes],
    to_format: str,
    sample_rate: int | None,
    channels: int | None,
    sample_bytes: int | None,
) -> AsyncGenerator[bytes]:
    """Turn a WAV stream into ``to_format`` as it arrives."""
    command = [get_ffmpeg_manager(hass).binary, "-hide_banner", "-loglevel", "error"]
    command += ["-f", "wav", "-probesize", "32", "-i", "pipe:0"]
    command += ["-f", _FFMPEG_FORMATS.get(to_format, to_format)]
    if sample_rate is not None:
        command += ["-ar", str(sample_rate)]
    if channels is not None:
        command += ["-ac", str(channels)]
    if sample_bytes is not None:
        command += ["-sample_fmt", {1: "u8", 2: "s16", 4: "s32"}.get(sample_bytes, "s16")]
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
        raise failed from err
    assert process.stdin is not None
    assert process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    async def feed() -> None:
        try:
            async for chunk in wav_audio:
                stdin.write(chunk)
                await stdin.drain()
        finally:
            stdin.close()

    feeder = asyncio.create_task(feed())
    try:
        while chunk := await stdout.read(_CHUNK_SIZE):
            yield chunk
        await feeder  # raises what the audio source raised
        if await process.wait() != 0:
            raise failed
    finally:
        feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError, BrokenPipeError, ConnectionResetError):
            await feeder
        await wav_audio.aclose()  # stops the requests upstream at once
        if process.returncode is None:
            process.kill()
            await process.wait()

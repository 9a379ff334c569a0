"""ReplayableText: the message kept for the fallback, read again from its start."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest

from custom_components.aura_tts.aura.replay import ReplayableText


async def _read(reader: AsyncGenerator[str], count: int | None = None) -> list[str]:
    chunks = []
    async for chunk in reader:
        chunks.append(chunk)
        if count is not None and len(chunks) == count:
            break
    return chunks


async def test_a_second_reader_gets_what_the_first_read_and_the_rest() -> None:
    """The first reader stops part way (Aura failed); the second gets every chunk, those
    still to be written included. Fails if stopping the first reader stops the source."""
    more = asyncio.Event()

    async def written() -> AsyncGenerator[str]:
        yield "The kitchen "
        yield "lights "
        await more.wait()
        yield "are on."

    text = ReplayableText(written())
    first = text.reader()
    assert await _read(first, 2) == ["The kitchen ", "lights "]
    await first.aclose()
    second = asyncio.ensure_future(_read(text.reader()))
    await asyncio.sleep(0)
    assert not second.done()  # it waits for the words still to come
    more.set()
    assert await second == ["The kitchen ", "lights ", "are on."]
    await text.aclose()


async def test_every_reader_gets_the_sources_error() -> None:
    async def broken() -> AsyncGenerator[str]:
        yield "Hola "
        raise ValueError("the agent failed")

    text = ReplayableText(broken())
    for _ in range(2):
        with pytest.raises(ValueError, match="the agent failed"):
            await _read(text.reader())


async def test_closing_stops_a_source_that_never_ends() -> None:
    stopped = asyncio.Event()

    async def endless() -> AsyncGenerator[str]:
        try:
            while True:
                yield "word "
                await asyncio.sleep(0.01)
        finally:
            stopped.set()

    text = ReplayableText(endless())
    assert await _read(text.reader(), 3) == ["word "] * 3
    await text.aclose()
    assert stopped.is_set()
    await text.aclose()  # twice is harmless

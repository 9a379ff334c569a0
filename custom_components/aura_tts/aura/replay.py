"""A text stream that can be read again from its start (no Home Assistant imports).

Aura reads a message as it is written (an Assist answer, word by word). When Aura fails
before it speaks, the fallback engine must get the whole message: the words Aura already
read, and those still to come. One task reads the source into a list; each reader walks the
list, so stopping a reader never stops the source.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable


class ReplayableText:
    """Read ``source`` once; any number of readers, each from the first chunk."""

    def __init__(self, source: AsyncIterable[str]) -> None:
        """Nothing is read until the first reader asks."""
        self._source = source
        self._chunks: list[str] = []
        self._error: BaseException | None = None
        self._done = False
        self._grown = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    async def _read_source(self) -> None:
        try:
            async for chunk in self._source:
                self._chunks.append(chunk)
                self._wake()
        except Exception as err:  # noqa: BLE001 - every reader raises it in turn
            self._error = err
        finally:
            self._done = True
            self._wake()

    def _wake(self) -> None:
        self._grown.set()
        self._grown = asyncio.Event()

    async def reader(self) -> AsyncGenerator[str]:
        """The text from its first chunk; raises what the source raised."""
        if self._pump is None:
            self._pump = asyncio.create_task(self._read_source())
        index = 0
        while True:
            while index < len(self._chunks):
                yield self._chunks[index]
                index += 1
            if self._done:
                if self._error is not None:
                    raise self._error
                return
            await self._grown.wait()

    async def aclose(self) -> None:
        """Stop reading the source (nobody will read on)."""
        if self._pump is not None and not self._pump.done():
            self._pump.cancel()
            try:
                await self._pump
            except asyncio.CancelledError:
                if (task := asyncio.current_task()) is not None and task.cancelling():
                    raise

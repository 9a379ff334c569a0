"""A text stream in, one continuous audio stream out (no Home Assistant imports).

Sentences are cut from the text as it arrives (an LLM writing its answer, or one whole
message). The first is sent at once; later ones are packed with whatever else is already
written, up to the per-request limit, and synthesized ahead (bounded) while earlier audio
still flows. Audio comes out in order, joined into one stream by its container's joiner.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, Callable
import contextlib
from dataclasses import dataclass, field
import re
from typing import Final

from sentence_stream import SentenceBoundaryDetector

from .audio import AudioFormat
from .errors import AuraError, MessageTooLongError
from .join import Joiner, joiner_for
from .synthesis import MAX_TEXT_LENGTH, SpeechClient
from .text import best_cut, clean_text, first_clause_end, split_text

LOOKAHEAD = 4  # pieces synthesized ahead of the one playing
# Far beyond any announcement (about 20 minutes of speech, 10 requests): a longer message is
# a mistake (a log file, a web page) that would otherwise become many paid requests.
MAX_MESSAGE_LENGTH: Final = 20_000
# Text that runs this long without a sentence end (an LLM writing without punctuation) is
# cut at its last clause or word: audio starts, and the detector never rescans a long buffer.
RUN_LIMIT: Final = 400
# An answer written as it is spoken (Assist) may start with a clause this long, rather than
# wait for its first sentence to end: about 2.5 s of speech, longer than the agent takes to
# write the rest of a long sentence and Aura to start on it, so the audio never waits.
FIRST_CLAUSE_MIN: Final = 40
# Characters that can end a sentence for sentence_stream; text without them cannot.
_MAY_END_SENTENCE = re.compile(r"[.!?\u2026\u061f\u0964\u0965\u3002\uff01\uff1f\n]")
_END = object()


class NothingToSayError(AuraError):
    """The text has nothing to speak (empty, blank, or only markup)."""

    callers_fault = True


@dataclass
class _TextPieces:
    """Sentences as they complete, handed out as request-sized pieces."""

    limit: int
    pronounce: Callable[[str], str] | None = None  # the user's "say X as Y" rules
    max_length: int = MAX_MESSAGE_LENGTH
    first_clause_min: int = FIRST_CLAUSE_MIN
    sentences: deque[str] = field(default_factory=deque)
    finished: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    added: int = 0  # sentences (or cut runs) so far

    async def read(self, text: AsyncIterable[str]) -> None:
        """Cut the text into sentences as it arrives.

        sentence_stream rescans everything it holds on every chunk. Chunks that cannot end
        a sentence are held back from it (unless what it holds may end one once more text
        comes), and a run past RUN_LIMIT is cut here, so the work stays linear.

        Text that arrives in several chunks is being written: its first piece may end at
        a clause (``first_clause_min`` characters or more) instead of its first sentence.
        A whole message (one chunk) is cut at sentences only.
        """
        detector = SentenceBoundaryDetector()
        held = ""  # text not given to the detector yet
        maybe_ending = False  # the detector holds a sentence end it cannot confirm yet
        total = 0
        chunks = 0
        try:
            async for chunk in text:
                chunks += 1
                total += len(chunk)
                if total > self.max_length:
                    raise MessageTooLongError(
                        f"the message is over {self.max_length} characters", self.max_length
                    )
                held += chunk
                if maybe_ending or _MAY_END_SENTENCE.search(chunk):
                    for sentence in detector.add_chunk(held):
                        self._add(sentence)
                    held = ""
                    maybe_ending = bool(_MAY_END_SENTENCE.search(detector.remaining_text))
                while (run_length := _held_length(detector) + len(held)) > RUN_LIMIT or (
                    chunks > 1 and not self.added and run_length >= self.first_clause_min
                ):
                    run = detector.current_sentence + detector.remaining_text + held
                    if run_length > RUN_LIMIT:
                        cut = best_cut(run, RUN_LIMIT)
                    elif (clause := first_clause_end(run, self.first_clause_min)) is not None:
                        cut = clause
                    else:
                        break
                    self._add(run[:cut])
                    detector = SentenceBoundaryDetector()
                    held = run[cut:]
                    maybe_ending = bool(_MAY_END_SENTENCE.search(held))
            for sentence in detector.add_chunk(held):
                self._add(sentence)
            self._add(detector.finish())
        finally:
            self.finished = True
            self.changed.set()

    def _add(self, sentence: str) -> None:
        # A whole sentence (or a run cut at a word): no word is split across two calls.
        sentence = clean_text(sentence)
        if self.pronounce is not None:
            sentence = self.pronounce(sentence)
        if sentence.strip():
            # A sentence over the limit becomes several parts here, so packing stays simple.
            self.sentences.extend(split_text(sentence, self.limit))
            self.added += 1
            self.changed.set()

    async def next_piece(self) -> str | None:
        """The next piece: every sentence already written, packed up to the limit."""
        while not self.sentences:
            if self.finished:
                return None
            self.changed.clear()
            await self.changed.wait()
        piece = self.sentences.popleft()
        while self.sentences and len(piece) + 1 + len(self.sentences[0]) <= self.limit:
            piece = f"{piece} {self.sentences.popleft()}"
        return piece


async def _joined_piece(out: asyncio.Queue[object], joiner: Joiner) -> AsyncGenerator[bytes]:
    """One piece's audio from ``out`` (raising its error), through the stream's joiner."""
    while (item := await out.get()) is not _END:
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, bytes)
        if data := joiner.feed(item):
            yield data
    if data := joiner.end_piece():
        yield data


def _held_length(detector: SentenceBoundaryDetector) -> int:
    """Characters the detector holds, not yet part of a sentence it gave out."""
    return len(detector.current_sentence) + len(detector.remaining_text)


class SpeechStream:
    """Synthesize a text stream into one ordered audio stream."""

    def __init__(
        self,
        client: SpeechClient,
        voice_id: str,
        audio_format: AudioFormat,
        *,
        speed: float | None = None,
        limit: int = MAX_TEXT_LENGTH,
        lookahead: int = LOOKAHEAD,
        on_accepted: Callable[[str], None] | None = None,
        pronounce: Callable[[str], str] | None = None,
    ) -> None:
        """Speak with ``voice_id`` in ``audio_format``, within the client's per-key limit.

        ``on_accepted`` is called with each piece's text when its first audio byte arrives
        (the service has taken, and bills, that piece). ``pronounce`` rewrites each sentence
        before it is spoken (see pronunciations.Pronouncer). ``speed`` is the voice's pace
        (None: its own), where the client can change it.
        """
        self._speed = speed
        self._pronounce = pronounce
        self._client = client
        self._on_accepted = on_accepted
        self._voice_id = voice_id
        self._format = audio_format
        self._limit = limit
        self._lookahead = lookahead
        self.pieces_spoken = 0
        self.pieces_accepted = 0  # pieces whose first audio byte has come
        # Aura's audio has reached the listener (a lead-in does not count). Look-ahead pieces
        # can be accepted while the one before them fails: only this says something was heard.
        self.heard = False

    async def audio(
        self, text: AsyncIterable[str], lead_in: bytes | None = None, tail: bytes | None = None
    ) -> AsyncGenerator[bytes]:
        """Yield the audio of ``text``; closing the generator stops every request.

        ``lead_in`` (silence, a chime: a whole file in the format being made) goes out first,
        joined to the speech as its first piece, while the first request is on its way;
        ``tail`` (a chime after the words) is joined after the last piece.
        """
        pieces = _TextPieces(self._limit, self._pronounce)
        order: asyncio.Queue[asyncio.Queue[object] | None] = asyncio.Queue()
        slots = asyncio.Semaphore(self._lookahead)
        tasks: set[asyncio.Task[None]] = set()

        async def produce() -> None:
            try:
                while (piece := await pieces.next_piece()) is not None:
                    await slots.acquire()
                    out: asyncio.Queue[object] = asyncio.Queue()
                    task = asyncio.create_task(self._fetch(piece, out))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    order.put_nowait(out)
            finally:
                order.put_nowait(None)

        reader = asyncio.create_task(pieces.read(text))
        producer = asyncio.create_task(produce())
        joiner = joiner_for(self._format)
        try:
            if lead_in and (data := joiner.feed(lead_in) + joiner.end_piece()):
                yield data
            while (out := await order.get()) is not None:
                if self.pieces_spoken == 0 and not lead_in and not tail:
                    # One piece, known before any audio: pass Aura's file through as it is.
                    joiner.single = producer.done() and order.qsize() == 1
                async for data in _joined_piece(out, joiner):
                    self.heard = True
                    yield data
                self.pieces_spoken += 1
                slots.release()
            await reader  # raises what the text stream raised
            if self.pieces_spoken == 0:
                raise NothingToSayError("the text has nothing to speak")
            if tail and (data := joiner.feed(tail) + joiner.end_piece()):
                yield data
            if data := joiner.finish():
                yield data
        finally:
            for task in (reader, producer, *tasks):
                task.cancel()
            for task in (reader, producer, *tasks):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _fetch(self, piece: str, out: asyncio.Queue[object]) -> None:
        """Synthesize one piece into ``out``: its chunks, then _END or the error."""
        try:
            stream = self._client.async_stream_audio(
                self._voice_id, piece, self._format, speed=self._speed
            )
            accepted = False
            async with self._client.limiter, contextlib.aclosing(stream):
                async for chunk in stream:
                    if not accepted:
                        accepted = True
                        self.pieces_accepted += 1
                        if self._on_accepted is not None:
                            self._on_accepted(piece)
                    out.put_nowait(chunk)
            out.put_nowait(_END)
        except Exception as err:  # noqa: BLE001 - handed to the consumer, raised there
            out.put_nowait(err)

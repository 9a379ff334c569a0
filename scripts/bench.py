"""Aura TTS benchmark: a real Home Assistant in this process, the fake services beside it.

Run it with ``scripts/bench`` (which picks Home Assistant 2026.11.0's venv). Each figure is
printed next to its baseline, measured in the same run; medians over ``--runs`` repetitions.
The fake servers run as separate processes so that their work (making audio) is not counted
as Home Assistant's CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
import contextlib
from dataclasses import dataclass
import os
from pathlib import Path
import resource
import statistics
import sys
import tempfile
import time
from typing import Any
from unittest.mock import patch

import aiohttp

from scripts.net import free_port

REPO = Path(__file__).resolve().parent.parent
TTFB_MS = 200
REALISTIC_RTF = 3.0  # audio seconds the fake produces per wall second
FAST_RTF = 30.0  # for the 10,000-character case, which would take minutes at 3x
TOKENS_PER_SECOND = 20

ANNOUNCEMENT = (
    "Good evening. The washing machine has finished its cycle and the laundry is ready to "
    "be hung up. The back door has been open for ten minutes, so please close it before "
    "the heating comes on. Tomorrow will be cloudy with light rain in the afternoon and a "
    "high of twelve degrees. Your first meeting starts at nine, and the bins go out tonight."
)  # about 20 seconds of speech

VOICE_PE = {
    "preferred_format": "flac",
    "preferred_sample_rate": 48000,
    "preferred_sample_channels": 1,
    "preferred_sample_bytes": 2,
}
# An agent's answer whose first sentence is 150 characters, written in 4-character deltas.
LONG_FIRST_SENTENCE = (
    "The living room lights are off and the blinds are down, so the house is ready for the "
    "night, but the back door is still unlocked and the garage is open. Shall I close them?"
)
DELTA_CHARACTERS = 4
DELTAS_PER_SECOND = 20

ASSIST_ANSWER = [
    "It is twelve degrees outside and the sky is mostly cloudy right now.",
    "Rain is expected to start around four in the afternoon.",
    "It should stay light but steady until about nine tonight.",
    "Tomorrow morning looks dry, with a little sunshine before noon.",
    "Take an umbrella if you are heading out later today.",
]
# The same words as a language model writes them: emphasis, a list, an emoji, a link.
MARKDOWN_ANSWER = [
    "It is **twelve degrees** outside and the sky is mostly _cloudy_ right now.\n",
    "- Rain is expected to start around **four** in the afternoon.\n",
    "- It should stay light but steady until about nine tonight.\n",
    "- Tomorrow morning looks dry, with a little sunshine \u2600\ufe0f before noon.\n",
    "Take an [umbrella](https://example.com/umbrella) if you are heading out later today.",
]


@dataclass
class Fake:
    """A fake service's process: the AI/ML API's, or Deepgram's (same timings)."""

    key: str
    url: str
    process: asyncio.subprocess.Process

    @classmethod
    async def start(cls, key: str, rtf: float, module: str = "tests.fake_aimlapi") -> Fake:
        """Start ``python -m <module>`` and wait until it serves."""
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            "--port",
            str(port),
            "--key",
            key,
            "--ttfb-ms",
            str(TTFB_MS),
            "--rtf",
            str(rtf),
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        await asyncio.wait_for(process.stdout.readline(), 30)
        return cls(key, f"http://127.0.0.1:{port}", process)

    async def stop(self) -> None:
        """Stop the process."""
        self.process.terminate()
        await self.process.wait()


class PieceRecorder:
    """Records the text and the audio of every synthesis request Aura TTS makes (its pieces)."""

    def __init__(self) -> None:
        """Wrap SpeechClient.async_stream_audio (both accounts' clients)."""
        from custom_components.aura_tts.aura.audio import AudioFormat
        from custom_components.aura_tts.aura.synthesis import SpeechClient

        self.texts: list[str] = []
        self.audio: list[bytearray] = []
        original = SpeechClient.async_stream_audio
        recorder = self

        async def recording(
            self: SpeechClient,
            voice_id: str,
            text: str,
            audio_format: AudioFormat,
            *,
            speed: float | None = None,
        ) -> AsyncGenerator[bytes]:
            recorder.texts.append(text)
            recorder.audio.append(audio := bytearray())
            chunks = original(self, voice_id, text, audio_format, speed=speed)
            async with contextlib.aclosing(chunks):
                async for chunk in chunks:
                    audio += chunk
                    yield chunk

        SpeechClient.async_stream_audio = recording  # type: ignore[method-assign]


class FfmpegCounter:
    """Counts ffmpeg processes started, and by whom (Home Assistant or Aura TTS)."""

    def __init__(self) -> None:
        """Wrap asyncio.create_subprocess_exec, through which both start ffmpeg."""
        self.by_home_assistant = 0
        self.by_aura_tts = 0
        self._original = asyncio.create_subprocess_exec

    async def __call__(self, program: Any, *args: Any, **kwargs: Any) -> Any:
        """Start the process, counting it when it is ffmpeg."""
        if "ffmpeg" in Path(str(program)).name:
            caller = sys._getframe(1).f_code.co_filename  # noqa: SLF001 - who started it
            if f"custom_components{os.sep}aura_tts" in caller:
                self.by_aura_tts += 1
            else:
                self.by_home_assistant += 1
        return await self._original(program, *args, **kwargs)

    def snapshot(self) -> tuple[int, int]:
        """The counts so far."""
        return self.by_home_assistant, self.by_aura_tts


def _write_config(config_dir: Path, port: int) -> None:
    # The HTTP settings go where Home Assistant 2026.11 keeps confirmed ones: in YAML they
    # are a pending config, reverted (HTTP restarted) five minutes in, mid-bench.
    from scripts.ha_config import write_config

    write_config(config_dir, port)


async def _start_hass(config_dir: Path) -> Any:
    from homeassistant import bootstrap
    from homeassistant.runner import RuntimeConfig

    hass = await bootstrap.async_setup_hass(
        RuntimeConfig(config_dir=str(config_dir), skip_pip=True, log_no_color=True)
    )
    if hass is None:
        raise SystemExit("bench: Home Assistant did not start")
    await hass.async_start()
    return hass


async def _add_entry(
    hass: Any, fake: Fake, service: str = "aimlapi", voice: str = "#g1_aura-2-thalia-en"
) -> str:
    """Add an Aura TTS entry through the config flow; return its TTS entity ID."""
    from homeassistant.helpers import entity_registry as er

    flow = await hass.config_entries.flow.async_init("aura_tts", context={"source": "user"})
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": service}
    )
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"api_key": fake.key, "advanced": {"base_url": fake.url}}
    )
    flow = await hass.config_entries.flow.async_configure(flow["flow_id"], {"voice": voice})
    await hass.async_block_till_done()
    entries = er.async_entries_for_config_entry(er.async_get(hass), flow["result"].entry_id)
    [speech] = [entry.entity_id for entry in entries if entry.domain == "tts"]
    return str(speech)


@dataclass
class Timing:
    """When the bytes of one fetch arrived, in seconds since the request started."""

    first_byte: float
    last_byte: float
    size: int


class Bench:
    """The measurements, against one running Home Assistant."""

    def __init__(self, hass: Any, port: int, session: aiohttp.ClientSession) -> None:
        """Measure through ``hass``, which serves HTTP on ``port``."""
        self.hass = hass
        self.base = f"http://127.0.0.1:{port}"
        self.session = session
        self.serial = 0

    def unique(self, text: str) -> str:
        # A new message each time, so no run is served from Home Assistant's cache.
        # The marker ends with a comma, so it does not become a sentence of its own.
        self.serial += 1
        return f"Reading number {self.serial}, {text}"

    async def _fetch(self, url: str, started: float) -> Timing:
        first = None
        size = 0
        async with self.session.get(url) as response:
            response.raise_for_status()
            async for chunk in response.content.iter_any():
                if first is None:
                    first = time.monotonic() - started
                size += len(chunk)
        assert first is not None
        return Timing(first, time.monotonic() - started, size)

    async def speak(
        self, entity_id: str, text: str, options: dict[str, Any] | None = None
    ) -> Timing:
        """Create a TTS URL for ``text`` (as tts.speak does) and fetch it like a player."""
        from homeassistant.components import tts

        started = time.monotonic()
        stream = tts.async_create_stream(self.hass, entity_id, options=options)
        stream.async_set_message(text)
        return await self._fetch(self.base + stream.url, started)

    async def direct_first_byte(self, fake: Fake, text: str) -> float:
        """The API's own time to first byte, asked directly."""
        started = time.monotonic()
        body = {"model": "#g1_aura-2-thalia-en", "text": text, "encoding": "mp3"}
        headers = {"Authorization": f"Bearer {fake.key}"}
        async with self.session.post(f"{fake.url}/v1/tts", json=body, headers=headers) as answer:
            await answer.content.readany()
            first = time.monotonic() - started
            answer.close()  # the rest of the audio is not needed
        return first

    async def assist(
        self, entity_id: str, *, streamed: bool, sentences: list[str] = ASSIST_ANSWER
    ) -> float:
        """Seconds from the first sentence being written to the first audio byte.

        A conversation agent writes ``sentences`` word by word at TOKENS_PER_SECOND.
        Streamed: the text stream goes to TTS as it is written (what Assist does for
        engines that take streams). Baseline: TTS starts after the whole answer.
        """
        from homeassistant.components import tts

        first_sentence_done = asyncio.get_running_loop().create_future()
        answer = [self.unique(sentences[0]), *sentences[1:]]

        async def agent() -> AsyncGenerator[str]:
            for index, sentence in enumerate(answer):
                for word in sentence.split(" "):
                    await asyncio.sleep(1 / TOKENS_PER_SECOND)
                    yield word + " "
                if index == 0:
                    first_sentence_done.set_result(time.monotonic())

        stream = tts.async_create_stream(self.hass, entity_id, options={"preferred_format": "wav"})
        if streamed:
            stream.async_set_message_stream(agent())
        else:
            stream.async_set_message("".join([token async for token in agent()]))
        timing = await self._fetch(self.base + stream.url, 0.0)
        written: float = first_sentence_done.result()
        return timing.first_byte - written

    async def streamed_answer(
        self, entity_id: str, options: dict[str, Any], *, sentences: list[str] | None = None
    ) -> bytes:
        """All audio of a 5-sentence answer written at TOKENS_PER_SECOND (5 pieces)."""
        from homeassistant.components import tts

        answer = sentences or [self.unique(ASSIST_ANSWER[0]), *ASSIST_ANSWER[1:]]

        async def agent() -> AsyncGenerator[str]:
            for sentence in answer:
                for word in sentence.split(" "):
                    await asyncio.sleep(1 / TOKENS_PER_SECOND)
                    yield word + " "

        stream = tts.async_create_stream(self.hass, entity_id, options=options)
        stream.async_set_message_stream(agent())
        audio = bytearray()
        async with self.session.get(self.base + stream.url) as response:
            response.raise_for_status()
            async for chunk in response.content.iter_any():
                audio += chunk
        return bytes(audio)

    async def first_clause(self, entity_id: str) -> tuple[float, float]:
        """Seconds from the agent's first delta to the first audio byte, and to the end of
        the first clause's writing, for LONG_FIRST_SENTENCE written delta by delta."""
        from homeassistant.components import tts

        text = self.unique(LONG_FIRST_SENTENCE)
        clause_written = asyncio.get_running_loop().create_future()
        clause_end = text.index(", ", 40) + 2
        started = time.monotonic()

        async def agent() -> AsyncGenerator[str]:
            for end in range(DELTA_CHARACTERS, len(text) + DELTA_CHARACTERS, DELTA_CHARACTERS):
                if end > DELTA_CHARACTERS:
                    await asyncio.sleep(1 / DELTAS_PER_SECOND)
                yield text[end - DELTA_CHARACTERS : end]
                if end >= clause_end and not clause_written.done():
                    clause_written.set_result(time.monotonic() - started)

        stream = tts.async_create_stream(self.hass, entity_id, options={"preferred_format": "wav"})
        stream.async_set_message_stream(agent())
        timing = await self._fetch(self.base + stream.url, started)
        return timing.first_byte, clause_written.result()

    async def long_text(self, entity_id: str, *, parallel: bool) -> float:
        """Wall time for about 10,000 characters: one message, or piece after piece."""
        self.serial += 1
        text = _long_text(self.serial)
        started = time.monotonic()
        if parallel:
            await self.speak(entity_id, text)
        else:
            for piece in _pack(text.split(". "), 2000):
                await self.speak(entity_id, piece)
        return time.monotonic() - started

    async def cost(
        self,
        counter: FfmpegCounter,
        action: Callable[[], Awaitable[Any]],
    ) -> tuple[float, float, str]:
        """CPU ms of this process, CPU ms of ffmpeg, and which ffmpeg ran, for ``action``."""
        before = counter.snapshot()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time()
        await action()
        cpu = time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        ffmpeg_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        ha, ours = (a - b for a, b in zip(counter.snapshot(), before, strict=True))
        who = ", ".join(
            name for name, count in (("Home Assistant", ha), ("Aura TTS", ours)) if count
        )
        return cpu * 1000, ffmpeg_cpu * 1000, who or "no"

    async def wav_then_our_ffmpeg(self, entity_id: str, *, pieces: bool) -> Timing:
        """Baseline for FLAC: the path before Aura made FLAC (Aura's WAV, our ffmpeg)."""
        from homeassistant.components import tts

        from custom_components.aura_tts.convert import convert_audio

        wav_options = {"preferred_format": "wav"}
        started = time.monotonic()
        if pieces:

            async def wav() -> AsyncGenerator[bytes]:
                yield await self.streamed_answer(entity_id, wav_options)

        else:
            stream = tts.async_create_stream(self.hass, entity_id, options=wav_options)
            stream.async_set_message(self.unique(ANNOUNCEMENT))

            async def wav() -> AsyncGenerator[bytes]:
                async with self.session.get(self.base + stream.url) as response:
                    async for chunk in response.content.iter_any():
                        yield chunk

        first = None
        size = 0
        async for chunk in convert_audio(self.hass, wav(), "flac", 48000, 1, 2):
            if first is None:
                first = time.monotonic() - started
            size += len(chunk)
        assert first is not None
        return Timing(first, time.monotonic() - started, size)

    async def ha_converts(self, entity_id: str, to: dict[str, Any]) -> None:
        """Baseline: Aura's 24 kHz WAV, converted by Home Assistant's own ffmpeg step.

        What Home Assistant does for an engine that returns one fixed format.
        """
        from homeassistant.components import tts

        stream = tts.async_create_stream(self.hass, entity_id, options={"preferred_format": "wav"})
        stream.async_set_message(self.unique(ANNOUNCEMENT))

        async def wav() -> AsyncGenerator[bytes]:
            async with self.session.get(self.base + stream.url) as response:
                async for chunk in response.content.iter_any():
                    yield chunk

        converted = tts._async_convert_audio(  # noqa: SLF001 - the step HA itself runs
            self.hass,
            "wav",
            wav(),
            to_extension=to["preferred_format"],
            to_sample_rate=to.get("preferred_sample_rate"),
        )
        async for _ in converted:
            pass


def _long_text(reading: int) -> str:
    # Every sentence names the reading, so no piece is ever served from a cache.
    sentence = (
        "Sentence {n} of reading {reading} describes one more room of the house, its "
        "lights, its windows and the temperature it keeps while everybody is away"
    )
    return ". ".join(sentence.format(n=n, reading=reading) for n in range(1, 63)) + "."


def _pack(sentences: list[str], limit: int) -> list[str]:
    """Sentences packed into pieces of at most ``limit`` characters, as Aura TTS does."""
    pieces: list[str] = []
    for sentence in sentences:
        text = sentence if sentence.endswith(".") else sentence + "."
        if pieces and len(pieces[-1]) + 1 + len(text) <= limit:
            pieces[-1] += " " + text
        else:
            pieces.append(text)
    return pieces


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:,.0f} ms"


async def _repeat[T](runs: int, measure: Callable[[], Awaitable[T]]) -> list[T]:
    return [await measure() for _ in range(runs)]


async def run(runs: int) -> list[tuple[str, str, str]]:
    """All measurements; rows of (what, Aura TTS, baseline)."""
    counter = FfmpegCounter()
    asyncio.create_subprocess_exec = counter
    recorder = PieceRecorder()
    realistic = await Fake.start("bench-key-realistic", REALISTIC_RTF)
    fast = await Fake.start("bench-key-fast", FAST_RTF)
    deepgram = await Fake.start("bench-key-deepgram", REALISTIC_RTF, "tests.fake_deepgram")
    port = free_port()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="aura-bench-", ignore_cleanup_errors=True) as tmp:
        _write_config(Path(tmp), port)
        hass = await _start_hass(Path(tmp))
        try:
            async with aiohttp.ClientSession() as session:
                bench = Bench(hass, port, session)
                entity = await _add_entry(hass, realistic)
                fast_entity = await _add_entry(hass, fast)
                deepgram_entity = await _add_entry(hass, deepgram, "deepgram", "aura-2-thalia-en")
                await bench.speak(entity, "Warm up.")  # first-use imports are not measured
                await bench.speak(deepgram_entity, "Warm up.")

                say: list[Timing] = []
                api: list[float] = []
                for _ in range(runs):
                    # Each with its own text: the fake encodes every new text afresh.
                    api.append(await bench.direct_first_byte(realistic, bench.unique(ANNOUNCEMENT)))
                    say.append(await bench.speak(entity, bench.unique(ANNOUNCEMENT)))
                rows.append(
                    (
                        "20 s announcement (tts.speak, mp3): first audio byte from HA",
                        _ms([t.first_byte for t in say]),
                        f"{_ms([t.last_byte for t in say])} whole clip; API's own first "
                        f"byte {_ms(api)}",
                    )
                )
                streamed = await _repeat(runs, lambda: bench.assist(entity, streamed=True))
                whole = await _repeat(runs, lambda: bench.assist(entity, streamed=False))
                rows.append(
                    (
                        "Assist, 5-sentence answer at 20 tokens/s: first sentence written "
                        "-> first audio byte",
                        _ms(streamed),
                        f"{_ms(whole)} synthesizing after the whole answer",
                    )
                )
                markdown = await _repeat(
                    runs,
                    lambda: bench.assist(entity, streamed=True, sentences=MARKDOWN_ANSWER),
                )
                rows += await _deepgram_rows(runs, bench, entity, deepgram_entity, streamed)
                rows.append(
                    (
                        "Assist, the same answer in Markdown (bold, a list, an emoji, a link): "
                        "first sentence written -> first audio byte",
                        _ms(markdown),
                        f"{_ms(streamed)} in plain text",
                    )
                )
                long_runs = max(1, runs // 2)
                parallel = await _repeat(
                    long_runs, lambda: bench.long_text(fast_entity, parallel=True)
                )
                serial = await _repeat(
                    long_runs, lambda: bench.long_text(fast_entity, parallel=False)
                )
                rows.append(
                    (
                        f"10,000 characters ({len(_pack(_long_text(0).split('. '), 2000))} "
                        f"pieces, fake at {FAST_RTF:g}x): whole audio",
                        _ms(parallel),
                        f"{_ms(serial)} one piece after another",
                    )
                )
                rows += await _first_clause_rows(runs, bench, entity)
                rows += await _chime_rows(runs, bench, entity)
                rows += await _voice_pe_rows(runs, bench, counter, fast_entity)
                rows += await _join_rows(bench, recorder, fast_entity)
                formats: dict[str, dict[str, Any]] = {
                    "wav 16 kHz mono 16-bit (satellites)": {
                        "preferred_format": "wav",
                        "preferred_sample_rate": 16000,
                        "preferred_sample_channels": 1,
                        "preferred_sample_bytes": 2,
                    },
                    "mp3 (tts.speak default)": {"preferred_format": "mp3"},
                }
                for name, options in formats.items():
                    ours = await _costs(runs, bench, counter, fast_entity, options, native=True)
                    base = await _costs(runs, bench, counter, fast_entity, options, native=False)
                    rows.append(
                        (
                            f"{name}: CPU per request (HA process + ffmpeg), ffmpeg ran?",
                            _cpu(ours),
                            f"{_cpu(base)} (HA converting Aura's 24 kHz WAV)",
                        )
                    )
        finally:
            await hass.async_stop()
            for fake in (realistic, fast, deepgram):
                await fake.stop()
    return rows


async def _deepgram_rows(
    runs: int, bench: Bench, entity: str, deepgram_entity: str, aimlapi_assist: list[float]
) -> list[tuple[str, str, str]]:
    """The same announcement and Assist answer with a Deepgram account, next to the AI/ML
    API's: both fakes have the same timings, so the difference is each client's overhead."""
    say = [await bench.speak(entity, bench.unique(ANNOUNCEMENT)) for _ in range(runs)]
    deepgram = [await bench.speak(deepgram_entity, bench.unique(ANNOUNCEMENT)) for _ in range(runs)]
    assist = await _repeat(runs, lambda: bench.assist(deepgram_entity, streamed=True))
    return [
        (
            "Deepgram account, 20 s announcement (mp3): first audio byte from HA",
            _ms([t.first_byte for t in deepgram]),
            f"{_ms([t.first_byte for t in say])} with the AI/ML API (same fake timings)",
        ),
        (
            "Deepgram account, Assist at 20 tokens/s: first sentence written -> first byte",
            _ms(assist),
            f"{_ms(aimlapi_assist)} with the AI/ML API",
        ),
    ]


async def _costs(
    runs: int,
    bench: Bench,
    counter: FfmpegCounter,
    entity: str,
    options: dict[str, Any],
    *,
    native: bool,
) -> list[tuple[float, float, str]]:
    """Cost of ``runs`` announcements in a format: asked of Aura TTS, or converted by HA."""

    async def ask_aura_tts() -> None:
        await bench.speak(entity, bench.unique(ANNOUNCEMENT), options)

    async def convert_in_ha() -> None:
        await bench.ha_converts(entity, options)

    action = ask_aura_tts if native else convert_in_ha
    return [await bench.cost(counter, action) for _ in range(runs)]


async def _first_clause_rows(runs: int, bench: Bench, entity: str) -> list[tuple[str, str, str]]:
    """Assist with a 150-character first sentence: the first clause rule against none."""
    clause = await _repeat(runs, lambda: bench.first_clause(entity))
    with patch("custom_components.aura_tts.aura.speech.first_clause_end", return_value=None):
        sentence = await _repeat(runs, lambda: bench.first_clause(entity))
    first = [t[0] for t in clause]
    written = [t[1] for t in clause]
    return [
        (
            f"Assist, 150-character first sentence in {DELTA_CHARACTERS}-character deltas at "
            f"{DELTAS_PER_SECOND}/s: agent's first delta -> first audio byte",
            f"{_ms(first)} (first clause written at {_ms(written)}; goal <= "
            f"{statistics.median(written) * 1000 + TTFB_MS + 100:,.0f} ms)",
            f"{_ms([t[0] for t in sentence])} waiting for the whole first sentence",
        )
    ]


async def _chime_rows(runs: int, bench: Bench, entity: str) -> list[tuple[str, str, str]]:
    """First audio byte with a chime, or 500 ms of silence, before the words, next to the
    same without anything before them (the silence should be as quick as the chime)."""
    rows = []
    for name, options in (
        ("mp3 (tts.speak)", {"preferred_format": "mp3"}),
        ("FLAC 48 kHz (Voice PE)", VOICE_PE),
    ):
        without = [
            await bench.speak(entity, bench.unique(ANNOUNCEMENT), options) for _ in range(runs)
        ]
        for lead_in, extra in (
            ("a chime", {"chime": "ding_dong"}),
            ("500 ms of silence", {"silence": 500}),
        ):
            led: dict[str, Any] = {**options, **extra}
            await bench.speak(entity, bench.unique("Warm up."), led)  # its file is read once
            with_lead_in = [
                await bench.speak(entity, bench.unique(ANNOUNCEMENT), led) for _ in range(runs)
            ]
            rows.append(
                (
                    f"Announcement with {lead_in}, {name}: first audio byte from HA",
                    _ms([t.first_byte for t in with_lead_in]),
                    f"{_ms([t.first_byte for t in without])} with nothing before the words",
                )
            )
    return rows


async def _voice_pe_rows(
    runs: int, bench: Bench, counter: FfmpegCounter, entity: str
) -> list[tuple[str, str, str]]:
    """Voice PE's FLAC: asked of Aura (joined by Aura TTS) against WAV + ffmpeg."""
    rows = []
    for name, pieces in (("one piece (20 s)", False), ("5-piece Assist answer", True)):
        ours: list[tuple[float, float, str]] = []
        base: list[tuple[float, float, str]] = []
        ours_first: list[float] = []
        base_first: list[float] = []
        for _ in range(runs):
            timing: list[Timing] = []

            async def native(*, pieces: bool = pieces, timing: list[Timing] = timing) -> None:
                if pieces:
                    started = time.monotonic()
                    await bench.streamed_answer(entity, VOICE_PE)
                    timing.append(Timing(0.0, time.monotonic() - started, 0))
                else:
                    timing.append(await bench.speak(entity, bench.unique(ANNOUNCEMENT), VOICE_PE))

            async def converted(*, pieces: bool = pieces, timing: list[Timing] = timing) -> None:
                timing.append(await bench.wav_then_our_ffmpeg(entity, pieces=pieces))

            ours.append(await bench.cost(counter, native))
            base.append(await bench.cost(counter, converted))
            ours_first.append(timing[0].first_byte)
            base_first.append(timing[1].first_byte)
        first = "" if pieces else f"; first byte {_ms(ours_first)}"
        base_first_text = "" if pieces else f"; first byte {_ms(base_first)}"
        rows.append(
            (
                f"Voice PE FLAC 48 kHz mono 16-bit, {name}: CPU per request (HA process + "
                "ffmpeg), ffmpeg ran?",
                _cpu(ours) + first,
                f"{_cpu(base)}{base_first_text} (Aura's WAV, then ffmpeg: before this change)",
            )
        )
    return rows


async def _join_rows(
    bench: Bench, recorder: PieceRecorder, entity: str
) -> list[tuple[str, str, str]]:
    """Each format's 5-piece answer: decoded length against its pieces decoded one by one."""
    from tests.audio_checks import decoded_seconds

    cells = []
    for fmt in ("flac", "mp3", "ogg", "aac", "wav"):
        before = len(recorder.audio)
        audio = await bench.streamed_answer(entity, {"preferred_format": fmt})
        pieces = [bytes(piece) for piece in recorder.audio[before:]]
        separately = sum([await asyncio.to_thread(decoded_seconds, p) for p in pieces])
        joined = await asyncio.to_thread(decoded_seconds, audio)
        cells.append(f"{fmt} {(joined - separately) * 1000:+.0f} ms ({len(pieces)} pieces)")
    return [
        (
            "Multi-piece answer in each format: decoded length minus its pieces decoded one by one",
            "; ".join(cells),
            "one frame: Opus 20 ms, mp3 26 ms, AAC 46 ms (22.05 kHz)",
        )
    ]


def _cpu(samples: list[tuple[float, float, str]]) -> str:
    process = statistics.median(s[0] for s in samples)
    ffmpeg = statistics.median(s[1] for s in samples)
    who = sorted({s[2] for s in samples})
    return f"{process:.0f} + {ffmpeg:.0f} ms, ffmpeg: {'/'.join(who)}"


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="repetitions per figure")
    args = parser.parse_args()
    from homeassistant.const import __version__

    started = time.monotonic()
    rows = asyncio.run(run(args.runs))
    print(
        f"\nAura TTS benchmark: Home Assistant {__version__}, fake AI/ML API with "
        f"{TTFB_MS} ms to first byte, audio at {REALISTIC_RTF:g}x real time; medians of "
        f"{args.runs} runs ({time.monotonic() - started:.0f} s in all)\n"
    )
    print("| Measurement | Aura TTS | Baseline (same run) |")
    print("|---|---|---|")
    for what, ours, baseline in rows:
        print(f"| {what} | {ours} | {baseline} |")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()

"""A faithful stand-in for ``https://api.aimlapi.com`` (the parts Aura TTS uses).

Requests are validated against the AI/ML API's published OpenAPI schemas (copied in
``openapi/``); answers have the service's shapes and Deepgram's limits. Controls let a test
or a benchmark set timing and inject faults; every request is logged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import re
import time
from typing import Any
import uuid

from aiohttp import web
import jsonschema

from . import sound

OPENAPI_DIR = Path(__file__).parent / "openapi"
MAX_CHARACTERS = 2000
MAX_CONCURRENT = 15
# What one character of speech costs in the fake (USD): a plausible figure of the right
# size (tens of dollars per million characters), not the AI/ML API's price list. Each
# synthesis is charged (and taken from the balance) when it is answered.
PRICE_PER_CHARACTER = 0.0000315
MAX_USAGE_WINDOW = timedelta(days=92)
_PERIOD = re.compile(r"[1-9][0-9]*[hd]")


@dataclass(frozen=True)
class _Encoding:
    containers: tuple[str, ...]  # first is the default; () when not configurable
    rates: tuple[int, ...]  # first is the default
    rate_configurable: bool


# Deepgram's allowed output combinations (its "media output settings").
ENCODINGS = {
    "linear16": _Encoding(("wav", "none"), (24000, 8000, 16000, 32000, 48000), True),
    "mulaw": _Encoding(("wav", "none"), (8000, 16000), True),
    "alaw": _Encoding(("wav", "none"), (8000, 16000), True),
    "mp3": _Encoding((), (22050,), False),
    "opus": _Encoding(("ogg",), (48000,), False),
    "flac": _Encoding((), (48000, 8000, 16000, 22050, 32000), True),
    "aac": _Encoding((), (22050,), False),
}

CONTENT_TYPES = {
    ("linear16", "wav"): "audio/wav",
    ("linear16", "none"): "audio/l16",
    ("mulaw", "wav"): "audio/wav",
    ("mulaw", "none"): "audio/basic",
    ("alaw", "wav"): "audio/wav",
    ("alaw", "none"): "audio/x-alaw-basic",
    ("mp3", None): "audio/mpeg",
    ("opus", "ogg"): "audio/ogg",
    ("flac", None): "audio/flac",
    ("aac", None): "audio/aac",
}


def _load_schema(name: str, *, closed: bool) -> dict[str, Any]:
    spec = json.loads((OPENAPI_DIR / name).read_text())
    schema: dict[str, Any] = spec["paths"]["/v1/tts"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    if closed:
        schema = {**schema, "additionalProperties": False}
    return schema


# The seed documents' style rejects unknown properties; the newer style is as published.
SCHEMAS = {
    "aura-2 legacy": _load_schema("aura-2.legacy-model-ids.json", closed=True),
    "aura legacy": _load_schema("aura.legacy-model-ids.json", closed=True),
    "aura-2 model-and-voice": _load_schema("aura-2.model-and-voice.json", closed=False),
    "aura model-and-voice": _load_schema("aura.model-and-voice.json", closed=False),
}


def schema_for(model: object) -> str:
    """Which published schema a request with this ``model`` is checked against."""
    model = model if isinstance(model, str) else ""
    if model.startswith("deepgram/aura-2"):
        return "aura-2 model-and-voice"
    if model.startswith("deepgram/"):
        return "aura model-and-voice"
    if model.startswith(("#g1_aura-2", "aura-2")):
        return "aura-2 legacy"
    return "aura legacy"


@dataclass
class Fault:
    """One misbehaviour, applied to the next ``count`` matching requests (None: all).

    kind: "status" (answer ``status`` with ``body``, and ``retry_after`` on 429), "drop"
    (cut the connection after ``after_bytes`` of audio), "truncate" (a well-formed HTTP
    answer whose audio ends early), "html" (an HTML page with ``status``), "stall" (no bytes
    for ``seconds`` after ``after_bytes``), "content_type" (audio labelled
    ``content_type``), "url_404" (a JSON answer whose audio URL is missing), "json_no_audio"
    (JSON without an audio URL), "huge" (``size`` bytes of audio, more than any answer needs),
    "audio_url" (a JSON answer whose audio URL is ``body``), "huge_json" (a JSON answer
    padded to ``size`` bytes). With ``text``, only synthesis requests whose text contains it
    match (a fault for one piece of a long message, whatever order the pieces arrive in).
    """

    kind: str
    count: int | None = 1
    path: str = ""  # "": the fake's synthesis path
    status: int = 500
    body: Any = None
    retry_after: float | None = None
    after_bytes: int = 0
    seconds: float = 0.0
    content_type: str = "text/plain"
    size: int = 0
    text: str | None = None


@dataclass
class RecordedRequest:
    """What the fake received, and when it answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    started: float
    query: dict[str, str] = field(default_factory=dict)  # Deepgram's settings travel here
    status: int | None = None
    first_byte: float | None = None
    finished: float | None = None
    cancelled: bool = False


@dataclass
class FakeAimlApi:
    """The fake service's state and controls."""

    keys: dict[str, float] = field(default_factory=lambda: {"test-key": 42.5})
    ttfb: float = 0.0  # seconds before the first audio byte
    rtf: float | None = None  # audio seconds produced per wall second; None: all at once
    chunk_size: int = 4096
    max_concurrent: int = MAX_CONCURRENT
    response_shape: str = "audio"  # "audio" or "json"
    retired: set[str] = field(default_factory=set)  # voice names the service refuses
    billing: bool = True  # False: no /v2/billing (a gateway without it)
    usage: bool = True  # False: no /v2/usage
    # Each key's charges: when, and how much (USD); /v2/usage sums them over its window.
    charges: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)
    key_endpoint: bool = True  # False: no /v1/key
    # What GET /v1/key says of each key, over the defaults (disabled, scopes, limit, ...).
    key_states: dict[str, dict[str, Any]] = field(default_factory=dict)
    limits_reached: set[str] = field(default_factory=set)  # keys past a daily/weekly limit
    faults: list[Fault] = field(default_factory=list)
    speak_path: str = "/v1/tts"
    requests: list[RecordedRequest] = field(default_factory=list)
    max_in_flight: int = 0  # the most synthesis requests answered at once so far
    _in_flight: dict[str, int] = field(default_factory=dict)
    _files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    url: str = ""

    # -- controls ---------------------------------------------------------------------------

    def add_fault(self, kind: str, **options: Any) -> Fault:
        """Queue a fault; see :class:`Fault` for the options."""
        fault = Fault(kind, **options)
        self.faults.append(fault)
        return fault

    def charge(self, key: str, usd: float, at: datetime | None = None) -> None:
        """Record a charge to ``key`` at ``at`` (now), taken from its balance."""
        self.charges.setdefault(key, []).append((at or datetime.now(UTC), usd))
        self.keys[key] = round(self.keys[key] - usd, 6)

    def spent(self, key: str, start: datetime, end: datetime) -> tuple[float, int]:
        """What ``key`` was charged from ``start`` to ``end``, and how many times."""
        amounts = [usd for at, usd in self.charges.get(key, []) if start <= at <= end]
        return round(sum(amounts), 6), len(amounts)

    def tts_requests(self) -> list[RecordedRequest]:
        """The logged synthesis requests (``POST /v1/tts``)."""
        return [r for r in self.requests if r.path == self.speak_path]

    @property
    def in_flight(self) -> int:
        """Synthesis requests being answered right now (all keys)."""
        return sum(self._in_flight.values())

    def _take_fault(self, path: str, text: str = "") -> Fault | None:
        for fault in self.faults:
            if fault.text is not None and fault.text not in text:
                continue
            if (fault.path or self.speak_path) == path and (fault.count is None or fault.count > 0):
                if fault.count is not None:
                    fault.count -= 1
                return fault
        return None

    # -- the application --------------------------------------------------------------------

    def make_app(self) -> web.Application:
        """The aiohttp application serving the fake API."""
        app = web.Application(middlewares=[self._log_middleware], client_max_size=4 * 1024**2)
        app.router.add_post("/v1/tts", self._tts)
        app.router.add_get("/v2/billing", self._billing)
        app.router.add_get("/v1/key", self._key)
        app.router.add_get("/v2/usage", self._usage)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_get("/redirect", self._redirect)
        return app

    @web.middleware
    async def _log_middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        record = RecordedRequest(
            request.method,
            request.path,
            dict(request.headers),
            body,
            time.monotonic(),
            dict(request.query),
        )
        self.requests.append(record)
        request["record"] = record
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as err:
            record.status = err.status
            record.finished = time.monotonic()
            raise
        except (asyncio.CancelledError, ConnectionError):
            # The client went away (cancelled handler, or a write to a closed socket).
            record.cancelled = True
            record.finished = time.monotonic()
            raise
        record.status = response.status
        record.finished = time.monotonic()
        return response

    def _error(self, request: web.Request, status: int, message: Any) -> web.Response:
        """An error answer shaped like the AI/ML API's."""
        return web.json_response(
            {
                "message": message,
                "path": request.path,
                "requestId": str(uuid.uuid4()),
                "statusCode": status,
                "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            },
            status=status,
        )

    def _key_of(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or key not in self.keys:
            return None
        return key

    async def _authorize(self, request: web.Request) -> tuple[str | None, web.Response | None]:
        key = self._key_of(request)
        if key is None:
            return None, self._error(request, 401, "Unauthorized: invalid or missing API key")
        return key, None

    async def _billing(self, request: web.Request) -> web.StreamResponse:
        if fault := self._take_fault(request.path):
            return await self._fault_answer(request, fault)
        if not self.billing:
            return self._error(request, 404, f"Cannot GET {request.path}")
        key, denied = await self._authorize(request)
        if denied:
            return denied
        assert key is not None
        return web.json_response({"current_balance": self.keys[key], "currency": "USD"})

    async def _key(self, request: web.Request) -> web.StreamResponse:
        if fault := self._take_fault(request.path):
            return await self._fault_answer(request, fault)
        if not self.key_endpoint:
            return self._error(request, 404, f"Cannot GET {request.path}")
        key, denied = await self._authorize(request)
        if denied:
            return denied
        assert key is not None
        stamp = "2026-02-18T06:57:29.232Z"
        data = {
            "name": "fake key",
            "disabled": False,
            "prefix": key[:8],
            "scopes": ["model:speech"],
            "limit": None,
            "created_at": stamp,
            "updated_at": stamp,
            "monthly_usage": 0,
        }
        return web.json_response({"data": {**data, **self.key_states.get(key, {})}})

    async def _usage(self, request: web.Request) -> web.StreamResponse:
        """The key's spend over a window, checked as the API's usage page describes."""
        if fault := self._take_fault(request.path):
            return await self._fault_answer(request, fault)
        if not self.usage:
            return self._error(request, 404, f"Cannot GET {request.path}")
        key, denied = await self._authorize(request)
        if denied:
            return denied
        assert key is not None
        query = request.query
        if "group_by" in query or "tz" in query:
            return self._error(request, 400, "group_by and tz are accepted on /v2/usage/detail")
        prefix = query.get("key_prefix")
        if prefix is not None and prefix != key[:8]:
            return self._error(request, 403, "Reading another key's spend needs a management key")
        window = _usage_window(query, datetime.now(UTC))
        if isinstance(window, str):
            return self._error(request, 400, window)
        start, end = window
        spend, charged = self.spent(key, start, end)
        return web.json_response(
            {
                "api_key_prefix": prefix,
                "start": _stamp(start),
                "end": _stamp(end),
                "spend": spend,
                "currency": "USD",
                "requests": charged,
            }
        )

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        """A redirect to ``?to=`` (how a storage service may hand out its audio)."""
        raise web.HTTPFound(request.query["to"])

    def _forbidden_reason(self, key: str) -> str | None:
        """Why a synthesis with ``key`` is refused with 403, as the service words it."""
        state = self.key_states.get(key, {})
        if state.get("disabled"):
            return "API key is disabled"
        scopes = state.get("scopes", ["model:speech"])
        if scopes is not None and "model:speech" not in scopes:
            return "API key has no access to this model"
        limit = state.get("limit")
        if limit and (
            state.get("monthly_usage", 0) >= limit["threshold"] or key in self.limits_reached
        ):
            return "API key spending limit reached"
        if self.keys[key] <= 0:
            return "Insufficient balance: top up your account"
        return None

    async def _file(self, request: web.Request) -> web.StreamResponse:
        stored = self._files.get(request.match_info["name"])
        if stored is None:
            return self._error(request, 404, "Not Found")
        data, content_type = stored
        return web.Response(body=data, content_type=content_type)

    async def _tts(self, request: web.Request) -> web.StreamResponse:
        key, denied = await self._authorize(request)
        if denied:
            return denied
        assert key is not None
        if reason := self._forbidden_reason(key):
            return self._error(request, 403, reason)
        body = request["record"].body
        if not isinstance(body, dict):
            return self._error(request, 400, "Request body must be a JSON object")
        problem = self._validate(body)
        if problem:
            return self._error(request, 400, problem)
        if len(body["text"]) > MAX_CHARACTERS:
            return self._error(
                request, 413, f"Text is longer than the {MAX_CHARACTERS} characters allowed"
            )
        # Counted before the limit is applied: a client that overshoots shows in the count.
        self.max_in_flight = max(self.max_in_flight, self.in_flight + 1)
        if self._in_flight.get(key, 0) >= self.max_concurrent:
            response = self._error(request, 429, "Too many concurrent requests")
            response.headers["Retry-After"] = "1"
            return response
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            fault = self._take_fault(request.path, str(body["text"]))
            if fault and fault.kind in {"status", "html"}:
                return await self._fault_answer(request, fault)
            return await self._speak(request, body, fault)
        finally:
            self._in_flight[key] -= 1

    def _validate(self, body: dict[str, Any]) -> str | None:
        """Check a body as the service does; return the error message, or None."""
        which = schema_for(body.get("model"))
        try:
            jsonschema.validate(body, SCHEMAS[which])
        except jsonschema.ValidationError as err:
            where = ".".join(str(p) for p in err.absolute_path) or "body"
            return f"Invalid request ({which} schema): {where}: {err.message}"
        voice = self._voice_name(body)
        if voice in self.retired:
            return f"Model {body['model']!r} is not available: the voice {voice!r} was retired"
        encoding = body.get("encoding", "linear16")
        spec = ENCODINGS[encoding]
        container = body.get("container")
        if container is not None and container not in spec.containers:
            return f"container {container!r} is not supported for encoding {encoding!r}"
        rate = body.get("sample_rate")
        if rate is not None:
            if not spec.rate_configurable:
                return f"sample_rate is not configurable for encoding {encoding!r}"
            if not rate.isdigit() or int(rate) not in spec.rates:
                return f"sample_rate {rate!r} is not supported for encoding {encoding!r}"
        return None

    @staticmethod
    def _voice_name(body: dict[str, Any]) -> str:
        model = str(body["model"])
        if model.startswith("deepgram/"):
            default = "thalia" if model == "deepgram/aura-2" else "asteria"
            return str(body.get("voice", default))
        # "#g1_aura-2-thalia-en" / "aura-asteria-en" -> the name before the language
        return model.removeprefix("#g1_").rsplit("-", 2)[-2]

    async def render(self, body: dict[str, Any]) -> tuple[bytes, str]:
        """The audio a valid request asks for, and its content type."""
        encoding = body.get("encoding", "linear16")
        spec = ENCODINGS[encoding]
        container = body.get("container") or (spec.containers[0] if spec.containers else None)
        rate = int(body.get("sample_rate") or spec.rates[0])
        voice, text = self._voice_name(body), body["text"]
        speed = float(body.get("speed") or 1.0)
        content_type = CONTENT_TYPES[(encoding, container)]
        if encoding in sound.FFMPEG_FORMATS:
            pcm = sound.pcm16(voice, text, 24000, speed)
            return await sound.ffmpeg_encode(pcm, 24000, encoding, rate), content_type
        pcm = sound.pcm16(voice, text, rate, speed)
        if encoding == "linear16":
            payload, wav_format, width = pcm, 1, 2
        else:
            payload, wav_format, width = sound.g711(pcm, encoding), 6 + (encoding == "mulaw"), 1
        if container == "wav":
            return sound.wav(payload, rate, wav_format, width), content_type
        return payload, content_type

    def _seconds_of(self, body: dict[str, Any]) -> float:
        return sound.speech_seconds(body["text"], float(body.get("speed") or 1.0))

    async def _speak(
        self, request: web.Request, body: dict[str, Any], fault: Fault | None
    ) -> web.StreamResponse:
        record: RecordedRequest = request["record"]
        audio, content_type = await self.render(body)
        self._charge_for(request, body)
        if fault and fault.kind == "content_type":
            content_type = fault.content_type
        if fault and fault.kind == "huge":
            audio = audio + bytes(fault.size)
        if (fault and fault.kind in {"url_404", "json_no_audio", "audio_url", "huge_json"}) or (
            self.response_shape == "json" or body.get("stream") is False
        ):
            return await self._json_answer(request, body, audio, content_type, fault)
        if fault and fault.kind == "truncate":
            audio = audio[: max(1, len(audio) // 2)]
        response = web.StreamResponse(headers={"Content-Type": content_type})
        if self.ttfb:
            await asyncio.sleep(self.ttfb)
        await response.prepare(request)
        seconds_per_byte = (
            self._seconds_of(body) / len(audio) / self.rtf if self.rtf and audio else 0.0
        )
        sent = 0
        stalled = False
        while sent < len(audio):
            if fault and fault.kind == "drop" and sent >= fault.after_bytes:
                # Cut the connection in the middle of the audio, as a failing proxy does.
                assert request.transport is not None
                request.transport.close()
                return response
            if fault and fault.kind == "stall" and not stalled and sent >= fault.after_bytes:
                stalled = True
                await asyncio.sleep(fault.seconds)
            chunk = audio[sent : sent + self.chunk_size]
            try:
                await response.write(chunk)
            except ConnectionError:
                record.cancelled = True  # the client went away; nothing more to send
                return response
            if record.first_byte is None:
                record.first_byte = time.monotonic()
            sent += len(chunk)
            if seconds_per_byte:
                await asyncio.sleep(len(chunk) * seconds_per_byte)
        await response.write_eof()
        return response

    def _charge_for(self, request: web.Request, body: dict[str, Any]) -> None:
        """Bill an answered synthesis (a refused one is billed nothing)."""
        key = self._key_of(request)
        assert key is not None
        self.charge(key, len(body["text"]) * PRICE_PER_CHARACTER)

    async def _json_answer(
        self,
        request: web.Request,
        body: dict[str, Any],
        audio: bytes,
        content_type: str,
        fault: Fault | None,
    ) -> web.Response:
        if self.ttfb:
            await asyncio.sleep(self.ttfb)
        name = f"{uuid.uuid4().hex}.{content_type.rsplit('/', 1)[-1]}"
        if not (fault and fault.kind == "url_404"):
            self._files[name] = (audio, content_type)
        answer: dict[str, Any] = {
            "audio": f"{request.url.origin()}/files/{name}",
            "meta": {"usage": {"credits_used": 2 * len(body["text"]), "usd_spent": 0.0}},
        }
        if fault and fault.kind == "json_no_audio":
            del answer["audio"]
        if fault and fault.kind == "audio_url":
            answer["audio"] = fault.body
        if fault and fault.kind == "huge_json":
            answer["padding"] = "x" * fault.size
        request["record"].first_byte = time.monotonic()
        return web.json_response(answer)

    async def _fault_answer(self, request: web.Request, fault: Fault) -> web.Response:
        if fault.kind == "html":
            page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
            return web.Response(text=page, status=fault.status, content_type="text/html")
        if fault.body is None:
            response = self._error(request, fault.status, f"Injected error {fault.status}")
        elif isinstance(fault.body, (dict, list)):
            response = web.json_response(fault.body, status=fault.status)
        else:
            response = web.Response(text=str(fault.body), status=fault.status)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = f"{fault.retry_after:g}"
        return response


def _usage_window(query: Any, now: datetime) -> tuple[datetime, datetime] | str:
    """The window a usage query asks for, or why it is refused."""
    period, start, end = query.get("period"), query.get("start"), query.get("end")
    if period is not None:
        if start is not None or end is not None:
            return "Pass either period or start and end, not both"
        if not _PERIOD.fullmatch(period):
            return "period must be a positive integer followed by h or d"
        unit = timedelta(hours=1) if period.endswith("h") else timedelta(days=1)
        begin, finish = now - int(period[:-1]) * unit, now
    elif start is None or end is None:
        return "Pass either period or both start and end"
    else:
        try:
            begin, finish = _parse_utc(start), _parse_utc(end)
        except ValueError:
            return "start and end must be ISO-8601 timestamps"
    if finish < begin:
        return "end must not be earlier than start"
    if finish - begin > MAX_USAGE_WINDOW:
        return "The window cannot exceed 92 days"
    return begin, finish


def _parse_utc(stamp: str) -> datetime:
    """An ISO-8601 time; one without an offset is UTC, as the service reads it."""
    parsed = datetime.fromisoformat(stamp)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def start(
    fake: FakeAimlApi, host: str = "127.0.0.1", port: int = 0
) -> tuple[web.AppRunner, str]:
    """Serve ``fake`` on host:port (0: a free port); return the runner and the base URL."""
    runner = web.AppRunner(fake.make_app(), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    assert server is not None
    sockets = getattr(server, "sockets", None)
    assert sockets
    fake.url = f"http://{host}:{sockets[0].getsockname()[1]}"
    return runner, fake.url

"""A stand-in for ``https://api.deepgram.com`` (the parts Aura TTS uses), from its reference.

``POST /v1/speak`` takes the voice and the audio settings as query parameters (``model``,
``encoding``, ``container``, ``sample_rate``, ``bit_rate``, ``speed``) and ``{"text": ...}``
as the body, with ``Authorization: Token <key>``; every documented combination of encoding,
container and sample rate is served and every other one refused, as Deepgram's "media output
settings" table has them. ``GET /v1/models`` lists the voices (``models.json``: Deepgram's
voices page as its model list shapes it), ``GET /v1/projects`` and ``GET
/v1/projects/{id}/balances`` are the free management endpoints. Errors have Deepgram's shape
(``err_code``, ``err_msg``, ``request_id``).

It is the AI/ML API fake with Deepgram's doors: timing (``ttfb``, ``rtf``), faults, the
concurrency limit, charges and the request log are shared (see tests/fake_aimlapi).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from pathlib import Path
from typing import Any
import uuid

from aiohttp import web

from tests.fake_aimlapi.server import ENCODINGS, FakeAimlApi, start

__all__ = ["FakeDeepgram", "start"]

MODELS_FILE = Path(__file__).parent / "models.json"
MAX_CHARACTERS = 2000
MIN_SPEED, MAX_SPEED = 0.7, 1.5
SPEED_LANGUAGES = {"en", "es"}
# What a key made with the "member" role may do (Deepgram's default for a new key).
MEMBER_SCOPES = frozenset(
    {"project:read", "usage:write", "usage:read", "keys:read", "billing:read"}
)
BIT_RATES = {"mp3": (32000, 48000), "opus": (4000, 650000), "aac": (4000, 192000)}


def _models() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MODELS_FILE.read_text())
    return data


@dataclass
class FakeDeepgram(FakeAimlApi):
    """The fake Deepgram's state and controls (see FakeAimlApi for the shared ones)."""

    speak_path: str = "/v1/speak"
    project_id: str = "3f0c9b8e-5d0b-4c1e-9a47-2f2d1c0e6b11"
    project_name: str = "Home"
    # Each key's scopes over MEMBER_SCOPES; a key not listed has the member role.
    scopes: dict[str, frozenset[str]] = field(default_factory=dict)
    balances: bool = True  # False: the project lists no balance (a plan, not prepaid)
    models: dict[str, Any] = field(default_factory=_models)
    models_endpoint: bool = True  # False: GET /v1/models answers 404 (a self-hosted one)

    def make_app(self) -> web.Application:
        """The aiohttp application serving the fake API."""
        app = web.Application(middlewares=[self._log_middleware], client_max_size=4 * 1024**2)
        app.router.add_post("/v1/speak", self._tts)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/v1/projects", self._projects)
        app.router.add_get("/v1/projects/{project_id}/balances", self._balances)
        return app

    def voice_names(self) -> dict[str, dict[str, Any]]:
        """The listed Aura voices by model name."""
        return {m["canonical_name"]: m for m in self.models.get("tts", [])}

    # -- Deepgram's shapes ------------------------------------------------------------------

    def _error(self, request: web.Request, status: int, message: Any) -> web.Response:
        codes = {
            400: "Bad Request",
            401: "INVALID_AUTH",
            402: "PAYMENT_REQUIRED",
            403: "INSUFFICIENT_PERMISSIONS",
            404: "NOT_FOUND",
            413: "PAYLOAD_TOO_LARGE",
            429: "TOO_MANY_REQUESTS",
        }
        body = {
            "err_code": codes.get(status, "INTERNAL_SERVER_ERROR"),
            "err_msg": message,
            "request_id": str(uuid.uuid4()),
        }
        return web.json_response(body, status=status)

    def _key_of(self, request: web.Request) -> str | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Token" or key not in self.keys:
            return None
        return key

    async def _authorize(self, request: web.Request) -> tuple[str | None, web.Response | None]:
        key = self._key_of(request)
        if key is None:
            return None, self._error(request, 401, "Invalid credentials.")
        return key, None

    def _may(self, key: str, scope: str) -> bool:
        return scope in self.scopes.get(key, MEMBER_SCOPES)

    # -- management -------------------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.StreamResponse:
        if fault := self._take_fault(request.path):
            return await self._fault_answer(request, fault)
        if not self.models_endpoint:
            return self._error(request, 404, "Not Found")
        return web.json_response(self.models)

    async def _management(
        self, request: web.Request, scope: str, what: str
    ) -> tuple[str | None, web.StreamResponse | None]:
        """A management request's key, or the answer that refuses it (a fault, 401, 403)."""
        if fault := self._take_fault(request.path):
            return None, await self._fault_answer(request, fault)
        key, denied = await self._authorize(request)
        if denied:
            return None, denied
        assert key is not None
        if not self._may(key, scope):
            return None, self._error(request, 403, f"This key may not read {what}.")
        return key, None

    async def _projects(self, request: web.Request) -> web.StreamResponse:
        _, refused = await self._management(request, "project:read", "projects")
        if refused:
            return refused
        return web.json_response(
            {"projects": [{"project_id": self.project_id, "name": self.project_name}]}
        )

    async def _balances(self, request: web.Request) -> web.StreamResponse:
        key, refused = await self._management(request, "billing:read", "balances")
        if refused:
            return refused
        assert key is not None
        if request.match_info["project_id"] != self.project_id:
            return self._error(request, 404, "Project not found.")
        balances = []
        if self.balances:
            balances.append(
                {
                    "balance_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, key)),
                    "amount": self.keys[key],
                    "units": "usd",
                    "purchase_order_id": "free-credit",
                }
            )
        return web.json_response({"balances": balances})

    # -- speech -----------------------------------------------------------------------------

    async def _tts(self, request: web.Request) -> web.StreamResponse:
        key, denied = await self._authorize(request)
        if denied:
            return denied
        assert key is not None
        if not self._may(key, "usage:write"):
            return self._error(request, 403, "This key may not make requests.")
        if self.keys[key] <= 0:
            return self._error(request, 402, "Project does not have enough credits.")
        record = request["record"]
        if not isinstance(record.body, dict) or not isinstance(record.body.get("text"), str):
            return self._error(request, 400, "Request body must be JSON with a text field.")
        body, problem = self._settings(dict(request.query), record.body["text"])
        if problem:
            return self._error(request, 400, problem)
        if len(body["text"]) > MAX_CHARACTERS:
            return self._error(request, 413, f"Text must be {MAX_CHARACTERS} characters or fewer.")
        self.max_in_flight = max(self.max_in_flight, self.in_flight + 1)
        if self._in_flight.get(key, 0) >= self.max_concurrent:
            response = self._error(request, 429, "Too many concurrent requests.")
            response.headers["Retry-After"] = "1"
            return response
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            fault = self._take_fault(request.path, body["text"])
            if fault and fault.kind in {"status", "html"}:
                return await self._fault_answer(request, fault)
            return await self._speak(request, body, fault)
        finally:
            self._in_flight[key] -= 1

    def _settings(self, query: dict[str, str], text: str) -> tuple[dict[str, Any], str | None]:
        """The request's settings as the shared renderer reads them, or why they are refused."""
        model = query.get("model", "aura-asteria-en")
        voice = self.voice_names().get(model)
        if voice is None:
            return {}, f"No such model: {model!r}."
        encoding = query.get("encoding", "mp3")
        if encoding not in ENCODINGS:
            return {}, f"Unsupported encoding: {encoding!r}."
        spec = ENCODINGS[encoding]
        body: dict[str, Any] = {"model": model, "text": text, "encoding": encoding}
        if (container := query.get("container")) is not None:
            if container not in spec.containers:
                return {}, f"Container {container!r} is not supported for {encoding}."
            body["container"] = container
        if (rate := query.get("sample_rate")) is not None:
            if not spec.rate_configurable:
                return {}, f"sample_rate is not configurable for {encoding}."
            if not rate.isdigit() or int(rate) not in spec.rates:
                return {}, f"Sample rate {rate!r} is not supported for {encoding}."
            body["sample_rate"] = rate
        if (bit_rate := query.get("bit_rate")) is not None:
            low, high = BIT_RATES.get(encoding, (0, -1))
            if not bit_rate.isdigit() or not low <= int(bit_rate) <= high:
                return {}, f"Bit rate {bit_rate!r} is not supported for {encoding}."
        if (speed := query.get("speed")) is not None:
            problem = self._speed_problem(voice, speed)
            if problem:
                return {}, problem
            body["speed"] = speed
        return body, None

    @staticmethod
    def _speed_problem(voice: dict[str, Any], speed: str) -> str | None:
        try:
            value = float(speed)
        except ValueError:
            return f"speed must be a number, not {speed!r}."
        if not MIN_SPEED <= value <= MAX_SPEED:
            return f"speed must be between {MIN_SPEED} and {MAX_SPEED}."
        if voice["architecture"] != "aura-2" or voice["languages"][0] not in SPEED_LANGUAGES:
            return f"speed is not supported for model {voice['canonical_name']!r}."
        return None

    @staticmethod
    def _voice_name(body: dict[str, Any]) -> str:
        # "aura-2-julius-de" -> "julius": the tone the fake speaks with.
        return str(body["model"]).rsplit("-", 2)[-2]

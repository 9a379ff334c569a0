"""The fake_api AI/ML API behaves as the published API description says."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import io
import json
import subprocess
from typing import Any
import wave

import aiohttp
import jsonschema
import pytest

from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.server import OPENAPI_DIR, PRICE_PER_CHARACTER
from tests.fake_aimlapi.sound import speech_seconds

TEXT = "Hello from the fake_api service, speaking at a calm pace."
AUTH = {"Authorization": "Bearer test-key"}


async def post(
    fake_api: FakeAimlApi, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, str, bytes, dict[str, str]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{fake_api.url}/v1/tts", json=body, headers=AUTH if headers is None else headers
        ) as response,
    ):
        data = await response.read()
        return response.status, response.content_type, data, dict(response.headers)


def decode_seconds(data: bytes, rate: int) -> float:
    """Decode to PCM with ffmpeg and count samples (exact for every codec)."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "-", "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout
    return len(out) / 2 / rate


@pytest.mark.parametrize(
    "body",
    [
        {"model": "#g1_aura-2-thalia-en", "text": TEXT},
        {"model": "#g1_aura-asteria-en", "text": TEXT},
        {"model": "deepgram/aura-2", "voice": "thalia", "text": TEXT, "stream": True},
        {"model": "deepgram/aura-2", "voice": "draco", "text": TEXT},
        {"model": "deepgram/aura", "voice": "helios", "text": TEXT},
    ],
)
async def test_both_request_styles_accepted(fake_api: FakeAimlApi, body: dict[str, Any]) -> None:
    status, content_type, data, _ = await post(fake_api, body)
    assert status == 200, data
    assert content_type == "audio/wav"
    with wave.open(io.BytesIO(data)) as reader:
        assert reader.getframerate() == 24000
        assert reader.getnframes() / 24000 == pytest.approx(speech_seconds(TEXT), abs=1e-3)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"model": "#g1_aura-2-thalia-en", "voice": "thalia", "text": TEXT}, "Additional"),
        ({"model": "#g1_aura-2-draco-en", "text": TEXT}, "is not one of"),  # not in legacy list
        ({"model": "deepgram/aura-2", "voice": "asteria2", "text": TEXT}, "is not one of"),
        ({"model": "deepgram/aura-2", "voice": "thalia"}, "'text' is a required property"),
        ({"model": "#g1_aura-2-thalia-en", "text": TEXT, "encoding": "wav"}, "is not one of"),
        ({"model": "#g1_aura-2-thalia-en", "text": TEXT, "sample_rate": 16000}, "not of type"),
        (
            {
                "model": "#g1_aura-2-thalia-en",
                "text": TEXT,
                "encoding": "mp3",
                "sample_rate": "16000",
            },
            "not configurable",
        ),
        ({"model": "#g1_aura-2-thalia-en", "text": TEXT, "sample_rate": "44100"}, "not supported"),
        (
            {"model": "#g1_aura-2-thalia-en", "text": TEXT, "encoding": "mp3", "container": "wav"},
            "container",
        ),
        ("just text", "JSON object"),
    ],
)
async def test_invalid_bodies_rejected_like_the_api(
    fake_api: FakeAimlApi, body: Any, fragment: str
) -> None:
    status, content_type, data, _ = await post(fake_api, body)
    assert status == 400
    assert content_type == "application/json"
    error = json.loads(data)
    assert set(error) == {"message", "path", "requestId", "statusCode", "timestamp"}
    assert error["statusCode"] == 400
    assert error["path"] == "/v1/tts"
    assert fragment in error["message"]


@pytest.mark.parametrize(
    ("fields", "content_type", "rate", "kind"),
    [
        (
            {"encoding": "linear16", "container": "wav", "sample_rate": "16000"},
            "audio/wav",
            16000,
            "wav",
        ),
        (
            {"encoding": "linear16", "container": "none", "sample_rate": "8000"},
            "audio/l16",
            8000,
            "pcm",
        ),
        ({"encoding": "mulaw", "sample_rate": "8000"}, "audio/wav", 8000, "ffmpeg"),
        ({"encoding": "alaw", "container": "wav"}, "audio/wav", 8000, "ffmpeg"),
        ({"encoding": "mulaw", "container": "none"}, "audio/basic", 8000, "g711"),
        ({"encoding": "mp3"}, "audio/mpeg", 22050, "ffmpeg"),
        ({"encoding": "opus"}, "audio/ogg", 48000, "ffmpeg"),
        ({"encoding": "flac", "sample_rate": "16000"}, "audio/flac", 16000, "ffmpeg"),
        ({"encoding": "aac"}, "audio/aac", 22050, "ffmpeg"),
    ],
)
async def test_every_encoding_decodes_to_the_expected_duration(
    fake_api: FakeAimlApi, fields: dict[str, str], content_type: str, rate: int, kind: str
) -> None:
    body = {"model": "#g1_aura-2-thalia-en", "text": TEXT, **fields}
    status, got_type, data, _ = await post(fake_api, body)
    assert status == 200, data
    assert got_type == content_type
    expected = speech_seconds(TEXT)
    if kind == "wav":
        with wave.open(io.BytesIO(data)) as reader:
            assert reader.getframerate() == rate
            assert reader.getnframes() / rate == pytest.approx(expected, abs=1e-3)
    elif kind == "pcm":
        assert len(data) / 2 / rate == pytest.approx(expected, abs=1e-3)
    elif kind == "g711":
        assert len(data) / rate == pytest.approx(expected, abs=1e-3)
    else:
        # Compressed codecs pad a frame or two; the decoded length is within 0.1 s.
        assert decode_seconds(data, rate) == pytest.approx(expected, abs=0.1)


async def test_text_limit_is_413(fake_api: FakeAimlApi) -> None:
    status, _, data, _ = await post(fake_api, {"model": "#g1_aura-2-thalia-en", "text": "a" * 2001})
    assert status == 413
    assert json.loads(data)["statusCode"] == 413
    status, *_ = await post(fake_api, {"model": "#g1_aura-2-thalia-en", "text": "a" * 2000})
    assert status == 200


async def test_keys(fake_api: FakeAimlApi) -> None:
    body = {"model": "#g1_aura-2-thalia-en", "text": "Hi"}
    assert (await post(fake_api, body, headers={}))[0] == 401
    assert (await post(fake_api, body, headers={"Authorization": "Bearer nope"}))[0] == 401
    fake_api.keys["poor"] = 0
    assert (await post(fake_api, body, headers={"Authorization": "Bearer poor"}))[0] == 403


async def test_billing_and_key_endpoints(fake_api: FakeAimlApi) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake_api.url}/v2/billing", headers=AUTH) as response:
            assert await response.json() == {"current_balance": 42.5, "currency": "USD"}
        async with session.get(f"{fake_api.url}/v1/key", headers=AUTH) as response:
            data = (await response.json())["data"]
            assert data["prefix"] == "test-key"[:8]
            assert {"disabled", "created_at", "updated_at", "monthly_usage"} <= set(data)
        async with session.get(f"{fake_api.url}/v2/billing") as response:
            assert response.status == 401


def usage_answer_schema() -> dict[str, Any]:
    """The published answer schema, closed, as JSON Schema (OpenAPI 3.0 says "nullable")."""
    spec = json.loads((OPENAPI_DIR / "usage-v2.json").read_text())
    schema: dict[str, Any] = spec["paths"]["/v2/usage"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    properties = {
        name: {**spec, "type": [spec["type"], "null"]} if spec.get("nullable") else spec
        for name, spec in schema["properties"].items()
    }
    return {**schema, "properties": properties, "additionalProperties": False}


async def test_usage_endpoint_as_published(fake_api: FakeAimlApi) -> None:
    """/v2/usage answers in its published shape and refuses what its page says it refuses."""
    now = datetime.now(UTC)
    fake_api.charge("test-key", 0.25, now - timedelta(hours=2))
    fake_api.charge("test-key", 1.0, now - timedelta(days=3))
    assert fake_api.keys["test-key"] == 41.25  # charges come off the balance

    async def usage(query: dict[str, str], headers: dict[str, str] = AUTH) -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{fake_api.url}/v2/usage", params=query, headers=headers) as response,
        ):
            return response.status, await response.json()

    status, answer = await usage({"period": "24h"})
    assert status == 200
    jsonschema.validate(answer, usage_answer_schema())
    assert (answer["spend"], answer["requests"], answer["api_key_prefix"]) == (0.25, 1, None)
    start = (now - timedelta(days=7)).isoformat()
    status, answer = await usage({"start": start, "end": now.isoformat(), "key_prefix": "test-key"})
    assert (status, answer["spend"], answer["requests"]) == (200, 1.25, 2)
    assert answer["api_key_prefix"] == "test-key"
    assert answer["start"].endswith("Z")
    refused = [
        ({"period": "24h", "start": start, "end": now.isoformat()}, 400),
        ({"start": start}, 400),
        ({}, 400),
        ({"period": "0d"}, 400),
        ({"period": "24m"}, 400),
        ({"start": (now - timedelta(days=93)).isoformat(), "end": now.isoformat()}, 400),
        ({"start": now.isoformat(), "end": start}, 400),
        ({"period": "7d", "group_by": "day"}, 400),
        ({"period": "7d", "key_prefix": "otherkey"}, 403),
    ]
    for query, expected in refused:
        assert (await usage(query))[0] == expected, query
    assert (await usage({"period": "24h"}, headers={}))[0] == 401
    fake_api.usage = False
    assert (await usage({"period": "24h"}))[0] == 404


async def test_synthesis_is_charged(fake_api: FakeAimlApi) -> None:
    """An answered synthesis is charged by its characters; a refused one is not."""
    assert (await post(fake_api, {"model": "#g1_aura-2-thalia-en", "text": TEXT}))[0] == 200
    assert (await post(fake_api, {"model": "#g1_aura-2-thalia-en", "text": "x" * 2001}))[0] == 413
    [(_, usd)] = fake_api.charges["test-key"]
    assert usd == pytest.approx(len(TEXT) * PRICE_PER_CHARACTER)
    assert fake_api.keys["test-key"] == pytest.approx(42.5 - usd)


async def test_json_answer_with_public_audio_url(fake_api: FakeAimlApi) -> None:
    body = {"model": "#g1_aura-2-thalia-en", "text": TEXT, "stream": False}
    status, content_type, data, _ = await post(fake_api, body)
    assert (status, content_type) == (200, "application/json")
    answer = json.loads(data)
    assert answer["meta"]["usage"]["credits_used"] > 0
    async with aiohttp.ClientSession() as session, session.get(answer["audio"]) as response:
        assert response.status == 200  # no key needed
        assert (await response.read())[:4] == b"RIFF"


async def test_concurrency_limit_is_429_with_retry_after(fake_api: FakeAimlApi) -> None:
    fake_api.max_concurrent = 2
    fake_api.ttfb = 0.3
    body = {"model": "#g1_aura-2-thalia-en", "text": "Hi"}
    results = await asyncio.gather(*(post(fake_api, body) for _ in range(4)))
    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 200, 429, 429]
    assert all(r[3].get("Retry-After") == "1" for r in results if r[0] == 429)


async def test_timing_ttfb_and_rtf(fake_api: FakeAimlApi) -> None:
    """Bytes arrive after the time to first byte and at the set real-time factor."""
    fake_api.ttfb, fake_api.rtf, fake_api.chunk_size = 0.2, 10.0, 2048
    body = {"model": "#g1_aura-2-thalia-en", "text": TEXT}
    await post(fake_api, body)
    [request] = fake_api.tts_requests()
    assert request.first_byte is not None
    assert request.finished is not None
    assert request.first_byte - request.started >= 0.2
    # Audio of ~3.4 s at 10x real time takes at least ~0.3 s to send.
    assert request.finished - request.first_byte >= speech_seconds(TEXT) / 10 * 0.8


@pytest.mark.parametrize("count", [1, 2])
async def test_status_fault_for_a_number_of_requests(fake_api: FakeAimlApi, count: int) -> None:
    fake_api.add_fault("status", status=429, retry_after=2.5, count=count)
    body = {"model": "#g1_aura-2-thalia-en", "text": "Hi"}
    results = [await post(fake_api, body) for _ in range(count + 1)]
    assert [r[0] for r in results] == [429] * count + [200]
    assert results[0][3]["Retry-After"] == "2.5"


async def test_status_fault_for_all_requests(fake_api: FakeAimlApi) -> None:
    fake_api.add_fault("status", status=502, count=None, body="bad gateway")
    body = {"model": "#g1_aura-2-thalia-en", "text": "Hi"}
    for _ in range(3):
        status, _, data, _ = await post(fake_api, body)
        assert (status, data) == (502, b"bad gateway")


async def test_drop_fault_cuts_the_connection(fake_api: FakeAimlApi) -> None:
    fake_api.add_fault("drop", after_bytes=4096)
    fake_api.chunk_size = 1024
    with pytest.raises(aiohttp.ClientPayloadError):
        await post(fake_api, {"model": "#g1_aura-2-thalia-en", "text": TEXT})


async def test_truncate_fault_ends_the_audio_early(fake_api: FakeAimlApi) -> None:
    fake_api.add_fault("truncate")
    status, _, data, _ = await post(fake_api, {"model": "#g1_aura-2-thalia-en", "text": TEXT})
    assert status == 200
    declared = int.from_bytes(data[40:44], "little")
    assert len(data) - 44 < declared


async def test_html_and_content_type_faults(fake_api: FakeAimlApi) -> None:
    fake_api.add_fault("html", status=200)
    status, content_type, data, _ = await post(
        fake_api, {"model": "#g1_aura-2-thalia-en", "text": "Hi"}
    )
    assert (status, content_type) == (200, "text/html")
    assert data.startswith(b"<html>")
    fake_api.add_fault("content_type", content_type="text/plain")
    status, content_type, data, _ = await post(
        fake_api, {"model": "#g1_aura-2-thalia-en", "text": "Hi"}
    )
    assert (status, content_type) == (200, "text/plain")
    assert data[:4] == b"RIFF"


async def test_stall_fault(fake_api: FakeAimlApi) -> None:
    fake_api.add_fault("stall", seconds=0.5, after_bytes=1)
    await post(fake_api, {"model": "#g1_aura-2-thalia-en", "text": "Hi"})
    [request] = fake_api.tts_requests()
    assert request.finished is not None
    assert request.first_byte is not None
    assert request.finished - request.first_byte >= 0.5


async def test_url_404_and_json_without_audio(fake_api: FakeAimlApi) -> None:
    fake_api.add_fault("url_404")
    _, content_type, data, _ = await post(fake_api, {"model": "#g1_aura-2-thalia-en", "text": "Hi"})
    assert content_type == "application/json"
    async with (
        aiohttp.ClientSession() as session,
        session.get(json.loads(data)["audio"]) as response,
    ):
        assert response.status == 404
    fake_api.add_fault("json_no_audio")
    _, _, data, _ = await post(fake_api, {"model": "#g1_aura-2-thalia-en", "text": "Hi"})
    assert "audio" not in json.loads(data)


async def test_retired_voice_is_refused(fake_api: FakeAimlApi) -> None:
    fake_api.retired.add("asteria")
    status, _, data, _ = await post(fake_api, {"model": "#g1_aura-asteria-en", "text": "Hi"})
    assert status == 400
    assert "retired" in json.loads(data)["message"]


async def test_request_log(fake_api: FakeAimlApi) -> None:
    await post(fake_api, {"model": "#g1_aura-2-thalia-en", "text": "Logged"})
    [request] = fake_api.requests
    assert request.method == "POST"
    assert request.body["text"] == "Logged"
    assert request.headers["Authorization"] == "Bearer test-key"
    assert request.status == 200

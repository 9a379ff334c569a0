"""The AI/ML API client against the fake_api server (no Home Assistant involved)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
import itertools

import aiohttp
import pytest

from custom_components.aura_tts.aura.account import missing_endpoint
from custom_components.aura_tts.aura.audio import WAV_PCM, AudioFormat
from custom_components.aura_tts.aura.client import (
    NO_RETRY,
    RequestStyle,
    build_tts_body,
)
from custom_components.aura_tts.aura.errors import (
    AuthenticationError,
    BadRequestError,
    BadResponseError,
    CannotConnectError,
    ForbiddenError,
    InsufficientCreditError,
    RateLimitError,
    ServerError,
    TextTooLongError,
    VoiceRejectedError,
    error_message as _error_message,
    retry_after as _retry_after,
)
from custom_components.aura_tts.aura.http import RetryPolicy, Timeouts
from custom_components.aura_tts.aura.text import split_text
from tests.audio_checks import wav_facts
from tests.aura.clients import client_for
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds

THALIA = "#g1_aura-2-thalia-en"


def test_request_bodies_in_both_styles() -> None:
    assert build_tts_body(RequestStyle.LEGACY, THALIA, "Hi", WAV_PCM) == {
        "model": THALIA,
        "text": "Hi",
        "encoding": "linear16",
        "container": "wav",
    }
    assert build_tts_body(
        RequestStyle.MODEL_AND_VOICE, "#g1_aura-helios-en", "Hi", AudioFormat("mp3")
    ) == {"model": "deepgram/aura", "voice": "helios", "text": "Hi", "encoding": "mp3"}
    with pytest.raises(ValueError, match="not an Aura voice"):
        build_tts_body(RequestStyle.MODEL_AND_VOICE, "robot", "Hi", WAV_PCM)


async def test_synthesize_wav(session: aiohttp.ClientSession, fake_api: FakeAimlApi) -> None:
    audio = await client_for(session, fake_api).async_synthesize(THALIA, "Hello there.", WAV_PCM)
    assert wav_facts(audio)[3] == pytest.approx(speech_seconds("Hello there."), abs=1e-3)


async def test_the_documented_style_comes_first(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi
) -> None:
    """Since 2026-06 the AI/ML API documents model + voice: one request, in that style.

    Draco is missing from the legacy model list, so the old style first would cost two.
    """
    client = client_for(session, fake_api)
    await client.async_synthesize("#g1_aura-2-draco-en", "Hi.", WAV_PCM)
    await client.async_synthesize("#g1_aura-luna-en", "Hola.", WAV_PCM)
    bodies = [r.body for r in fake_api.tts_requests()]
    assert [(b["model"], b["voice"]) for b in bodies] == [
        ("deepgram/aura-2", "draco"),
        ("deepgram/aura", "luna"),
    ]
    assert client.request_style is RequestStyle.MODEL_AND_VOICE


async def test_falls_back_to_the_legacy_style_and_remembers(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi
) -> None:
    """A server that refuses a voice in the documented style is asked once in the seed
    documents' style, and that style is kept (one paid request per message from then on)."""
    fake_api.add_fault(
        "status", status=400, body={"message": 'Unknown model deepgram/aura-2 for voice "thalia"'}
    )
    client = client_for(session, fake_api)
    await client.async_synthesize(THALIA, "Hi.", WAV_PCM)
    await client.async_synthesize("#g1_aura-2-celeste-es", "Hola.", WAV_PCM)
    assert [r.body["model"] for r in fake_api.tts_requests()] == [
        "deepgram/aura-2",
        THALIA,
        "#g1_aura-2-celeste-es",
    ]
    assert client.request_style is RequestStyle.LEGACY


async def test_json_answer_is_followed_without_the_key(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi
) -> None:
    fake_api.response_shape = "json"
    audio = await client_for(session, fake_api).async_synthesize(THALIA, "Hi.", WAV_PCM)
    assert audio[:4] == b"RIFF"
    download = [r for r in fake_api.requests if r.path.startswith("/files/")]
    assert len(download) == 1
    assert "Authorization" not in download[0].headers


@pytest.mark.parametrize(
    ("prepare", "error"),
    [
        (lambda f: f.keys.clear(), AuthenticationError),
        (lambda f: f.keys.update({"test-key": 0}), InsufficientCreditError),
        (lambda f: f.add_fault("status", status=429, retry_after=3), RateLimitError),
        (lambda f: f.add_fault("status", status=503), ServerError),
        (lambda f: f.add_fault("status", status=413), TextTooLongError),
        (
            lambda f: f.add_fault("status", status=422, body={"message": ["a", "b"]}),
            BadRequestError,
        ),
        (lambda f: f.add_fault("html", status=200), BadResponseError),
        (lambda f: f.add_fault("content_type"), BadResponseError),
        (lambda f: f.add_fault("url_404"), BadResponseError),
        (lambda f: f.add_fault("json_no_audio"), BadResponseError),
        (lambda f: f.add_fault("drop", after_bytes=100), CannotConnectError),
    ],
)
async def test_failures_are_typed(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi, prepare: object, error: type
) -> None:
    prepare(fake_api)  # type: ignore[operator]
    fake_api.chunk_size = 64
    client = client_for(session, fake_api, retry=NO_RETRY)
    with pytest.raises(error) as caught:
        await client.async_synthesize(THALIA, "Hello there.", WAV_PCM)
    assert "test-key" not in str(caught.value)
    if isinstance(caught.value, RateLimitError):
        assert caught.value.retry_after == 3


async def test_retired_voice_is_named(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi
) -> None:
    fake_api.retired.add("asteria")
    with pytest.raises(VoiceRejectedError) as caught:
        await client_for(session, fake_api).async_synthesize("#g1_aura-asteria-en", "Hi", WAV_PCM)
    assert caught.value.voice_id == "#g1_aura-asteria-en"


async def test_stall_ends_with_an_error(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi
) -> None:
    """A stream that stops sending fails after the read timeout instead of hanging."""
    fake_api.add_fault("stall", seconds=5, after_bytes=1)
    client = client_for(session, fake_api, timeouts=Timeouts(read=0.3))
    with pytest.raises(CannotConnectError):
        await client.async_synthesize(THALIA, "Hello there.", WAV_PCM)


async def test_unreachable(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    client = client_for(session, "http://127.0.0.1:9")
    with pytest.raises(CannotConnectError):
        await client.async_get_balance()


async def test_usage_of_a_window(session: aiohttp.ClientSession, fake_api: FakeAimlApi) -> None:
    """The spend between two aware times, asked in UTC; the window echoed is the service's."""
    client = client_for(session, fake_api)
    madrid = timezone(timedelta(hours=1))
    start = datetime(2026, 11, 23, 0, 0, tzinfo=madrid)  # 2026-11-22T23:00Z
    end = datetime(2026, 11, 23, 12, 0, tzinfo=madrid)
    fake_api.charge("test-key", 0.125, start - timedelta(seconds=1))  # the evening before
    fake_api.charge("test-key", 0.25, start + timedelta(seconds=1))
    fake_api.charge("test-key", 0.5, end)
    usage = await client.async_get_usage(start, end)
    assert (usage.spend, usage.requests) == (0.75, 2)
    assert (usage.start, usage.end) == (start, end)
    [request] = [r for r in fake_api.requests if r.path == "/v2/usage"]
    assert request.headers["Authorization"] == "Bearer test-key"
    with pytest.raises(ValueError, match="time zone"):
        await client.async_get_usage(datetime(2026, 11, 23), end)
    fake_api.add_fault("status", path="/v2/usage", status=200, body={"spend": "lots"})
    with pytest.raises(BadResponseError):
        await client.async_get_usage(start, end)
    fake_api.usage = False
    with pytest.raises(BadRequestError) as caught:
        await client.async_get_usage(start, end)
    assert missing_endpoint(caught.value)


async def test_balance(session: aiohttp.ClientSession, fake_api: FakeAimlApi) -> None:
    client = client_for(session, fake_api)
    balance = (await client.async_validate_key()).balance
    assert balance is not None
    assert (balance.amount, balance.currency) == (42.5, "USD")
    # A gateway with neither free endpoint: a start-up check pays nothing ...
    fake_api.key_endpoint = fake_api.billing = False
    check = await client.async_validate_key()
    assert (check.key, check.balance) == (None, None)
    assert fake_api.tts_requests() == []
    # ... and a user's set-up checks the key with one short synthesis.
    fake_api.add_fault("status", path="/v1/tts", status=401)
    with pytest.raises(AuthenticationError):
        await client.async_validate_key(synthesize_if_unknown=True)
    assert [r.body["text"] for r in fake_api.tts_requests()] == ["Hi"]
    fake_api.billing = True
    fake_api.add_fault("status", path="/v2/billing", status=400)
    with pytest.raises(BadRequestError):
        await client.async_validate_key()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"error": "quota"}', "HTTP 400: quota"),
        (b'{"detail": {"message": "bad voice"}}', "HTTP 400: bad voice"),
        (b'{"message": ["a", "b"]}', "HTTP 400: a; b"),
        (b"<html>oops</html>", "HTTP 400: the service answered with an error page"),
        (b"\xff\xfe", "HTTP 400: the service answered with an error page"),
    ],
)
def test_error_messages_are_short_and_readable(raw: bytes, expected: str) -> None:
    assert _error_message(400, raw) == expected


def test_retry_after_parsing() -> None:
    assert _retry_after({"Retry-After": "2"}) == 2.0
    assert _retry_after({"Retry-After": "-5"}) == 0.0
    assert _retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert _retry_after({}) is None


async def test_runaway_body_is_capped(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("custom_components.aura_tts.aura.http.MAX_AUDIO_BYTES", 100_000)
    fake_api.add_fault("huge", size=200_000)
    with pytest.raises(BadResponseError, match="larger"):
        await client_for(session, fake_api).async_synthesize(THALIA, "Hi.", WAV_PCM)


def test_split_text_needs_a_positive_limit() -> None:
    with pytest.raises(ValueError, match="positive"):
        split_text("Hi.", 0)


QUICK_RETRY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, budget=5.0)


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 429, "retry_after": 0.2},
        {"kind": "status", "status": 502},
        {"kind": "status", "status": 503},
        {"kind": "status", "status": 504},
        {"kind": "html", "status": 502},
    ],
)
async def test_passing_failures_are_retried(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi, fault: dict[str, object]
) -> None:
    """Busy, gateway and connection failures before any audio: tried again, then audio."""
    fake_api.add_fault(count=2, **fault)  # type: ignore[arg-type]
    client = client_for(session, fake_api, retry=QUICK_RETRY)
    audio = await client.async_synthesize(THALIA, "Hello there.", WAV_PCM)
    assert wav_facts(audio)[3] == pytest.approx(speech_seconds("Hello there."), abs=0.01)
    requests = fake_api.tts_requests()
    assert len(requests) == 3
    assert client.retries == 2
    if fault.get("retry_after"):
        # Retry-After is honoured: no retry came sooner than the server asked.
        gaps = [b.started - a.started for a, b in itertools.pairwise(requests)]
        assert min(gaps) >= 0.2


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": "status", "status": 500}, ServerError),
        ({"kind": "status", "status": 400}, BadRequestError),
        ({"kind": "status", "status": 403}, ForbiddenError),
        ({"kind": "status", "status": 429, "retry_after": 60}, RateLimitError),
        # Sent, then cut off or silent: the service may have started (and billed) it.
        ({"kind": "drop", "after_bytes": 0}, CannotConnectError),
        ({"kind": "stall", "after_bytes": 0, "seconds": 2}, CannotConnectError),
    ],
)
async def test_hopeless_failures_are_not_retried(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi, fault: dict[str, object], error: type
) -> None:
    """A bug (500), a refusal, a Retry-After past the time budget, or a request that reached
    the service and broke: one (paid) request only, in one request style."""
    fake_api.add_fault(count=None, **fault)  # type: ignore[arg-type]
    client = client_for(session, fake_api, retry=QUICK_RETRY, timeouts=Timeouts(read=0.3))
    with pytest.raises(error) as caught:
        await client.async_synthesize("#g1_aura-2-thalia-en", "Hello there.", WAV_PCM)
    assert type(caught.value) is error
    assert len(fake_api.tts_requests()) == 1
    assert client.retries == 0


async def test_refused_connections_are_retried(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """Nothing listening: the request never left, so trying again costs nothing."""
    client = client_for(session, "http://127.0.0.1:9", retry=QUICK_RETRY)
    with pytest.raises(CannotConnectError):
        await client.async_synthesize(THALIA, "Hello there.", WAV_PCM)
    assert client.retries == QUICK_RETRY.attempts - 1


async def test_a_400_about_another_field_is_not_tried_in_the_other_style(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi
) -> None:
    """Only a refused voice is worth a second, paid request in the other request style."""
    fake_api.add_fault("status", status=400, body={"message": "text must be a string"})
    client = client_for(session, fake_api)
    with pytest.raises(BadRequestError, match="text must be"):
        await client.async_synthesize(THALIA, "Hello there.", WAV_PCM)
    assert len(fake_api.tts_requests()) == 1
    assert client.request_style is RequestStyle.MODEL_AND_VOICE


async def test_retries_stop_at_the_attempt_limit(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi
) -> None:
    fake_api.add_fault("status", count=None, status=503)
    client = client_for(session, fake_api, retry=QUICK_RETRY)
    with pytest.raises(ServerError):
        await client.async_synthesize(THALIA, "Hello there.", WAV_PCM)
    assert len(fake_api.tts_requests()) == QUICK_RETRY.attempts


async def test_failure_after_audio_started_is_not_retried(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi
) -> None:
    """Retrying would repeat audio the listener already has, so the error is raised."""
    fake_api.chunk_size = 64
    fake_api.add_fault("drop", after_bytes=128)
    client = client_for(session, fake_api, retry=QUICK_RETRY)
    with pytest.raises(CannotConnectError):
        await client.async_synthesize(THALIA, "Hello there.", WAV_PCM)
    assert len(fake_api.tts_requests()) == 1


@pytest.mark.parametrize("retry", [1, 2, 3, 4, 5, 8])
def test_backoff_grows_with_jitter_and_a_cap(retry: int) -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    backoff = min(4.0, 0.5 * 2 ** (retry - 1))
    delays = {policy.delay(retry, None) for _ in range(50)}
    assert all(backoff / 2 <= d <= backoff for d in delays)
    assert len(delays) > 1  # jittered, so clients do not retry in step
    assert policy.delay(retry, 9.0) == 9.0  # Retry-After wins when it is longer


async def test_refused_key_echoed_by_the_service_is_redacted(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi
) -> None:
    fake_api.add_fault("status", status=400, count=None, body={"message": "bad key test-key"})
    with pytest.raises(BadRequestError) as caught:
        await client_for(session, fake_api).async_synthesize(THALIA, "Hi.", WAV_PCM)
    assert "test-key" not in str(caught.value)
    assert "[redacted]" in str(caught.value)

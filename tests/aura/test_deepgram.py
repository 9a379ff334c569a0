"""The Deepgram client against the fake Deepgram (no Home Assistant involved)."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from custom_components.aura_tts.aura import (
    DEEPGRAM_VOICES,
    AudioFormat,
    AuthenticationError,
    BadRequestError,
    ForbiddenError,
    InsufficientCreditError,
    MissingScopeError,
    RateLimitError,
    SpeechStream,
    plan_output,
)
from custom_components.aura_tts.aura.audio import ENCODINGS, FORMATS
from custom_components.aura_tts.aura.errors import BadResponseError
from custom_components.aura_tts.aura.voices import catalogue_from_models
from tests.audio_checks import decoded_seconds, flac_test, probe
from tests.aura.clients import deepgram_client_for
from tests.fake_aimlapi.sound import speech_seconds
from tests.fake_deepgram import FakeDeepgram
from tests.fake_deepgram.server import MEMBER_SCOPES, MODELS_FILE

TEXT = "Guten Morgen. Der Kaffee ist fertig."


async def _words(text: str):  # type: ignore[no-untyped-def]
    yield text


async def test_speaks_with_the_key_as_a_token_and_the_settings_as_the_query(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    client = deepgram_client_for(session, fake_deepgram)
    audio = await client.async_synthesize("aura-2-julius-de", TEXT, AudioFormat("mp3"))
    (request,) = fake_deepgram.tts_requests()
    assert request.headers["Authorization"] == "Token test-key"
    assert request.body == {"text": TEXT}
    assert decoded_seconds(audio) == pytest.approx(speech_seconds(TEXT), abs=0.1)
    # The AI/ML API's voice IDs name the same voice.
    await client.async_synthesize("#g1_aura-2-thalia-en", "Hi.", AudioFormat("mp3"))
    assert fake_deepgram.tts_requests()[-1].path == "/v1/speak"


@pytest.mark.parametrize("wanted", FORMATS)
@pytest.mark.parametrize("rate", [None, 16000, 44100])
async def test_every_speaker_format_decodes(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram, wanted: str, rate: int | None
) -> None:
    """What each speaker asks for, as Deepgram makes it (or the WAV ffmpeg converts)."""
    plan = plan_output(wanted, rate)
    client = deepgram_client_for(session, fake_deepgram)
    audio = await client.async_synthesize("aura-2-agathe-fr", "Bonjour à tous.", plan.request)
    assert decoded_seconds(audio) == pytest.approx(speech_seconds("Bonjour à tous."), abs=0.1)
    if plan.request.encoding == "flac":
        flac_test(audio)
    expected = {"linear16": "wav", "mp3": "mp3", "opus": "ogg", "aac": "aac", "flac": "flac"}
    assert expected[plan.request.encoding] in probe(audio)["format_name"]


async def test_speed_is_sent_and_heard(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    client = deepgram_client_for(session, fake_deepgram)
    text = "The washing machine has finished its cycle."
    audio = await client.async_synthesize(
        "aura-2-thalia-en", text, AudioFormat("linear16", "wav"), speed=1.3
    )
    assert fake_deepgram.tts_requests()[0].path == "/v1/speak"
    assert decoded_seconds(audio) == pytest.approx(speech_seconds(text) / 1.3, abs=0.05)
    assert client.can_change_speed("aura-2-celeste-es")


@pytest.mark.parametrize("voice", ["aura-2-julius-de", "aura-2-fujin-ja", "aura-asteria-en"])
async def test_speed_for_a_voice_that_cannot_change_it_is_refused_before_sending(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram, voice: str
) -> None:
    client = deepgram_client_for(session, fake_deepgram)
    assert not client.can_change_speed(voice)
    with pytest.raises(ValueError, match="speed"):
        await client.async_synthesize(voice, "Hallo.", AudioFormat("mp3"), speed=1.2)
    assert fake_deepgram.tts_requests() == []


async def test_the_fake_refuses_what_deepgram_refuses(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    """Combinations outside Deepgram's table come back as 400s with its error shape."""
    url = f"{fake_deepgram.url}/v1/speak"
    headers = {"Authorization": "Token test-key"}
    for query in (
        {"model": "aura-2-julius-de", "speed": "1.2"},
        {"model": "aura-2-thalia-en", "speed": "2.0"},
        {"model": "aura-2-thalia-en", "encoding": "mp3", "sample_rate": "24000"},
        {"model": "aura-2-thalia-en", "encoding": "opus", "container": "wav"},
        {"model": "aura-2-thalia-en", "encoding": "linear16", "sample_rate": "44100"},
        {"model": "aura-2-thalia-en", "encoding": "linear16", "bit_rate": "48000"},
        {"model": "aura-2-nobody-en"},
    ):
        async with session.post(url, params=query, json={"text": "Hi"}, headers=headers) as r:
            body = await r.json()
            assert r.status == 400, query
            assert set(body) == {"err_code", "err_msg", "request_id"}


async def test_errors_become_typed_errors_with_deepgrams_words(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    good = deepgram_client_for(session, fake_deepgram)
    with pytest.raises(BadRequestError, match="No such model"):
        await good.async_synthesize("aura-2-nobody-en", "Hi.", AudioFormat("mp3"))
    wrong = deepgram_client_for(session, fake_deepgram)
    wrong._http.api_key = "wrong-key"
    with pytest.raises(AuthenticationError, match="Invalid credentials"):
        await wrong.async_synthesize("aura-2-thalia-en", "Hi.", AudioFormat("mp3"))
    fake_deepgram.scopes["test-key"] = frozenset({"project:read"})
    with pytest.raises(MissingScopeError, match="may not make requests"):
        await good.async_synthesize("aura-2-thalia-en", "Hi.", AudioFormat("mp3"))
    fake_deepgram.scopes.clear()
    fake_deepgram.add_fault(
        "status",
        status=403,
        body={"err_code": "INSUFFICIENT_PERMISSIONS", "err_msg": "No access to the model."},
    )
    with pytest.raises(ForbiddenError, match="No access to the model") as no_access:
        await good.async_synthesize("aura-2-thalia-en", "Hi.", AudioFormat("mp3"))
    assert type(no_access.value) is ForbiddenError  # not the key's fault: no new key asked
    fake_deepgram.keys["test-key"] = 0.0
    with pytest.raises(InsufficientCreditError, match="enough credits"):
        await good.async_synthesize("aura-2-thalia-en", "Hi.", AudioFormat("mp3"))


async def test_busy_answers_are_retried(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    fake_deepgram.add_fault("status", status=429, retry_after=0)
    client = deepgram_client_for(session, fake_deepgram)
    assert await client.async_synthesize("aura-2-thalia-en", "Hi.", AudioFormat("mp3"))
    assert [r.status for r in fake_deepgram.tts_requests()] == [429, 200]
    fake_deepgram.add_fault("status", status=429, count=None)
    with pytest.raises(RateLimitError):
        await client.async_synthesize("aura-2-thalia-en", "Hi.", AudioFormat("mp3"))


async def test_long_text_stays_within_the_limits(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    """12,000 characters: 2,000 or fewer a request, 15 or fewer at once, one valid file."""
    fake_deepgram.max_concurrent = 15
    fake_deepgram.ttfb = 0.05
    sentence = "Das ist ein Satz, der etwas länger ist als die anderen. "
    text = sentence * (12_000 // len(sentence))
    client = deepgram_client_for(session, fake_deepgram)
    stream = SpeechStream(client, "aura-2-julius-de", AudioFormat("linear16", "wav"), lookahead=20)
    audio = b"".join([chunk async for chunk in stream.audio(_words(text))])
    requests = fake_deepgram.tts_requests()
    assert len(requests) >= 6
    assert all(len(r.body["text"]) <= 2000 for r in requests)
    assert 1 < fake_deepgram.max_in_flight <= 15
    assert all(r.status == 200 for r in requests)
    assert decoded_seconds(audio) == pytest.approx(
        sum(speech_seconds(r.body["text"]) for r in requests), abs=0.1
    )


async def test_key_check_at_the_free_endpoints(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    client = deepgram_client_for(session, fake_deepgram)
    check = await client.async_validate_key(synthesize_if_unknown=True)
    assert (check.project, check.balance and check.balance.amount) == ("Home", 42.5)
    assert fake_deepgram.tts_requests() == []  # free: nothing was spoken
    assert check.balance is not None
    assert check.balance.currency == "USD"
    wrong = deepgram_client_for(session, fake_deepgram)
    wrong._http.api_key = "wrong-key"
    with pytest.raises(AuthenticationError):
        await wrong.async_validate_key(synthesize_if_unknown=True)


async def test_a_key_for_speech_alone_is_checked_by_speaking(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    """A key that may not read projects or balances: unknown balance, one short synthesis."""
    fake_deepgram.scopes["test-key"] = frozenset({"usage:write"})
    client = deepgram_client_for(session, fake_deepgram)
    check = await client.async_validate_key()
    assert (check.project, check.balance, fake_deepgram.tts_requests()) == (None, None, [])
    await client.async_validate_key(synthesize_if_unknown=True)
    assert [r.body["text"] for r in fake_deepgram.tts_requests()] == ["Hi"]


async def test_a_balance_that_cannot_be_read_is_unknown_not_zero(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    fake_deepgram.scopes["test-key"] = MEMBER_SCOPES - {"billing:read"}
    client = deepgram_client_for(session, fake_deepgram)
    check = await client.async_check_account()
    assert (check.project, check.balance, check.no_credit) == ("Home", None, False)
    fake_deepgram.scopes.clear()
    fake_deepgram.balances = False
    assert await client.async_get_balance() is None
    fake_deepgram.balances = True
    fake_deepgram.keys["test-key"] = 0.0
    assert (await client.async_check_account()).no_credit


async def test_the_catalogue_is_read_from_the_server(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    client = deepgram_client_for(session, fake_deepgram)
    assert client.catalogue is DEEPGRAM_VOICES
    assert client.diagnostics()["catalogue_read"] is False
    fake_deepgram.models["tts"] = [
        m for m in fake_deepgram.models["tts"] if m["languages"][0] in {"de", "ja"}
    ]
    catalogue = await client.async_refresh_catalogue()
    assert client.catalogue is catalogue
    assert client.diagnostics()["catalogue_read"] is True
    assert {v.base_language for v in catalogue.voices.values()} == {"de", "ja"}
    assert catalogue.voices["aura-2-izanami-ja"].label == "Izanami — Aura 2 · Japanese · feminine"
    assert catalogue.default_language_of("aura-2-julius-de") == "de-DE"


async def test_a_catalogue_that_cannot_be_read_leaves_the_last_one(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    client = deepgram_client_for(session, fake_deepgram)
    fake_deepgram.models_endpoint = False
    with pytest.raises(BadRequestError):
        await client.async_refresh_catalogue()
    fake_deepgram.models_endpoint = True
    fake_deepgram.models = {"stt": [], "tts": [{"canonical_name": "flux-tts-ember-en"}]}
    with pytest.raises(BadResponseError):
        await client.async_refresh_catalogue()
    assert client.catalogue is DEEPGRAM_VOICES


def test_the_built_in_list_is_deepgrams_list() -> None:
    """The fallback list and the fake's model list (Deepgram's voices page) agree voice by
    voice: language, region and gender. Fails when either loses or changes a voice."""
    served = catalogue_from_models(json.loads(Path(MODELS_FILE).read_text()))
    assert len(served) == len(DEEPGRAM_VOICES) == 103
    for voice_id, voice in DEEPGRAM_VOICES.voices.items():
        listed = served.voices[voice_id]
        assert (listed.language, listed.gender) == (voice.language, voice.gender)
    by_language: dict[str, int] = {}
    for voice in DEEPGRAM_VOICES.voices.values():
        by_language[voice.base_language] = by_language.get(voice.base_language, 0) + 1
    assert by_language == {"en": 53, "es": 17, "de": 7, "fr": 2, "nl": 9, "it": 10, "ja": 5}


def test_models_without_a_region_or_gender_still_make_voices() -> None:
    catalogue = catalogue_from_models(
        {
            "tts": [
                {"canonical_name": "aura-2-nova-pt", "languages": ["pt"], "metadata": {}},
                {"canonical_name": "nova-3-general"},
                {"canonical_name": "aura-2-thalia-en", "languages": ["en", "en-us"]},
            ]
        }
    )
    assert catalogue.voices["aura-2-nova-pt"].label == "Nova — Aura 2 · pt · unknown"
    assert catalogue.voices["aura-2-thalia-en"].language == "en-US"
    assert catalogue.default_voice_id == "aura-2-thalia-en"
    with pytest.raises(ValueError, match="no Aura voice"):
        catalogue_from_models({"tts": []})


def _every_documented_format() -> list[tuple[str, str | None, int | None]]:
    """Each encoding x container x sample rate Deepgram's table allows (None: its default)."""
    combos: list[tuple[str, str | None, int | None]] = []
    for encoding, spec in ENCODINGS.items():
        rates: list[int | None] = list(spec.sample_rates) if spec.rate_configurable else [None]
        for container in spec.containers or (None,):
            combos += [(encoding, container, rate) for rate in rates]
    return combos


RAW_INPUT = {"linear16": "s16le", "mulaw": "mulaw", "alaw": "alaw"}


@pytest.mark.parametrize(("encoding", "container", "rate"), _every_documented_format())
async def test_every_documented_combination_is_served_and_decodes(
    session: aiohttp.ClientSession,
    fake_deepgram: FakeDeepgram,
    encoding: str,
    container: str | None,
    rate: int | None,
) -> None:
    """The fake makes what Deepgram's table allows, and the client asks for it as Deepgram
    documents (query parameters): decoded by ffmpeg at the length the text takes."""
    audio_format = AudioFormat(encoding, container, rate)
    client = deepgram_client_for(session, fake_deepgram)
    audio = await client.async_synthesize("aura-2-livia-it", "Buongiorno a tutti.", audio_format)
    [request] = fake_deepgram.tts_requests()
    assert request.query == {"model": "aura-2-livia-it", **audio_format.request_fields()}
    if container == "none":  # a raw stream carries no format or rate: ffmpeg is told them
        seconds = decoded_seconds(audio, RAW_INPUT[encoding], rate)
    else:
        seconds = decoded_seconds(audio)
    assert seconds == pytest.approx(speech_seconds("Buongiorno a tutti."), abs=0.1)
    if encoding == "flac":
        flac_test(audio)


async def test_balance_answers_that_are_not_deepgrams_are_errors(
    session: aiohttp.ClientSession, fake_deepgram: FakeDeepgram
) -> None:
    """The balance is asked for without a check first (the project is found then), and an
    answer in two currencies or with a non-number is an error, never a made-up figure."""
    client = deepgram_client_for(session, fake_deepgram)
    balance = await client.async_get_balance()
    assert balance is not None
    assert balance.amount == 42.5
    path = f"/v1/projects/{fake_deepgram.project_id}/balances"
    for body in (
        {"balances": [{"amount": 1, "units": "usd"}, {"amount": 2, "units": "eur"}]},
        {"balances": [{"amount": "lots", "units": "usd"}]},
    ):
        fake_deepgram.add_fault("status", path=path, status=200, body=body)
        with pytest.raises(BadResponseError):
            await client.async_get_balance()
    fake_deepgram.add_fault("status", path="/v1/models", status=200, body={"tts": "none"})
    with pytest.raises(BadResponseError):
        await client.async_refresh_catalogue()

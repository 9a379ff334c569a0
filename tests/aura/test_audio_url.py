"""Where audio from a JSON answer may be fetched: the policy, and the client applying it."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp
import pytest

from custom_components.aura_tts.aura.audio import WAV_PCM
from custom_components.aura_tts.aura.audio_url import (
    AddressKind,
    address_kind,
    check_addresses,
    check_scheme,
    is_local_host,
)
from custom_components.aura_tts.aura.errors import AudioUrlRefusedError, BadResponseError
from tests.audio_checks import decoded_seconds
from tests.aura.clients import client_for
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds

THALIA = "#g1_aura-2-thalia-en"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("93.184.216.34", AddressKind.PUBLIC),
        ("2606:4700::1111", AddressKind.PUBLIC),
        ("127.0.0.1", AddressKind.LOOPBACK),
        ("::1", AddressKind.LOOPBACK),
        ("::ffff:127.0.0.1", AddressKind.LOOPBACK),
        ("10.1.2.3", AddressKind.PRIVATE),
        ("192.168.1.20", AddressKind.PRIVATE),
        ("100.64.0.1", AddressKind.PRIVATE),
        ("fd00::1", AddressKind.PRIVATE),
        ("169.254.169.254", AddressKind.LINK_LOCAL),
        ("fe80::1%eth0", AddressKind.LINK_LOCAL),
        ("224.0.0.251", AddressKind.NEVER),
        ("0.0.0.0", AddressKind.NEVER),  # noqa: S104 - an address to classify, not to bind
        ("240.0.0.1", AddressKind.NEVER),
    ],
)
def test_address_kinds(address: str, kind: AddressKind) -> None:
    assert address_kind(address) is kind


def test_only_public_addresses_or_the_servers_own_kind() -> None:
    public = [AddressKind.PUBLIC]
    check_addresses("cdn.example", ["93.184.216.34"], public)
    for address in ("127.0.0.1", "10.0.0.5", "169.254.169.254", "224.0.0.1"):
        with pytest.raises(AudioUrlRefusedError):
            check_addresses("evil.example", [address], public)
    # One bad address among good ones is enough to refuse (a name can resolve to both).
    with pytest.raises(AudioUrlRefusedError):
        check_addresses("mixed.example", ["93.184.216.34", "10.0.0.5"], public)
    # A server on loopback (a local proxy, the fake) may hand out loopback URLs, not LAN ones.
    check_addresses("localhost", ["127.0.0.1"], [AddressKind.LOOPBACK])
    with pytest.raises(AudioUrlRefusedError):
        check_addresses("router", ["192.168.1.1"], [AddressKind.LOOPBACK])
    with pytest.raises(AudioUrlRefusedError):
        check_addresses("nowhere", [], public)


def test_schemes() -> None:
    assert check_scheme("https://cdn.example/a.wav", "https://api.aimlapi.com/") == (
        "cdn.example",
        443,
    )
    for url in ("http://cdn.example/a.wav", "file:///etc/passwd", "ftp://cdn.example/a"):
        with pytest.raises(AudioUrlRefusedError):
            check_scheme(url, "https://api.aimlapi.com/")
    assert check_scheme("http://127.0.0.1:8099/f", "http://127.0.0.1:8099/")[1] == 8099


def test_local_hosts() -> None:
    for host in ("127.0.0.1", "192.168.1.5", "[fd00::2]", "localhost", "proxy.lan", "nas"):
        assert is_local_host(host), host
    for host in ("api.aimlapi.com", "93.184.216.34", "gateway.example.com"):
        assert not is_local_host(host), host


def json_answers(fake_api: FakeAimlApi, audio_url: str) -> None:
    fake_api.add_fault("audio_url", body=audio_url)


@pytest.mark.parametrize(
    "audio_url",
    [
        "http://169.254.169.254/latest/meta-data",  # cloud metadata: link-local
        "http://10.1.2.3/audio.wav",  # the LAN
        "http://[fe80::1]/audio.wav",
        "http://224.0.0.251/audio.wav",
    ],
)
async def test_audio_urls_into_other_networks_are_refused(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi, audio_url: str
) -> None:
    """The fake (the configured server) is on loopback: loopback URLs only, nothing else."""
    json_answers(fake_api, audio_url)
    client = client_for(session, fake_api)
    with pytest.raises(AudioUrlRefusedError, match="refusing"):
        await client.async_synthesize(THALIA, "Hi.", WAV_PCM)


async def test_a_redirect_is_followed_only_where_the_url_could_go(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi
) -> None:
    client = client_for(session, fake_api)
    # To the link-local metadata service: refused, and nothing fetched from there.
    json_answers(fake_api, f"{fake_api.url}/redirect?to={quote('http://169.254.169.254/x')}")
    with pytest.raises(AudioUrlRefusedError, match="link-local"):
        await client.async_synthesize(THALIA, "Hi.", WAV_PCM)
    # To the same server: followed, without the key, and the audio is whole.
    audio, content_type = await fake_api.render(
        {"model": THALIA, "text": "Hi there.", "encoding": "linear16", "container": "wav"}
    )
    fake_api._files["kept.wav"] = (audio, content_type)
    json_answers(fake_api, f"{fake_api.url}/redirect?to={quote('/files/kept.wav')}")
    fetched = await client.async_synthesize(THALIA, "Hi there.", WAV_PCM)
    assert decoded_seconds(fetched) == pytest.approx(speech_seconds("Hi there."), abs=0.01)
    followed = [r for r in fake_api.requests if r.path in {"/redirect", "/files/kept.wav"}]
    assert [r.path for r in followed] == ["/redirect", "/redirect", "/files/kept.wav"]
    assert all("Authorization" not in r.headers for r in followed)


async def test_endless_redirects_end(session: aiohttp.ClientSession, fake_api: FakeAimlApi) -> None:
    url = "/files/never"
    for _ in range(5):
        url = f"/redirect?to={quote(url)}"
    json_answers(fake_api, fake_api.url + url)
    client = client_for(session, fake_api)
    with pytest.raises(AudioUrlRefusedError, match="redirects too often"):
        await client.async_synthesize(THALIA, "Hi.", WAV_PCM)
    assert sum(r.path == "/redirect" for r in fake_api.requests) == 4


async def test_a_huge_json_answer_is_not_read_whole(
    session: aiohttp.ClientSession, fake_api: FakeAimlApi
) -> None:
    fake_api.add_fault("huge_json", size=5 * 1024 * 1024)
    client = client_for(session, fake_api)
    with pytest.raises(BadResponseError, match="larger than"):
        await client.async_synthesize(THALIA, "Hi.", WAV_PCM)

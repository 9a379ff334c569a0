"""What the user reads when speaking fails: one clear, translated message per cause."""

from __future__ import annotations

from typing import Any

from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts.const import DOMAIN
from tests.fake_aimlapi import FakeAimlApi
from tests.helpers import ENTITY_ID, WAV, collect, speak

pytestmark = pytest.mark.usefixtures("setup_entry")


GARAGE = "The garage door is open."


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"kind": "status", "status": 429, "retry_after": 60}, "too many requests"),
        ({"kind": "status", "status": 413}, "too long"),
        ({"kind": "status", "status": 500}, "had a problem"),
        (
            {"kind": "status", "status": 422, "body": {"message": "encoding is odd"}},
            "refused the request: HTTP 422: encoding is odd",
        ),
        ({"kind": "html", "status": 200}, "not audio"),
        ({"kind": "drop", "after_bytes": 10}, "Could not reach"),
    ],
)
async def test_service_failures_become_clear_errors(
    hass: HomeAssistant, fake_api: FakeAimlApi, fault: dict[str, Any], message: str
) -> None:
    fake_api.chunk_size = 8
    fake_api.add_fault(**fault)  # one failure: the kinds that are retried are not here
    with pytest.raises(HomeAssistantError, match=message) as caught:
        await speak(hass, GARAGE)
    assert "test-key" not in str(caught.value)
    # Home Assistant and the next request still work.
    assert (await speak(hass, GARAGE))[:4] == b"RIFF"


async def test_rejected_key_while_speaking_starts_reauth(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    fake_api.add_fault("status", status=401)
    with pytest.raises(HomeAssistantError, match="rejected the API key"):
        await speak(hass, GARAGE)
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_retired_voice_suggests_its_aura_2_successor(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    fake_api.retired.add("asteria")
    with pytest.raises(HomeAssistantError, match="older Aura voice") as caught:
        await speak(hass, GARAGE, {**WAV, "voice": "#g1_aura-asteria-en"})
    assert "#g1_aura-2-asteria-en" in str(caught.value)


async def test_voice_refused_by_service_suggests_thalia(
    hass: HomeAssistant, fake_api: FakeAimlApi, setup_entry: MockConfigEntry
) -> None:
    fake_api.retired.add("newvoice")
    with pytest.raises(HomeAssistantError, match="refused the voice") as caught:
        await speak(hass, GARAGE, {**WAV, "voice": "#g1_aura-2-newvoice-en"})
    assert "#g1_aura-2-thalia-en" in str(caught.value)


async def test_get_tts_audio_fallback(hass: HomeAssistant, fake_api: FakeAimlApi) -> None:
    """The non-streaming entry point gives the same audio as the stream."""
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    extension, data = await entity.async_get_tts_audio("Hello.", "en", {"preferred_format": "wav"})
    assert extension == "wav"
    assert data is not None
    assert data[:4] == b"RIFF"


async def test_a_service_failure_under_conversion_shows_as_itself(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """ffmpeg then gets no audio and fails too; the user reads the cause, the service's
    error, not "could not be converted" (tests/test_convert.py shows ffmpeg's own)."""
    fake_api.add_fault("status", status=500)
    with pytest.raises(HomeAssistantError, match="had a problem") as caught:
        await speak(hass, GARAGE, {**WAV, "preferred_format": "flac"})
    assert caught.value.translation_key == "server_error"


@pytest.mark.parametrize(
    ("account", "message", "reaction"),
    [
        ({"balance": 0}, "no credit left.*Insufficient balance", "repair"),
        ({"state": {"disabled": True}}, "key is disabled.*API key is disabled", "reauth"),
        ({"state": {"scopes": ["model:chat"]}}, "lack model:speech.*no access", "reauth"),
        (
            {"state": {"limit": {"retention": "day", "threshold": 5}}, "limit_reached": True},
            "spending limit of 5 USD.*spending limit reached",
            None,
        ),
    ],
    ids=["no-credit", "disabled", "no-speech-scope", "daily-limit"],
)
@pytest.mark.parametrize(
    ("voice", "language", "audio_format"),
    [("#g1_aura-2-thalia-en", "en", "wav"), ("#g1_aura-2-estrella-es", "es", "mp3")],
    ids=["en-wav", "es-mp3"],
)
async def test_each_reason_for_a_403_has_its_own_message(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    account: dict[str, Any],
    message: str,
    reaction: str | None,
    voice: str,
    language: str,
    audio_format: str,
) -> None:
    """The free endpoints tell why; "no credit" only when the balance is really zero."""
    if "balance" in account:
        fake_api.keys["test-key"] = account["balance"]
    fake_api.key_states["test-key"] = account.get("state", {})
    if account.get("limit_reached"):
        fake_api.limits_reached.add("test-key")
    stream = tts.async_create_stream(
        hass,
        ENTITY_ID,
        language=language,
        options={"voice": voice, "preferred_format": audio_format},
    )
    stream.async_set_message("Hola. Hello.")
    with pytest.raises(HomeAssistantError, match=message):
        await collect(stream)
    await hass.async_block_till_done()
    issues = [key for key in ir.async_get(hass).issues if key[0] == DOMAIN]
    flows = [flow["context"]["source"] for flow in hass.config_entries.flow.async_progress()]
    assert issues == (
        [(DOMAIN, f"no_credit_{setup_entry.entry_id}")] if reaction == "repair" else []
    )
    assert flows == (["reauth"] if reaction == "reauth" else [])

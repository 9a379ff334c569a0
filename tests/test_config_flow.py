"""The config flow: key check, voice step, duplicates, reauth, reconfigure, options."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts.config_flow import key_fingerprint
from custom_components.aura_tts.const import CONF_BASE_URL, CONF_VOICE, DOMAIN
from tests.fake_aimlapi import FakeAimlApi

NEW_KEY = "second-key"


def key_input(key: str, url: str) -> dict[str, Any]:
    return {CONF_API_KEY: key, "advanced": {CONF_BASE_URL: url}}


async def start_user_flow(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result


async def test_full_flow_creates_entry(hass: HomeAssistant, fake_api: FakeAimlApi) -> None:
    """A good key leads to the voice step; the chosen voice is stored; the key is not shown."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input(" test-key ", fake_api.url + "/")
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "voice"
    assert result["data_schema"] is not None
    voice_field = result["data_schema"].schema[CONF_VOICE]
    offered = [option["value"] for option in voice_field.config["options"]]
    assert len(offered) == 56
    assert voice_field.config["custom_value"] is True

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VOICE: "#g1_aura-2-estrella-es"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data == {CONF_API_KEY: "test-key", CONF_BASE_URL: fake_api.url}
    assert entry.options == {CONF_VOICE: "#g1_aura-2-estrella-es"}
    assert entry.unique_id == key_fingerprint("test-key")
    assert "test-key" not in entry.unique_id
    assert fake_api.requests[0].path == "/v2/billing"


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda fake: fake.keys.clear(), "invalid_auth"),
        (lambda fake: fake.keys.update({"test-key": 0}), "no_credit"),
        (lambda fake: fake.add_fault("status", path="/v2/billing", status=503), "cannot_connect"),
        (lambda fake: fake.add_fault("html", path="/v2/billing", status=200), "unexpected_answer"),
    ],
)
async def test_key_check_errors(
    hass: HomeAssistant, fake_api: FakeAimlApi, setup: Any, error: str
) -> None:
    """Each failure has its own message and nothing is created; a retry then works."""
    setup(fake_api)
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", fake_api.url)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert hass.config_entries.async_entries(DOMAIN) == []

    fake_api.keys["test-key"] = 10.0
    fake_api.faults.clear()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", fake_api.url)
    )
    assert result["step_id"] == "voice"


async def test_unreachable_server(hass: HomeAssistant, socket_enabled: None) -> None:
    """Nothing listening at the URL is "cannot connect"."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", "http://127.0.0.1:9")
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_bad_url(hass: HomeAssistant) -> None:
    """A server URL that is not http(s) is refused without a request."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", "ftp://example.com")
    )
    assert result["errors"] == {"base": "invalid_url"}


async def test_server_without_billing_is_checked_with_a_synthesis(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """A gateway without /v2/billing: the key is checked with a one-word synthesis."""
    fake_api.billing = False
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", fake_api.url)
    )
    assert result["step_id"] == "voice"
    assert [r.path for r in fake_api.requests] == ["/v2/billing", "/v1/tts"]


async def test_invalid_voice_then_typed_voice(hass: HomeAssistant, fake_api: FakeAimlApi) -> None:
    """A typed voice must look like an Aura voice ID; a new well-formed ID is accepted."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", fake_api.url)
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VOICE: "alexa"}
    )
    assert result["errors"] == {CONF_VOICE: "invalid_voice"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VOICE: "#g1_aura-2-newvoice-en"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].options[CONF_VOICE] == "#g1_aura-2-newvoice-en"


async def test_same_key_twice_aborts(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """One entry per key: a second set-up with the same key aborts cleanly."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", fake_api.url)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_replaces_key_and_keeps_voice(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """Reauth checks the new key and keeps the voice and server."""
    fake_api.keys[NEW_KEY] = 5.0
    result = await setup_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: NEW_KEY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert setup_entry.data[CONF_API_KEY] == NEW_KEY
    assert setup_entry.data[CONF_BASE_URL] == fake_api.url
    assert setup_entry.options[CONF_VOICE] == "#g1_aura-2-thalia-en"
    assert setup_entry.unique_id == key_fingerprint(NEW_KEY)


async def test_reconfigure_changes_key_and_server(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """Reconfigure checks and stores a new key and server, and reloads the entry."""
    fake_api.keys[NEW_KEY] = 5.0
    result = await setup_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("wrong", fake_api.url)
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input(NEW_KEY, fake_api.url)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert setup_entry.data[CONF_API_KEY] == NEW_KEY
    await hass.async_block_till_done()
    assert setup_entry.runtime_data.client._api_key == NEW_KEY


async def test_reconfigure_to_a_key_of_another_entry_aborts(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """Two entries must not end up with the same key."""
    fake_api.keys[NEW_KEY] = 5.0
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id=key_fingerprint(NEW_KEY),
        data={CONF_API_KEY: NEW_KEY, CONF_BASE_URL: fake_api.url},
    )
    other.add_to_hass(hass)
    result = await setup_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input(NEW_KEY, fake_api.url)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert setup_entry.data[CONF_API_KEY] == "test-key"


async def test_options_flow_changes_voice(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    """The options flow changes the default voice; an invalid one is refused."""
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VOICE: "nope"}
    )
    assert result["errors"] == {CONF_VOICE: "invalid_voice"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VOICE: "#g1_aura-2-draco-en"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert setup_entry.options == {CONF_VOICE: "#g1_aura-2-draco-en"}


async def test_malformed_url(hass: HomeAssistant) -> None:
    """A URL that does not even parse is refused like any non-http URL."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", "http://[::1")
    )
    assert result["errors"] == {"base": "invalid_url"}

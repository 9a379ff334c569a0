"""The config flow: key check, voice step (the first profile), duplicates, reauth, reconfigure,
options."""

from __future__ import annotations

import json
import logging
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aura_tts.const import (
    CONF_BASE_URL,
    CONF_CHIME,
    CONF_VOICE,
    CONF_WARN_BELOW,
    DOMAIN,
)
from custom_components.aura_tts.flow_forms import key_fingerprint
from tests.audio_checks import wav_facts
from tests.fake_aimlapi import FakeAimlApi, start
from tests.helpers import speak

NEW_KEY = "second-key"


def key_input(key: str, url: str) -> dict[str, Any]:
    return {CONF_API_KEY: key, "advanced": {CONF_BASE_URL: url}}


async def new_key_flow(
    hass: HomeAssistant, entry: MockConfigEntry, source: str, url: str
) -> tuple[str, dict[str, Any]]:
    """Start re-authentication or reconfigure of ``entry``: its flow ID, and the answer that
    gives it NEW_KEY."""
    if source == "reauth":
        result = await entry.start_reauth_flow(hass)
        return result["flow_id"], {CONF_API_KEY: NEW_KEY}
    result = await entry.start_reconfigure_flow(hass)
    return result["flow_id"], key_input(NEW_KEY, url)


async def start_user_flow(hass: HomeAssistant, service: str = "aimlapi") -> ConfigFlowResult:
    """A new entry's flow, past its first question (which account): at the key form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["aimlapi", "deepgram"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": service}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == service
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
    assert entry.options == {}
    # The voice is the first profile's, named after it (renamed under the entry).
    [profile] = entry.subentries.values()
    assert (profile.subentry_type, profile.title) == ("profile", "Estrella")
    assert profile.data == {CONF_VOICE: "#g1_aura-2-estrella-es", CONF_CHIME: "off"}
    assert entry.unique_id == key_fingerprint("test-key")
    assert "test-key" not in entry.unique_id
    assert entry.title == "Aura TTS (fake key)"  # the key's name tells accounts apart
    assert [r.path for r in fake_api.requests[:2]] == ["/v1/key", "/v2/billing"]
    assert fake_api.tts_requests() == []  # checking a key is free


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda fake: fake.keys.clear(), "invalid_auth"),
        (lambda fake: fake.key_states.update({"test-key": {"disabled": True}}), "key_disabled"),
        (
            lambda fake: fake.key_states.update({"test-key": {"scopes": ["model:chat"]}}),
            "key_without_speech",
        ),
        (
            lambda fake: fake.key_states.update(
                {
                    "test-key": {
                        "limit": {"retention": "month", "threshold": 5},
                        "monthly_usage": 5.2,
                    }
                }
            ),
            "spending_limit",
        ),
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
    fake_api.key_states.clear()
    fake_api.faults.clear()
    assert fake_api.tts_requests() == []  # no check cost a synthesis
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
    """A gateway with neither free endpoint: the key is checked with a one-word synthesis."""
    fake_api.billing = fake_api.key_endpoint = False
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", fake_api.url)
    )
    assert result["step_id"] == "voice"
    assert [r.path for r in fake_api.requests] == ["/v1/key", "/v2/billing", "/v1/tts"]


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
    [profile] = result["result"].subentries.values()
    assert profile.data[CONF_VOICE] == "#g1_aura-2-newvoice-en"
    assert profile.title == "Newvoice"


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
    [profile] = setup_entry.subentries.values()
    assert profile.data[CONF_VOICE] == "#g1_aura-2-thalia-en"
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
    await speak(hass, "The new key speaks.")
    assert fake_api.tts_requests()[-1].headers["Authorization"] == f"Bearer {NEW_KEY}"


async def test_options_flow_changes_the_warning_only(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """Options hold the balance warning (voices are in profiles); saving it does not reload.

    Fails if the form still asks for a voice or a saved threshold is not shown again."""
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    assert result["step_id"] == "init"
    schema = result["data_schema"]
    assert schema is not None
    assert [str(key) for key in schema.schema] == [CONF_WARN_BELOW]
    requests = len(fake_api.requests)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_WARN_BELOW: 2.5}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert setup_entry.options == {CONF_WARN_BELOW: 2.5}
    assert len(fake_api.requests) == requests  # no reload: no key check, no balance poll
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    schema = result["data_schema"]
    assert schema is not None
    [key] = schema.schema
    assert key.description == {"suggested_value": 2.5}


async def test_malformed_url(hass: HomeAssistant) -> None:
    """A URL that does not even parse is refused like any non-http URL."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", "http://[::1")
    )
    assert result["errors"] == {"base": "invalid_url"}


async def test_a_key_with_no_credit_is_accepted_and_the_repair_says_top_up(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """A zero balance is a good key: the entry is made and a repair issue explains."""
    fake_api.keys["test-key"] = 0
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", fake_api.url)
    )
    assert result["step_id"] == "voice"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VOICE: "#g1_aura-2-nestor-es"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"no_credit_{entry.entry_id}")


async def test_a_key_already_set_up_is_refused_before_it_is_sent(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", fake_api.url)
    )
    assert result["reason"] == "already_configured"
    assert fake_api.requests == []


async def test_the_key_is_never_sent_back_to_the_browser(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
) -> None:
    """After an error the form keeps the server the user typed, never the key.

    Read from Home Assistant's own flow API, as the browser receives the form.
    """
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()
    flows = "/api/config/config_entries/flow"
    started = await (await client.post(flows, json={"handler": DOMAIN})).json()
    await client.post(f"{flows}/{started['flow_id']}", json={"next_step_id": "aimlapi"})
    answer = await client.post(
        f"{flows}/{started['flow_id']}", json=key_input("wrong-key", fake_api.url)
    )
    after_error = await answer.text()
    assert '"invalid_auth"' in after_error
    assert fake_api.url in after_error  # the server the user typed is shown again
    reconfigure = await client.post(
        flows,
        json={"handler": DOMAIN, "entry_id": setup_entry.entry_id, "source": "reconfigure"},
    )
    reconfigure_form = await reconfigure.text()
    assert json.loads(reconfigure_form)["step_id"] == "reconfigure"
    for sent in (after_error, reconfigure_form):
        assert "wrong-key" not in sent
        assert "test-key" not in sent


async def test_reconfigure_moves_the_server_without_retyping_the_key(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    other_fake = FakeAimlApi(keys={"test-key": 3.0})
    runner, other_url = await start(other_fake)
    try:
        result = await setup_entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"advanced": {CONF_BASE_URL: other_url}}
        )
        assert result["reason"] == "reconfigure_successful"
        assert setup_entry.data == {CONF_API_KEY: "test-key", CONF_BASE_URL: other_url}
        assert [r.path for r in other_fake.requests] == ["/v1/key", "/v2/billing"]
    finally:
        await runner.cleanup()


async def test_plain_http_to_the_internet_is_warned_about_before_the_key_is_sent(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    """http:// to a public host: a warning first; the same URL again is the user's call."""
    result = await start_user_flow(hass)
    public_http = "http://tts-gateway.example.com"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", public_http)
    )
    assert result["errors"] == {"base": "insecure_url"}
    assert fake_api.requests == []
    # A local server (the fake on 127.0.0.1, a LAN proxy) is not warned about.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], key_input("test-key", fake_api.url)
    )
    assert result["step_id"] == "voice"


@pytest.mark.parametrize("source", ["reauth", "reconfigure"])
async def test_no_entry_is_moved_onto_the_key_of_another(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi, source: str
) -> None:
    """Two entries must not end up with the same key, whichever flow changes it."""
    fake_api.keys[NEW_KEY] = 5.0
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id=key_fingerprint(NEW_KEY),
        data={CONF_API_KEY: NEW_KEY, CONF_BASE_URL: fake_api.url},
    )
    other.add_to_hass(hass)
    flow_id, answer = await new_key_flow(hass, setup_entry, source, fake_api.url)
    result = await hass.config_entries.flow.async_configure(flow_id, answer)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert setup_entry.data[CONF_API_KEY] == "test-key"


def warnings_naming_us(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING
        and "aura_tts" in f"{r.name} {r.getMessage()}"
        and "We found a custom integration" not in r.getMessage()  # every custom one
    ]


@pytest.mark.parametrize("source", ["reauth", "reconfigure"])
async def test_a_loaded_entry_takes_a_new_key_through_its_update_listener(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    caplog: pytest.LogCaptureFixture,
    source: str,
) -> None:
    """The flow updates the entry; the update listener reloads it with the new key.

    Fails on async_update_reload_and_abort: Home Assistant 2026.10/11 log "has an update
    listener and should use it for scheduling a reload" (breaks in 2026.12); and fails if
    the entry keeps speaking with the old key (no reload at all)."""
    # What Home Assistant 2026.10+ reports (the harness does not log it; e2e reads the real
    # 2026.11 log): a flow's reload of an entry that has an update listener.
    reloads_with_listener: list[str] = []
    reload_and_abort = ConfigFlow.async_update_reload_and_abort

    def watched(flow: ConfigFlow, entry: ConfigEntry, **changes: Any) -> ConfigFlowResult:
        if entry.update_listeners:
            reloads_with_listener.append(entry.entry_id)
        return reload_and_abort(flow, entry, **changes)

    fake_api.keys[NEW_KEY] = 5.0
    flow_id, answer = await new_key_flow(hass, setup_entry, source, fake_api.url)
    with patch.object(ConfigFlow, "async_update_reload_and_abort", watched):
        result = await hass.config_entries.flow.async_configure(flow_id, answer)
    assert result["reason"] == f"{source}_successful"
    await hass.async_block_till_done()
    assert setup_entry.state is ConfigEntryState.LOADED
    audio = await speak(hass, "Nueva clave.", language="es")
    assert wav_facts(audio)[3] > 0
    assert fake_api.tts_requests()[-1].headers["Authorization"] == f"Bearer {NEW_KEY}"
    assert reloads_with_listener == []
    assert warnings_naming_us(caplog) == []


async def test_reauth_of_an_entry_whose_key_was_refused_sets_it_up(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An entry that never started (key refused) has no update listener: the flow itself
    reloads it. Fails if the new key is stored but the entry stays in its error."""
    del fake_api.keys["test-key"]
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state.value == "setup_error"
    caplog.clear()  # the refusal itself is logged; what follows must not be
    fake_api.keys[NEW_KEY] = 5.0
    result = await config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: NEW_KEY}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert warnings_naming_us(caplog) == []

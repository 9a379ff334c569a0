"""Setting up and unloading a config entry."""

from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts import user_errors
from custom_components.aura_tts.aura import (
    AuraClient,
    AuraError,
    MessageTooLongError,
    ServerError,
    SpendingLimitError,
    VoiceRejectedError,
)
from custom_components.aura_tts.const import DOMAIN
from tests.fake_aimlapi import FakeAimlApi


def state_of(entry: MockConfigEntry) -> ConfigEntryState:
    """The entry's state, read anew (mypy narrows attributes across awaits)."""
    state: ConfigEntryState = entry.state
    return state


async def test_setup_and_unload(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """The entry sets up (checking the key and the account for free), and unloads."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("tts.aura_tts_speech") is not None
    assert hass.states.get("sensor.aura_tts_balance") is not None
    # The key check, then the account poll (balance, spend today and this month).
    paths = [r.path for r in fake_api.requests]
    assert paths[:2] == ["/v1/key", "/v2/billing"]
    assert sorted(paths[2:]) == ["/v2/billing", "/v2/usage", "/v2/usage"]

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(config_entry) is ConfigEntryState.NOT_LOADED


async def test_rejected_key_starts_reauth(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """A key the service rejects at start-up asks the user for a new one."""
    fake_api.keys.clear()
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_unreachable_service_retries_later(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """A service that fails at start-up leaves the entry to retry, not broken."""
    fake_api.add_fault("status", path="/v2/billing", status=503)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_no_credit_still_sets_up(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """A key without credit is still a good key: the entity exists and explains later."""
    fake_api.keys["test-key"] = 0
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED


async def test_odd_billing_answer_retries_later(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """An answer that is not the API's leaves the entry to retry."""
    fake_api.add_fault("status", path="/v2/billing", status=200, body={"nope": 1})
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_a_gateway_without_free_checks_costs_nothing_at_start(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """No /v1/key, no /v2/billing: set up without a paid synthesis at every start."""
    fake_api.key_endpoint = fake_api.billing = False
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert fake_api.tts_requests() == []


async def test_a_disabled_key_at_start_asks_for_a_new_one(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    fake_api.key_states["test-key"] = {"disabled": True}
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


@pytest.mark.parametrize("row", user_errors.ERROR_TABLE, ids=lambda row: row.kind.__name__)
async def test_set_up_does_what_the_error_table_says(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    row: user_errors.ErrorRow,
) -> None:
    """Every row of the one error table, at set-up. Fails if set-up keeps a ladder of its
    own: an error that needs a new key must ask for one, a good key with an empty balance
    must set up and show the repair, anything else must retry later under the table's key."""
    err = _instance_of(row.kind)
    if row.remedy is user_errors.Remedy.TOP_UP:
        fake_api.keys[config_entry.data["api_key"]] = 0.0  # the poll agrees: no credit
    with patch.object(AuraClient, "async_validate_key", side_effect=err):
        await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    flows = [f["context"]["source"] for f in hass.config_entries.flow.async_progress()]
    repair = ir.async_get(hass).async_get_issue(DOMAIN, f"no_credit_{config_entry.entry_id}")
    expected_state = {
        user_errors.Remedy.NEW_KEY: ConfigEntryState.SETUP_ERROR,
        user_errors.Remedy.NONE: ConfigEntryState.SETUP_RETRY,
    }.get(row.remedy, ConfigEntryState.LOADED)
    assert state_of(config_entry) is expected_state
    assert flows == (["reauth"] if row.remedy is user_errors.Remedy.NEW_KEY else [])
    assert (repair is not None) == (row.remedy is user_errors.Remedy.TOP_UP)
    if expected_state is not ConfigEntryState.LOADED:
        assert config_entry.error_reason_translation_key == row.check_key


def _instance_of(kind: type[AuraError]) -> AuraError:
    """An error of ``kind`` with the arguments its class asks for."""
    extra: dict[type[AuraError], tuple[object, ...]] = {
        SpendingLimitError: (5.0, "day"),
        MessageTooLongError: (1000,),
        VoiceRejectedError: ("#g1_aura-2-thalia-en",),
        ServerError: (500,),
    }
    return kind("HTTP 400: it went wrong", *extra.get(kind, ()))

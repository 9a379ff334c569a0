"""Diagnostics: useful facts, no secrets."""

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts.diagnostics import async_get_config_entry_diagnostics
from tests.fake_aimlapi import FakeAimlApi
from tests.helpers import change_profile


async def test_diagnostics_redact_the_key(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """The server and voice are shown; the key and its fingerprint are not."""
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_entry)
    text = json.dumps(diagnostics)
    assert "test-key" not in text
    assert setup_entry.unique_id is not None
    assert setup_entry.unique_id not in text
    assert diagnostics["client"]["base_url"] == fake_api.url
    assert diagnostics["profiles"] == [
        {
            "voice": "#g1_aura-2-thalia-en",
            "chime": "off",
            "fallback_set": False,
            "pronunciations": 0,
        }
    ]
    assert diagnostics["client"]["request_style"] == "model_and_voice"
    account = diagnostics["account"]
    assert account["last_poll_succeeded"] is True
    assert account["last_figures"]["balance"] == 42.5
    assert account["last_figures"]["today"]["spend"] == 0.0
    assert account["warn_below"] == 1.0


async def test_diagnostics_count_pronunciations_but_do_not_show_them(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    """The rules name the household's people and rooms: fails if one of them shows."""
    rules = "Siobhan = Shivawn\nla sala de estar = el salón"
    await change_profile(hass, setup_entry, pronunciations=rules, fallback="tts.piper")
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_entry)
    text = json.dumps(diagnostics, ensure_ascii=False)
    assert "Siobhan" not in text
    assert "salón" not in text
    [profile] = diagnostics["profiles"]
    assert profile["pronunciations"] == 2
    assert profile["fallback_set"] is True

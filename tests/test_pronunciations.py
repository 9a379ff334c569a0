"""Pronunciations through Home Assistant: the profile form, and what reaches Aura.

The rules themselves: tests/aura/test_pronunciations.py."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts.const import CONF_PRONUNCIATIONS
from tests.audio_checks import decoded_seconds
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.helpers import change_profile, speak


async def _edit_profile(
    hass: HomeAssistant, entry: MockConfigEntry, **changes: str
) -> dict[str, Any]:
    """Submit the profile's Edit form (the real subentry flow) with ``changes``."""
    profile = next(iter(entry.subentries.values()))
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "profile"),
        context={"source": "reconfigure", "subentry_id": profile.subentry_id},
    )
    values = {"name": profile.title, **profile.data, **changes}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], values)
    await hass.async_block_till_done()
    return dict(result)


async def _set_rules(hass: HomeAssistant, entry: MockConfigEntry, rules: str) -> None:
    result = await _edit_profile(hass, entry, pronunciations=rules)
    assert result["type"] == "abort"
    assert result["reason"] == "reconfigure_successful"


async def test_the_profile_form_refuses_a_line_that_is_not_a_rule(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    result = await _edit_profile(hass, setup_entry, pronunciations="Siobhan = Shivawn\nBob")
    assert result["errors"] == {CONF_PRONUNCIATIONS: "invalid_pronunciation"}
    assert result["description_placeholders"] == {"line": "2"}
    assert CONF_PRONUNCIATIONS not in next(iter(setup_entry.subentries.values())).data


@pytest.mark.parametrize(
    ("language", "voice", "message", "spoken"),
    [
        (
            "en",
            "#g1_aura-2-thalia-en",
            "Siobhan is in the living room. The NAS is backing up.",
            "Shivawn is in the lounge. The N A S is backing up.",
        ),
        (
            "es",
            "#g1_aura-2-celeste-es",
            "Siobhan está en la sala de estar. El NAS está lleno.",
            "Shivawn está en el salón. El N A S está lleno.",
        ),
    ],
)
@pytest.mark.parametrize("word_by_word", [False, True], ids=["tts.speak", "assist-stream"])
async def test_aura_is_sent_the_replaced_words(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    language: str,
    voice: str,
    message: str,
    spoken: str,
    word_by_word: bool,
) -> None:
    """Whole messages and Assist answers written a word at a time (so "living room" comes
    in two chunks): fails if a rule is not applied, or applied to a part of a sentence."""
    await change_profile(hass, setup_entry, voice=voice)
    rules = "Siobhan = Shivawn\nnas = N A S\nliving room = lounge\nla sala de estar = el salón"
    await _set_rules(hass, setup_entry, rules)
    audio = await speak(hass, message, word_by_word=word_by_word, language=language)
    sent = " ".join(request.body["text"] for request in fake_api.tts_requests())
    assert sent == spoken
    assert decoded_seconds(audio) == pytest.approx(
        sum(speech_seconds(r.body["text"]) for r in fake_api.tts_requests()), abs=0.05
    )


async def test_a_change_of_rules_is_heard_at_once(
    hass: HomeAssistant, fake_api: FakeAimlApi, setup_entry: MockConfigEntry
) -> None:
    """The rules are part of Home Assistant's cache key: fails if the old audio is replayed."""
    message = "Siobhan is at the door."
    await _set_rules(hass, setup_entry, "Siobhan = Shivawn")
    first = await speak(hass, message, {"preferred_format": "mp3"})
    assert await speak(hass, message, {"preferred_format": "mp3"}) == first  # cached
    await _set_rules(hass, setup_entry, "Siobhan = Shiv-awn")
    second = await speak(hass, message, {"preferred_format": "mp3"})
    assert decoded_seconds(first) == pytest.approx(
        speech_seconds("Shivawn is at the door."), abs=0.15
    )
    assert decoded_seconds(second) == pytest.approx(
        speech_seconds("Shiv-awn is at the door."), abs=0.15
    )
    assert [r.body["text"] for r in fake_api.tts_requests()] == [
        "Shivawn is at the door.",
        "Shiv-awn is at the door.",
    ]

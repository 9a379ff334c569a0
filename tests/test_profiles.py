"""Voice profiles (config subentries): add, edit, remove, and the move from version 1."""

from __future__ import annotations

from typing import Any

from homeassistant.components import tts
from homeassistant.config_entries import ConfigEntryState, SubentryFlowContext
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts.aura.chime import CHIMES
from custom_components.aura_tts.const import DOMAIN
from e2e.e2e_speaker.media_player import Speaker
from tests.audio_checks import decoded_seconds, probe
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.helpers import ENTITY_ID, collect, voice_of
from tests.speakers import KITCHEN, speak_on

SPANISH = {
    "name": "Español",
    "voice": "#g1_aura-2-celeste-es",
    "chime": "off",
    "pronunciations": "salon = salón",
}


async def _profile_form(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str | None = None
) -> dict[str, Any]:
    """Open "Add voice profile", or "Edit" on ``subentry_id``."""
    context: SubentryFlowContext = {"source": "user"}
    if subentry_id is not None:
        context = {"source": "reconfigure", "subentry_id": subentry_id}
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "profile"), context=context
    )
    assert result["type"] is FlowResultType.FORM
    return dict(result)


async def _submit(hass: HomeAssistant, form: dict[str, Any], values: dict[str, Any]) -> Any:
    result = await hass.config_entries.subentries.async_configure(form["flow_id"], values)
    await hass.async_block_till_done()
    return result


async def _speak(
    hass: HomeAssistant, entity_id: str, message: str, options: dict[str, Any]
) -> bytes:
    """Speak as tts.speak does, without naming a language."""
    stream = tts.async_create_stream(hass, entity_id, options=options)
    stream.async_set_message(message)
    return await collect(stream)


@pytest.mark.parametrize(("audio_format", "codec"), [("mp3", "mp3"), ("wav", "pcm_s16le")])
async def test_an_added_profile_is_its_own_entity_speaking_its_language(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    audio_format: str,
    codec: str,
) -> None:
    """A Spanish profile beside the English one: fails if the new entity is missing, speaks
    English (Home Assistant fills the language from the entity), or the first one changed."""
    form = await _profile_form(hass, setup_entry)
    result = await _submit(hass, form, SPANISH)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert setup_entry.state is ConfigEntryState.LOADED
    registry = er.async_get(hass)
    spanish = registry.async_get("tts.espanol_speech")
    assert spanish is not None
    profile = setup_entry.subentries[str(spanish.config_subentry_id)]
    assert profile.title == "Español"
    assert spanish.unique_id == profile.subentry_id
    device = dr.async_get(hass).async_get(str(spanish.device_id))
    assert device is not None
    assert device.name == "Español"  # its own device, named after the profile

    options = {"preferred_format": audio_format}
    hola = await _speak(hass, "tts.espanol_speech", "El salon está listo.", options)
    hello = await _speak(hass, ENTITY_ID, "The salon is ready.", options)
    first, second = fake_api.tts_requests()
    assert (voice_of(first.body), first.body["text"]) == (
        "#g1_aura-2-celeste-es",
        "El salón está listo.",  # the profile's own pronunciations
    )
    assert (voice_of(second.body), second.body["text"]) == (
        "#g1_aura-2-thalia-en",
        "The salon is ready.",  # not the other profile's
    )
    for audio, text in ((hola, "El salón está listo."), (hello, "The salon is ready.")):
        assert probe(audio)["codec_name"] == codec
        assert decoded_seconds(audio) == pytest.approx(speech_seconds(text), abs=0.1)


async def test_the_profile_form_refuses_what_would_not_work(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    """A name in use (any case), no name, a voice that is not Aura's, an Aura fallback, a
    broken rule: each one fails with its own error, and nothing is stored."""
    form = await _profile_form(hass, setup_entry)
    cases = [
        ({"name": "aura tts"}, {"name": "name_taken"}),
        ({"name": "   "}, {"name": "name_missing"}),
        ({"voice": "alexa"}, {"voice": "invalid_voice"}),
        ({"fallback": ENTITY_ID}, {"fallback": "fallback_is_aura"}),
        ({"pronunciations": "salon"}, {"pronunciations": "invalid_pronunciation"}),
    ]
    for change, errors in cases:
        result = await _submit(hass, form, {**SPANISH, **change})
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == errors
    assert len(setup_entry.subentries) == 1
    # A typed voice ID that looks like Aura's is accepted (new voices come before releases).
    result = await _submit(hass, form, {**SPANISH, "voice": "#g1_aura-2-nueva-es"})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_editing_a_profile_keeps_its_entity_and_changes_its_voice(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
) -> None:
    """Rename and revoice: fails if the entity ID changes or the old voice still speaks."""
    [profile] = setup_entry.subentries.values()
    form = await _profile_form(hass, setup_entry, profile.subentry_id)
    schema = form["data_schema"]
    shown = {str(key): key.default() for key in schema.schema if callable(key.default)}
    assert shown["name"] == "Aura TTS"
    assert shown["voice"] == "#g1_aura-2-thalia-en"
    # Its own name is not "taken"; the case may change.
    result = await _submit(
        hass, form, {"name": "AURA TTS", "voice": "#g1_aura-2-estrella-es", "chime": "bell"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert setup_entry.subentries[profile.subentry_id].title == "AURA TTS"
    assert er.async_get(hass).async_get_entity_id("tts", DOMAIN, profile.subentry_id) == ENTITY_ID

    audio = await speak_on(hass, players[KITCHEN], "Buenos días.", {"preferred_format": "mp3"})
    [request] = fake_api.tts_requests()
    assert voice_of(request.body) == "#g1_aura-2-estrella-es"
    assert request.body["text"] == "Buenos días."  # Spanish: the new voice's language
    expected = CHIMES["bell"].length + speech_seconds("Buenos días.")
    assert decoded_seconds(audio) == pytest.approx(expected, abs=0.15)


async def test_the_profile_form_keeps_silence_and_the_chime_after(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    """Fails if the form drops the new settings, stores their "none" values (which would
    change every other profile's cache keys), or does not show them again on Edit."""
    [profile] = setup_entry.subentries.values()
    form = await _profile_form(hass, setup_entry, profile.subentry_id)
    values = {"name": "Aura TTS", "voice": "#g1_aura-2-thalia-en", "chime": "off"}
    await _submit(hass, form, {**values, "silence": 500, "chime_after": "bell"})
    data = setup_entry.subentries[profile.subentry_id].data
    assert (data["silence"], data["chime_after"]) == (500, "bell")
    form = await _profile_form(hass, setup_entry, profile.subentry_id)
    shown = {str(key): key.default() for key in form["data_schema"].schema if callable(key.default)}
    assert (shown["silence"], shown["chime_after"]) == (500, "bell")
    await _submit(hass, form, {**values, "silence": 0, "chime_after": "off"})
    data = setup_entry.subentries[profile.subentry_id].data
    assert "silence" not in data
    assert "chime_after" not in data


async def test_removing_a_profile_removes_its_entity_and_device(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    form = await _profile_form(hass, setup_entry)
    await _submit(hass, form, SPANISH)
    registry = er.async_get(hass)
    spanish = registry.async_get("tts.espanol_speech")
    assert spanish is not None
    assert hass.config_entries.async_remove_subentry(setup_entry, str(spanish.config_subentry_id))
    await hass.async_block_till_done()
    assert registry.async_get("tts.espanol_speech") is None
    assert hass.states.get("tts.espanol_speech") is None
    assert dr.async_get(hass).async_get(str(spanish.device_id)) is None
    assert hass.states.get(ENTITY_ID) is not None  # the other profile stays


async def test_an_entry_of_version_1_moves_into_a_profile_keeping_its_entity_id(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    config_entry: MockConfigEntry,
    players: dict[str, Speaker],
) -> None:
    """The entity the user renamed keeps its ID, voice, chime and pronunciations.

    Fails if the migration makes a new entity (automations would name a missing one), or
    leaves a setting behind in the options."""
    old = MockConfigEntry(
        domain=DOMAIN,
        title="Old",
        version=1,
        unique_id="old",
        data=dict(config_entry.data),
        options={
            "voice": "#g1_aura-2-celeste-es",
            "chime": "ding_dong",
            "pronunciations": "salon = salón",
            "warn_below": 3.0,
        },
    )
    old.add_to_hass(hass)
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "tts", DOMAIN, old.entry_id, config_entry=old, suggested_object_id="casa"
    )
    assert await hass.config_entries.async_setup(old.entry_id)
    await hass.async_block_till_done()

    assert old.state is ConfigEntryState.LOADED
    assert old.version == 2
    assert old.options == {"warn_below": 3.0}
    [profile] = old.subentries.values()
    assert profile.title == "Celeste"
    assert dict(profile.data) == {
        "voice": "#g1_aura-2-celeste-es",
        "chime": "ding_dong",
        "pronunciations": "salon = salón",
    }
    moved = registry.async_get("tts.casa")
    assert moved is not None
    assert (moved.unique_id, moved.config_subentry_id) == (profile.subentry_id,) * 2
    tts_entities = {e.entity_id for e in registry.entities.values() if e.domain == "tts"}
    assert tts_entities == {"tts.casa", ENTITY_ID}  # the fixture's entry, set up alongside

    audio = await speak_on(
        hass, players[KITCHEN], "El salon.", {"preferred_format": "wav"}, engine="tts.casa"
    )
    [request] = fake_api.tts_requests()
    assert (voice_of(request.body), request.body["text"]) == ("#g1_aura-2-celeste-es", "El salón.")
    expected = CHIMES["ding_dong"].length + speech_seconds("El salón.")
    assert decoded_seconds(audio) == pytest.approx(expected, abs=0.15)


async def test_an_entry_from_a_newer_version_is_left_alone(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    newer = MockConfigEntry(domain=DOMAIN, version=3, data=dict(config_entry.data))
    newer.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(newer.entry_id)
    assert newer.state is ConfigEntryState.MIGRATION_ERROR
    assert newer.version == 3

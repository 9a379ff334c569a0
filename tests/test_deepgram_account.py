"""A Deepgram account through Home Assistant: set-up, seven languages, speed, formats, long
text, the fallback, the balance. Each crossing with what an AI/ML API account already does.

The module's ``config_entry`` is a Deepgram entry pointed at the fake Deepgram, so the shared
fixtures (``setup_entry``, the fallback engine) and helpers speak through it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.components import tts
from homeassistant.components.tts.helper import get_engine_instance
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aura_tts.aura.audio import FORMATS
from custom_components.aura_tts.aura.chime import CHIMES
from custom_components.aura_tts.const import (
    CONF_BASE_URL,
    CONF_SERVICE,
    DOMAIN,
    SERVICE_DEEPGRAM,
)
from custom_components.aura_tts.diagnostics import async_get_config_entry_diagnostics
from custom_components.aura_tts.voice_catalogue import REFRESH_INTERVAL
from e2e.e2e_speaker.media_player import Speaker
from e2e.e2e_speaker.tts import FallbackVoice
from tests.audio_checks import decoded_seconds, flac_test, ogg_pages, probe
from tests.conftest import add_entry
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.fake_deepgram import FakeDeepgram
from tests.helpers import ENTITY_ID, add_profile, change_profile, collect, speak, tts_audio
from tests.test_fallback import fallback_voice  # noqa: F401 - the fixture, used by name
from tests.test_services import BOTH, played_out

API_KEY = "test-key"
GERMAN = "Die Waschmaschine ist fertig."
FRENCH = "Le linge est prêt."
JAPANESE = "洗濯が終わりました。"


@pytest.fixture
def config_entry(hass: HomeAssistant, fake_deepgram: FakeDeepgram) -> MockConfigEntry:
    """A Deepgram entry with one English profile (tts.aura_tts_speech), not set up."""
    return add_entry(
        hass,
        fake_deepgram.url,
        "aura-2-thalia-en",
        title="Aura TTS (Deepgram: Home)",
        service=SERVICE_DEEPGRAM,
    )


def models_spoken(fake: FakeDeepgram) -> list[str]:
    return [r.query["model"] for r in fake.tts_requests() if r.status == 200]


async def _say(
    hass: HomeAssistant, entity_id: str, message: str, options: dict[str, Any] | None = None
) -> bytes:
    """As tts.speak does, without naming a language: the profile's voice decides."""
    stream = tts.async_create_stream(hass, entity_id, options=options or {})
    stream.async_set_message(message)
    return await collect(stream)


# -- set-up -------------------------------------------------------------------------------


async def test_set_up_asks_which_account_and_checks_the_deepgram_key_for_free(
    hass: HomeAssistant, fake_deepgram: FakeDeepgram
) -> None:
    """Fails if the Deepgram key is checked as an AI/ML API key (Bearer, /v1/key), if a
    wrong key is not refused with Deepgram's words, if the check pays for speech, or if the
    voice list is not Deepgram's own (read from /v1/models, every language)."""
    flow = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert flow["type"] is FlowResultType.MENU
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "deepgram"}
    )
    assert flow["step_id"] == "deepgram"
    schema = flow["data_schema"]
    assert schema is not None
    filled = schema({CONF_API_KEY: API_KEY, "advanced": {}})
    assert filled["advanced"] == {CONF_BASE_URL: "https://api.deepgram.com"}
    server = {"advanced": {CONF_BASE_URL: fake_deepgram.url}}
    wrong = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: "wrong-key", **server}
    )
    assert wrong["errors"] == {"base": "deepgram_invalid_auth"}
    voice = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: API_KEY, **server}
    )
    assert voice["step_id"] == "voice"
    assert voice["data_schema"] is not None
    [field] = voice["data_schema"].schema.values()
    labels = {option["value"]: option["label"] for option in field.config["options"]}
    assert len(labels) == 103
    assert labels["aura-2-julius-de"] == "Julius — Aura 2 · German · masculine"
    assert labels["aura-2-aquila-es"] == "Aquila — Aura 2 · Spanish (Latin America) · masculine"
    assert [r.path for r in fake_deepgram.requests] == [
        "/v1/projects",
        "/v1/projects",
        "/v1/projects/3f0c9b8e-5d0b-4c1e-9a47-2f2d1c0e6b11/balances",
        "/v1/models",
    ]
    assert fake_deepgram.requests[1].headers["Authorization"] == f"Token {API_KEY}"
    done = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"voice": "aura-2-julius-de"}
    )
    await hass.async_block_till_done()
    assert done["type"] is FlowResultType.CREATE_ENTRY
    entry = done["result"]
    assert entry.title == "Aura TTS (Deepgram: Home)"
    assert entry.data[CONF_SERVICE] == SERVICE_DEEPGRAM
    assert entry.state is ConfigEntryState.LOADED
    assert fake_deepgram.tts_requests() == []


async def test_a_refused_key_at_start_asks_for_a_new_deepgram_key(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    fake_deepgram.keys = {"another-key": 1.0}
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    form = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert (form["description_placeholders"] or {})["service"] == "Deepgram"


async def test_reconfigure_checks_the_new_key_with_deepgram(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    """Fails if reconfigure checks a Deepgram entry's key as an AI/ML API key."""
    fake_deepgram.keys["second-key"] = 7.0
    form = await setup_entry.start_reconfigure_flow(hass)
    assert (form["description_placeholders"] or {})["service"] == "Deepgram"
    server = {"advanced": {CONF_BASE_URL: fake_deepgram.url}}
    wrong = await hass.config_entries.flow.async_configure(
        form["flow_id"], {CONF_API_KEY: "wrong-key", **server}
    )
    assert wrong["errors"] == {"base": "deepgram_invalid_auth"}
    done = await hass.config_entries.flow.async_configure(
        form["flow_id"], {CONF_API_KEY: "second-key", **server}
    )
    await hass.async_block_till_done()
    assert done["reason"] == "reconfigure_successful"
    assert setup_entry.data[CONF_API_KEY] == "second-key"
    assert setup_entry.data[CONF_SERVICE] == SERVICE_DEEPGRAM
    assert setup_entry.state is ConfigEntryState.LOADED
    assert fake_deepgram.requests[-1].headers["Authorization"] == "Token second-key"


# -- languages ------------------------------------------------------------------------------


async def test_german_french_and_japanese_profiles_speak_without_being_told_the_language(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    """Fails if the entity offers only the AI/ML API's languages, or if a profile's voice is
    replaced by a stand-in because Home Assistant filled in English."""
    german = await add_profile(hass, setup_entry, "Küche", "aura-2-julius-de")
    french = await add_profile(hass, setup_entry, "Salon", "aura-2-agathe-fr")
    japanese = await add_profile(hass, setup_entry, "Japanese", "aura-2-izanami-ja")
    for entity_id, message in ((german, GERMAN), (french, FRENCH), (japanese, JAPANESE)):
        audio = await _say(hass, entity_id, message, {"preferred_format": "mp3"})
        assert decoded_seconds(audio) == pytest.approx(speech_seconds(message), abs=0.1)
    assert models_spoken(fake_deepgram) == [
        "aura-2-julius-de",
        "aura-2-agathe-fr",
        "aura-2-izanami-ja",
    ]
    engine = get_engine_instance(hass, german)
    assert engine is not None
    assert {"de", "de-DE", "fr", "ja", "nl", "it", "es-419"} <= set(engine.supported_languages)
    assert engine.default_language == "de-DE"


async def test_every_language_gets_a_stand_in_of_the_same_gender(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    """The English profile asked for each of the other six languages: a voice of that
    language (feminine, as Thalia is) speaks. Fails on any language the rule misses."""
    for language in ("es", "de", "fr", "nl", "it", "ja"):
        await speak(hass, "Hallo.", {"preferred_format": "mp3"}, language=language)
    spoken = models_spoken(fake_deepgram)
    assert [model.rsplit("-", 1)[1] for model in spoken] == ["es", "de", "fr", "nl", "it", "ja"]
    feminine = {
        v["canonical_name"]
        for v in fake_deepgram.models["tts"]
        if "feminine" in v["metadata"]["tags"]
    }
    assert set(spoken) <= feminine


# -- speed ----------------------------------------------------------------------------------


async def test_a_profiles_speed_is_sent_heard_and_part_of_the_cache_key(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    fake_deepgram: FakeDeepgram,
    hass_client: ClientSessionGenerator,
) -> None:
    """Fails if speed 1.3 is not sent, not heard (the audio is not shorter), or if the same
    message at the voice's own pace is served from the cache made at 1.3 (or the reverse)."""
    message = "The dishwasher has finished."
    await change_profile(hass, setup_entry, speed=1.3)
    status, fast = await tts_audio(hass, hass_client, message, {"preferred_format": "wav"})
    assert status == 200
    assert fake_deepgram.tts_requests()[-1].query["speed"] == "1.3"
    assert decoded_seconds(fast) == pytest.approx(speech_seconds(message) / 1.3, abs=0.05)
    status, own = await tts_audio(
        hass, hass_client, message, {"preferred_format": "wav", "speed": 1.0}
    )
    assert status == 200
    assert "speed" not in fake_deepgram.tts_requests()[-1].query
    assert decoded_seconds(own) == pytest.approx(speech_seconds(message), abs=0.05)
    status, again = await tts_audio(hass, hass_client, message, {"preferred_format": "wav"})
    assert (status, again) == (200, fast)
    assert len(fake_deepgram.tts_requests()) == 2  # the third came from the cache


async def test_a_speed_no_voice_can_make_is_refused_not_ignored(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    german = await add_profile(hass, setup_entry, "Küche", "aura-2-julius-de")
    with pytest.raises(ServiceValidationError) as refused:
        await _say(hass, german, GERMAN, {"speed": 1.2})
    assert refused.value.translation_key == "speed_not_supported"
    assert (refused.value.translation_placeholders or {})["service"] == "Deepgram"
    with pytest.raises(ServiceValidationError) as out_of_range:
        await _say(hass, ENTITY_ID, "Hello.", {"speed": 2})
    assert out_of_range.value.translation_key == "invalid_speed"
    assert fake_deepgram.tts_requests() == []


async def test_the_profiles_speed_leaves_a_stand_in_at_its_own_pace(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    """Speed is a default like the voice: an English profile at 1.2 asked for German speaks
    German at the German voice's own pace (Deepgram cannot change it), and English at 1.2."""
    await change_profile(hass, setup_entry, speed=1.2)
    await speak(hass, GERMAN, {"preferred_format": "mp3"}, language="de")
    await speak(hass, "Hello.", {"preferred_format": "mp3"}, language="en")
    first, second = fake_deepgram.tts_requests()
    assert "speed" not in first.query
    assert second.query["speed"] == "1.2"


async def test_speed_on_an_ai_ml_api_account_is_refused_with_a_clear_message(
    hass: HomeAssistant, fake_api: FakeAimlApi
) -> None:
    entry = add_entry(hass, fake_api.url)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as refused:
        await _say(hass, ENTITY_ID, "Hello.", {"speed": 1.2})
    assert (refused.value.translation_placeholders or {})["service"] == "AI/ML API"
    assert fake_api.tts_requests() == []
    await _say(hass, ENTITY_ID, "Hello.", {"speed": 1, "preferred_format": "mp3"})
    assert len(fake_api.tts_requests()) == 1


async def test_the_profile_form_offers_speed_only_where_it_can_be_made(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    form = await hass.config_entries.subentries.async_init(
        (setup_entry.entry_id, "profile"), context={"source": "user"}
    )
    assert form["data_schema"] is not None
    assert "speed" in form["data_schema"].schema
    values = {"name": "Küche", "voice": "aura-2-julius-de", "chime": "off", "speed": 1.3}
    refused = await hass.config_entries.subentries.async_configure(form["flow_id"], values)
    assert refused["errors"] == {"speed": "speed_not_supported"}
    done = await hass.config_entries.subentries.async_configure(
        form["flow_id"], {**values, "voice": "aura-2-celeste-es"}
    )
    assert done["type"] is FlowResultType.CREATE_ENTRY
    [profile] = [s for s in setup_entry.subentries.values() if s.title == "Küche"]
    assert profile.data["speed"] == 1.3


async def test_announce_in_spanish_on_two_speakers_at_a_speed(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    fake_deepgram: FakeDeepgram,
    players: dict[str, Speaker],
) -> None:
    """aura_tts.announce with a Deepgram profile: one synthesis by a Spanish voice at the
    speed the call names, heard on both speakers; a German voice at a speed is refused
    before any speaker is touched."""
    message = "La cena está lista."
    await hass.services.async_call(
        DOMAIN,
        "announce",
        {"entity_id": BOTH, "message": message, "language": "es", "speed": 1.2},
        blocking=True,
    )
    await played_out(hass, players)
    [request] = fake_deepgram.tts_requests()
    assert request.query["model"].endswith("-es")
    assert request.query["speed"] == "1.2"
    for player in players.values():
        assert player.plays[0]["seconds"] == pytest.approx(speech_seconds(message) / 1.2, abs=0.15)
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "announce",
            {
                "entity_id": BOTH,
                "message": GERMAN,
                "voice": "aura-2-julius-de",
                "language": "de",
                "speed": 1.2,
            },
            blocking=True,
        )
    assert refused.value.translation_key == "speed_not_supported"
    assert [len(p.plays) for p in players.values()] == [1, 1]
    assert len(fake_deepgram.tts_requests()) == 1


# -- formats and long text ---------------------------------------------------------------


@pytest.mark.parametrize("wanted", FORMATS)
async def test_every_speaker_format_decodes(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_deepgram: FakeDeepgram, wanted: str
) -> None:
    """What each speaker asks for (Voice PE: FLAC at 48 kHz), decoded by ffmpeg."""
    options: dict[str, Any] = {"preferred_format": wanted}
    if wanted in ("wav", "flac"):
        options["preferred_sample_rate"] = 16000 if wanted == "wav" else 48000
    audio = await speak(hass, FRENCH, options, language="fr")
    assert decoded_seconds(audio) == pytest.approx(speech_seconds(FRENCH), abs=0.1)
    if wanted == "flac":
        flac_test(audio)
    assert wanted.replace("opus", "ogg") in probe(audio)["format_name"]
    assert models_spoken(fake_deepgram) == ["aura-2-agathe-fr"]


@pytest.mark.parametrize("wanted", ["ogg", "flac"])
async def test_a_chime_before_deepgrams_words_is_one_file(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_deepgram: FakeDeepgram, wanted: str
) -> None:
    """Spanish with the bell before and after, in Ogg Opus and FLAC: chime + words + chime,
    one file that ffmpeg decodes whole (and `flac --test` passes). Fails if Deepgram's audio
    is joined as a second Ogg stream or a second FLAC header."""
    message = "Hay alguien en la puerta."
    audio = await speak(
        hass,
        message,
        {"preferred_format": wanted, "chime": "bell", "chime_after": "bell"},
        language="es",
    )
    expected = speech_seconds(message) + 2 * CHIMES["bell"].length
    assert decoded_seconds(audio) == pytest.approx(expected, abs=0.15)
    if wanted == "flac":
        flac_test(audio)
    else:
        assert len({serial for _, _, serial, _ in ogg_pages(audio)}) == 1
    assert models_spoken(fake_deepgram)[0].endswith("-es")


async def test_long_text_is_joined_into_one_file(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    """9,000 characters of German, Ogg Opus: several requests of 2,000 or fewer, one file
    that ffmpeg decodes whole. Fails on a second Ogg stream, a lost piece, a long request."""
    sentence = "Der Zug nach Berlin fährt heute von Gleis sieben ab. "
    text = sentence * (9000 // len(sentence))
    audio = await speak(hass, text, {"preferred_format": "ogg"}, language="de")
    requests = fake_deepgram.tts_requests()
    assert len(requests) >= 5
    assert all(len(r.body["text"]) <= 2000 for r in requests)
    assert decoded_seconds(audio) == pytest.approx(
        sum(speech_seconds(r.body["text"]) for r in requests), abs=0.3
    )
    pages = ogg_pages(audio)
    assert len({serial for _, _, serial, _ in pages}) == 1  # one logical stream
    assert [sequence for _, _, _, sequence in pages] == list(range(len(pages)))


# -- failures, fallback, balance ----------------------------------------------------------


async def test_the_fallback_speaks_when_the_deepgram_project_has_no_credit(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    fake_deepgram: FakeDeepgram,
    fallback_voice: FallbackVoice,  # noqa: F811
) -> None:
    """Deepgram's 402: the fallback speaks the message and the repair names Deepgram."""
    fake_deepgram.keys[API_KEY] = 0.0
    audio = await speak(hass, "The door is open.", {"preferred_format": "mp3"})
    assert decoded_seconds(audio) > 0
    assert fallback_voice.spoken == [("en", "The door is open.")]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"no_credit_{setup_entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "deepgram_no_credit"
    assert issue.learn_more_url == "https://console.deepgram.com/"


async def test_without_a_fallback_the_error_names_deepgram(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    fake_deepgram.add_fault("status", status=503, count=None)
    with pytest.raises(HomeAssistantError) as failed:
        await speak(hass, "Hello.", {"preferred_format": "mp3"})
    assert failed.value.translation_key == "server_error"
    assert (failed.value.translation_placeholders or {})["service"] == "Deepgram"


async def test_the_balance_sensor_reads_the_deepgram_project(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    """The balance from the project's balances; no spend sensors (Deepgram's key has no
    spend to report: they would be invented); the low-balance warning names Deepgram."""
    state = hass.states.get("sensor.aura_tts_deepgram_home_balance")
    assert state is not None
    assert float(state.state) == 42.5
    assert state.attributes["unit_of_measurement"] == "USD"
    assert hass.states.get("sensor.aura_tts_deepgram_home_spent_today") is None
    assert hass.states.get("sensor.aura_tts_deepgram_home_spent_this_month") is None
    fake_deepgram.keys[API_KEY] = 0.4
    await setup_entry.runtime_data.account.async_refresh()
    await hass.async_block_till_done()
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"low_balance_{setup_entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "deepgram_low_balance"


async def test_a_key_that_may_not_read_the_balance_leaves_it_unavailable(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    fake_deepgram.scopes[API_KEY] = frozenset({"project:read", "usage:write"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get("sensor.aura_tts_deepgram_home_balance")
    assert state is not None
    assert state.state == "unavailable"


# -- the voice list ----------------------------------------------------------------------


async def test_the_voice_list_is_read_at_start_and_refreshed_daily(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    """Unreadable at start: the built-in list. A day later Deepgram lists a new voice, and
    it is offered and speaks. Fails if speech waits on the list or the list never refreshes."""
    fake_deepgram.models_endpoint = False
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    engine = get_engine_instance(hass, ENTITY_ID)
    assert engine is not None
    assert len(engine.async_get_supported_voices("nl") or []) == 9
    diagnostics = await async_get_config_entry_diagnostics(hass, config_entry)
    assert diagnostics["client"]["catalogue_read"] is False
    fake_deepgram.models_endpoint = True
    fake_deepgram.models["tts"].append(
        {
            "name": "nova",
            "canonical_name": "aura-2-nova-nl",
            "architecture": "aura-2",
            "languages": ["nl", "nl-NL"],
            "metadata": {"accent": "Dutch", "tags": ["feminine"]},
        }
    )
    async_fire_time_changed(hass, dt_util.utcnow() + REFRESH_INTERVAL + timedelta(seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    voices = {v.voice_id: v.name for v in engine.async_get_supported_voices("nl") or []}
    assert voices["aura-2-nova-nl"] == "Nova — Aura 2 · Dutch · feminine"
    await speak(
        hass, "Goedemorgen.", {"voice": "aura-2-nova-nl", "preferred_format": "mp3"}, language="nl"
    )
    assert models_spoken(fake_deepgram) == ["aura-2-nova-nl"]
    diagnostics = await async_get_config_entry_diagnostics(hass, config_entry)
    assert diagnostics["client"]["service"] == "Deepgram"
    assert API_KEY not in str(diagnostics)


async def test_a_key_for_speech_alone_is_checked_by_speaking_once(
    hass: HomeAssistant, fake_deepgram: FakeDeepgram
) -> None:
    """A key that may not read its project is checked with one one-word synthesis at set-up:
    accepted when it can speak, refused with Deepgram's words when it cannot."""
    fake_deepgram.scopes[API_KEY] = frozenset()
    flow = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "deepgram"}
    )
    answer = {CONF_API_KEY: API_KEY, "advanced": {CONF_BASE_URL: fake_deepgram.url}}
    refused = await hass.config_entries.flow.async_configure(flow["flow_id"], answer)
    assert refused["errors"] == {"base": "deepgram_key_without_speech"}
    fake_deepgram.scopes[API_KEY] = frozenset({"usage:write"})
    accepted = await hass.config_entries.flow.async_configure(flow["flow_id"], answer)
    assert accepted["step_id"] == "voice"
    spoken = [r.body["text"] for r in fake_deepgram.tts_requests() if r.status == 200]
    assert spoken == ["Hi"]


async def test_a_key_that_may_read_but_not_speak_says_so_at_its_first_message(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_deepgram: FakeDeepgram
) -> None:
    """What the free check cannot tell: the first message fails with Deepgram's advice and
    Home Assistant asks for a new key."""
    fake_deepgram.scopes[API_KEY] = frozenset({"project:read", "billing:read"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(HomeAssistantError) as failed:
        await speak(hass, "Hello.", {"preferred_format": "mp3"})
    assert failed.value.translation_key == "deepgram_key_without_speech"
    await hass.async_block_till_done()
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"

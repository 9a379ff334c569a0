"""A Deepgram account in a real Home Assistant (2026.11.0), against the fake Deepgram.

Runs before test_real_home_assistant.py (whose last test stops Home Assistant and reads the
whole log); its entry stays, a second account in the house for the tests after it.
Set up through the REST flow API as the frontend does, then German without naming the
language, Voice PE's FLAC, a profile at speed 1.3, an announcement in Spanish on two
speakers, the balance; and no WARNING naming the integration in Home Assistant's log.
"""

from __future__ import annotations

from typing import Any

import pytest

from e2e.conftest import DEEPGRAM_KEY, FakeServer, HomeAssistant, ffmpeg_runs
from e2e.test_real_home_assistant import (
    KITCHEN,
    PLAYER,
    LogSince,
    entity_state,
    fetch,
    wait_for,
    warnings_naming_us,
)
from tests.audio_checks import decoded_seconds, flac_test, probe
from tests.fake_aimlapi.sound import speech_seconds

STATE: dict[str, Any] = {}  # what one test of this module leaves the next


def models_since(server: FakeServer, count: int) -> list[dict[str, str]]:
    return [r.query for r in server.tts_requests_since(count)]


def get_url_audio(ha: HomeAssistant, engine: str, message: str, **options: Any) -> bytes:
    body = {"engine_id": engine, "message": message, "options": options}
    return fetch(ha, ha.api("POST", "/api/tts_get_url", json=body)["url"])


def test_a_deepgram_account_is_set_up_with_its_own_voices(
    home_assistant: HomeAssistant, fake_deepgram_server: FakeServer
) -> None:
    ha, server = home_assistant, fake_deepgram_server
    STATE["log"] = LogSince(ha)
    flow = ha.api("POST", "/api/config/config_entries/flow", json={"handler": "aura_tts"})
    assert flow["menu_options"] == ["aimlapi", "deepgram"]
    path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    form = ha.api("POST", path, json={"next_step_id": "deepgram"})
    assert form["step_id"] == "deepgram"
    advanced = {"advanced": {"base_url": server.url}}
    wrong = ha.api("POST", path, json={"api_key": "not-a-deepgram-key", **advanced})
    assert wrong["errors"] == {"base": "deepgram_invalid_auth"}
    voice_step = ha.api("POST", path, json={"api_key": DEEPGRAM_KEY, **advanced})
    [field] = voice_step["data_schema"]
    labels = {o["value"]: o["label"] for o in field["selector"]["select"]["options"]}
    assert len(labels) == 103
    assert labels["aura-2-fujin-ja"] == "Fujin — Aura 2 · Japanese · masculine"
    done = ha.api("POST", path, json={"voice": "aura-2-julius-de"})
    assert done["type"] == "create_entry"
    assert done["result"]["title"] == "Aura TTS (Deepgram: Home)"
    assert done["result"]["state"] == "loaded"
    STATE["entry_id"] = entry_id = done["result"]["entry_id"]
    registry = ha.websocket({"type": "config/entity_registry/list"})
    ours = [e for e in registry if e["config_entry_id"] == entry_id]
    [STATE["julius"]] = [e["entity_id"] for e in ours if e["entity_id"].startswith("tts.")]
    sensors = {e["unique_id"].removeprefix(f"{entry_id}_"): e["entity_id"] for e in ours}
    assert set(sensors) - {e["unique_id"] for e in ours if e["entity_id"].startswith("tts.")} == {
        "balance",
        "characters_spoken",
    }
    balance = ha.api("GET", f"/api/states/{sensors['balance']}")
    assert float(balance["state"]) == 42.5
    assert server.fake.tts_requests() == []  # the check was free


def test_german_plays_on_a_speaker_without_naming_the_language(
    home_assistant: HomeAssistant, fake_deepgram_server: FakeServer
) -> None:
    ha, server = home_assistant, fake_deepgram_server
    before = len(server.fake.tts_requests())
    message = "Die Waschmaschine ist fertig. Bitte die Wäsche aufhängen."
    ha.api(
        "POST",
        "/api/services/tts/speak",
        json={"entity_id": STATE["julius"], "media_player_entity_id": PLAYER, "message": message},
    )
    media_id = ha.api("GET", f"/api/states/{PLAYER}")["attributes"]["plays"][-1]["media_id"]
    resolved = ha.websocket({"type": "media_source/resolve_media", "media_content_id": media_id})
    audio = fetch(ha, resolved["url"])
    assert probe(audio)["codec_name"] == "mp3"
    assert decoded_seconds(audio) == pytest.approx(speech_seconds(message), abs=0.15)
    [query] = models_since(server, before)
    assert query["model"] == "aura-2-julius-de"


def test_voice_pe_gets_flac_from_deepgram_itself(
    home_assistant: HomeAssistant, fake_deepgram_server: FakeServer
) -> None:
    ha, server = home_assistant, fake_deepgram_server
    before, ffmpeg_before = len(server.fake.tts_requests()), ffmpeg_runs(ha.config_dir)
    message = "Das Licht im Flur ist noch an."
    audio = get_url_audio(
        ha, STATE["julius"], message, preferred_format="flac", preferred_sample_rate=48000
    )
    flac_test(audio)
    assert decoded_seconds(audio) == pytest.approx(speech_seconds(message), abs=0.15)
    [query] = models_since(server, before)
    assert (query["encoding"], query["sample_rate"]) == ("flac", "48000")
    assert ffmpeg_runs(ha.config_dir) == ffmpeg_before


def test_a_profile_at_speed_1_3_is_heard_faster(
    home_assistant: HomeAssistant, fake_deepgram_server: FakeServer
) -> None:
    ha, server = home_assistant, fake_deepgram_server
    start = {"handler": [STATE["entry_id"], "profile"]}
    flow = ha.api("POST", "/api/config/config_entries/subentries/flow", json=start)
    assert "speed" in [field["name"] for field in flow["data_schema"]]
    path = f"/api/config/config_entries/subentries/flow/{flow['flow_id']}"
    values = {"name": "Schnell", "voice": "aura-2-thalia-en", "chime": "off", "speed": 1.3}
    done = ha.api("POST", path, json=values)
    assert done["type"] == "create_entry"
    fast = "tts.schnell_speech"
    wait_for(lambda: entity_state(ha, fast) not in {None, "unavailable"}, "the new profile")
    before = len(server.fake.tts_requests())
    message = "The washing machine has finished."
    audio = get_url_audio(ha, fast, message, preferred_format="wav")
    [query] = models_since(server, before)
    assert query["speed"] == "1.3"
    assert decoded_seconds(audio) == pytest.approx(speech_seconds(message) / 1.3, abs=0.1)


def test_announce_in_spanish_on_two_speakers_at_a_speed(
    home_assistant: HomeAssistant, fake_deepgram_server: FakeServer
) -> None:
    """One synthesis for both speakers, by a Spanish stand-in of the English profile, at the
    speed the call names."""
    ha, server = home_assistant, fake_deepgram_server
    before = len(server.fake.tts_requests())
    plays = {
        p: len(ha.api("GET", f"/api/states/{p}")["attributes"]["plays"]) for p in (PLAYER, KITCHEN)
    }
    message = "La cena está lista."
    ha.api(
        "POST",
        "/api/services/aura_tts/announce",
        json={
            "entity_id": [PLAYER, KITCHEN],
            "profile": "tts.schnell_speech",
            "message": message,
            "language": "es",
            "speed": 1.2,
        },
    )
    [query] = models_since(server, before)
    assert query["model"].endswith("-es")
    assert query["speed"] == "1.2"
    for player in (PLAYER, KITCHEN):

        def ended(player: str = player) -> dict[str, Any] | None:
            new = ha.api("GET", f"/api/states/{player}")["attributes"]["plays"][plays[player] :]
            return new[0] if len(new) == 1 and "ended" in new[0] else None

        play = wait_for(ended, f"{player} to finish", 60)
        assert play["seconds"] == pytest.approx(speech_seconds(message) / 1.2, abs=0.15)


def test_no_warning_names_the_integration(home_assistant: HomeAssistant) -> None:
    assert warnings_naming_us(STATE["log"].text()) == []

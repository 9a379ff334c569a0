"""Aura TTS in a real Home Assistant process, driven over its REST and WebSocket APIs.

The tests run in file order and build on each other, as a user's first session does:
configure, speak, list voices, change the voice, stop.
"""

from __future__ import annotations

from collections.abc import Callable
import re
import time
from typing import Any

import pytest
import requests

from custom_components.aura_tts.voices import VOICES
from e2e.conftest import KEYS, FakeServer, HomeAssistant, ffmpeg_runs
from tests.audio_checks import decoded_seconds, flac_test, probe
from tests.fake_aimlapi.sound import speech_seconds
from tests.voice_ids import voice_of

PLAYER = "media_player.test_speaker"  # e2e/e2e_speaker: takes play_media like a real one
KITCHEN = "media_player.kitchen_speaker"  # the same, without announcements


def fetch(ha: HomeAssistant, url: str) -> bytes:
    response = requests.get(url if url.startswith("http") else ha.url + url, timeout=60)
    response.raise_for_status()
    return response.content


def tts_get_url_audio(
    ha: HomeAssistant, message: str, options: dict[str, Any] | None = None
) -> bytes:
    """What a player gets from the URL /api/tts_get_url gives for ``message``."""
    body = {"engine_id": ha.state["entity_id"], "message": message, "options": options or {}}
    return fetch(ha, ha.api("POST", "/api/tts_get_url", json=body)["url"])


def test_onboarding_made_an_owner_with_a_working_token(home_assistant: HomeAssistant) -> None:
    assert home_assistant.api("GET", "/api/") == {"message": "API running."}
    steps = requests.get(home_assistant.url + "/api/onboarding", timeout=10).json()
    assert all(step["done"] for step in steps)


def test_config_flow_refuses_a_wrong_key_then_offers_every_voice(
    home_assistant: HomeAssistant, fake_server: FakeServer
) -> None:
    ha = home_assistant
    flow = ha.api("POST", "/api/config/config_entries/flow", json={"handler": "aura_tts"})
    assert flow["step_id"] == "user"
    path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    server = {"advanced": {"base_url": fake_server.url}}

    wrong = ha.api("POST", path, json={"api_key": "not-a-real-key", **server})
    assert wrong["type"] == "form"
    assert wrong["errors"] == {"base": "invalid_auth"}

    voice_step = ha.api("POST", path, json={"api_key": KEYS["rest"], **server})
    assert voice_step["step_id"] == "voice"
    [field] = voice_step["data_schema"]
    options = field["selector"]["select"]["options"]
    assert sorted(option["value"] for option in options) == sorted(VOICES)
    assert len(options) == 56

    done = ha.api("POST", path, json={"voice": "#g1_aura-2-thalia-en"})
    assert done["type"] == "create_entry"
    assert done["result"]["state"] == "loaded"
    ha.state["entry_id"] = entry_id = done["result"]["entry_id"]
    registry = ha.websocket({"type": "config/entity_registry/list"})
    ours = [e for e in registry if e["config_entry_id"] == entry_id]
    [entity_id] = [e["entity_id"] for e in ours if e["entity_id"].startswith("tts.")]
    # The account's sensors, by what they are (the entity IDs depend on the entry's title).
    ha.state["sensors"] = {
        e["unique_id"].removeprefix(f"{entry_id}_"): e["entity_id"]
        for e in ours
        if e["entity_id"].startswith("sensor.")
    }
    assert set(ha.state["sensors"]) == {
        "balance",
        "spent_today",
        "spent_this_month",
        "characters_spoken",
    }
    # The first voice profile is named after its voice.
    assert entity_id.startswith("tts.thalia_speech")  # _2 if the browser added one
    [profile] = ha.websocket({"type": "config_entries/subentries/list", "entry_id": entry_id})
    assert (profile["subentry_type"], profile["title"]) == ("profile", "Thalia")
    ha.state["profile_id"] = profile["subentry_id"]
    ha.state["entity_id"] = entity_id
    states = {s["entity_id"] for s in ha.api("GET", "/api/states")}
    assert entity_id in states


def test_tts_speak_plays_on_a_media_player(
    home_assistant: HomeAssistant, fake_server: FakeServer
) -> None:
    """The player gets a media-source ID; resolved and fetched, it is the spoken message."""
    ha = home_assistant
    before = len(fake_server.fake.tts_requests())
    message = "The washing machine has finished. Please hang up the laundry."
    ha.api(
        "POST",
        "/api/services/tts/speak",
        json={
            "entity_id": ha.state["entity_id"],
            "media_player_entity_id": PLAYER,
            "message": message,
        },
    )
    # tts.speak tells players it is an announcement: this one plays it over its own media.
    media_id = ha.api("GET", f"/api/states/{PLAYER}")["attributes"]["plays"][-1]["media_id"]
    assert media_id.startswith("media-source://tts/")
    resolved = ha.websocket({"type": "media_source/resolve_media", "media_content_id": media_id})
    audio = fetch(ha, resolved["url"])
    assert probe(audio)["codec_name"] == "mp3"  # HA's default, made by Aura itself
    assert decoded_seconds(audio) == pytest.approx(speech_seconds(message), abs=0.15)
    [request] = fake_server.tts_requests_since(before)
    assert voice_of(request.body) == "#g1_aura-2-thalia-en"
    assert request.body["text"] == message


def test_tts_get_url_serves_satellite_wav(
    home_assistant: HomeAssistant, fake_server: FakeServer
) -> None:
    ha = home_assistant
    before = len(fake_server.fake.tts_requests())
    message = "Good morning. It is seven o'clock."
    satellite = {
        "preferred_format": "wav",
        "preferred_sample_rate": 16000,
        "preferred_sample_channels": 1,
        "preferred_sample_bytes": 2,
    }
    audio = tts_get_url_audio(ha, message, satellite)
    assert audio[:4] == b"RIFF"
    facts = probe(audio)
    assert (facts["codec_name"], facts["sample_rate"], facts["channels"]) == (
        "pcm_s16le",
        "16000",
        "1",
    )
    assert decoded_seconds(audio) == pytest.approx(speech_seconds(message), abs=0.05)
    [request] = fake_server.tts_requests_since(before)
    assert request.body["sample_rate"] == "16000"  # asked of Aura, not converted by HA


VOICE_PE = {
    "preferred_format": "flac",
    "preferred_sample_rate": 48000,
    "preferred_sample_channels": 1,
    "preferred_sample_bytes": 2,
}
LONG_TEXT = " ".join(
    f"Reminder {n}: the {room} window is open, and rain is expected within the hour."
    for n, room in enumerate(["kitchen", "bedroom", "office", "bathroom", "hall"] * 11)
)


@pytest.mark.parametrize("message", ["Timer done.", LONG_TEXT], ids=["short", "4000-chars"])
def test_voice_pe_gets_one_flac_stream_and_no_ffmpeg_runs(
    home_assistant: HomeAssistant, fake_server: FakeServer, message: str
) -> None:
    """Voice PE's FLAC 48 kHz mono 16-bit comes from Aura, joined when the text is long.

    Fails if Home Assistant (or we) start ffmpeg for it, if the pieces are not one valid FLAC
    stream (the reference decoder warns about frame numbers, ffmpeg about timestamps), or
    if its length is not the sum of the pieces.
    """
    ha = home_assistant
    assert len(LONG_TEXT) > 4000
    before, ffmpeg_before = len(fake_server.fake.tts_requests()), ffmpeg_runs(ha.config_dir)
    audio = tts_get_url_audio(ha, message, VOICE_PE)
    assert ffmpeg_runs(ha.config_dir) == ffmpeg_before
    requests_made = fake_server.tts_requests_since(before)
    pieces = len(requests_made)
    assert pieces == 1 if message == "Timer done." else pieces >= 3  # joined
    assert {(r.body["encoding"], r.body["sample_rate"]) for r in requests_made} == {
        ("flac", "48000")
    }
    facts = probe(audio)
    assert (facts["codec_name"], facts["sample_rate"], facts["channels"]) == ("flac", "48000", "1")
    assert facts["sample_fmt"] == "s16"
    flac_test(audio)
    spoken = sum(speech_seconds(r.body["text"]) for r in requests_made)
    assert decoded_seconds(audio) == pytest.approx(spoken, abs=0.01)


def test_ffmpeg_runs_are_counted(home_assistant: HomeAssistant) -> None:
    """The counting wrapper is the ffmpeg Home Assistant uses (else the test above proves
    nothing): a format Aura cannot make (stereo FLAC) is converted, and that run is seen."""
    ha = home_assistant
    before = ffmpeg_runs(ha.config_dir)
    audio = tts_get_url_audio(ha, "Converted.", {**VOICE_PE, "preferred_sample_channels": 2})
    assert probe(audio)["channels"] == "2"
    assert len(ffmpeg_runs(ha.config_dir)) > len(before)


@pytest.mark.parametrize("language", ["en", "es"])
def test_voices_over_the_websocket(home_assistant: HomeAssistant, language: str) -> None:
    voices = home_assistant.websocket(
        {
            "type": "tts/engine/voices",
            "engine_id": home_assistant.state["entity_id"],
            "language": language,
        }
    )["voices"]
    ids = [voice["voice_id"] for voice in voices]
    assert sorted(ids) == sorted(v for v in VOICES if VOICES[v].base_language == language)
    assert all(re.search(rf"-{language}$", voice_id) for voice_id in ids)


def profile_flow(ha: HomeAssistant, values: dict[str, Any], subentry_id: str | None = None) -> Any:
    """Submit the voice profile form ("Add voice profile", or "Edit" of ``subentry_id``)."""
    start: dict[str, Any] = {"handler": [ha.state["entry_id"], "profile"]}
    if subentry_id is not None:
        start["subentry_id"] = subentry_id
    flow = ha.api("POST", "/api/config/config_entries/subentries/flow", json=start)
    assert flow["type"] == "form"
    path = f"/api/config/config_entries/subentries/flow/{flow['flow_id']}"
    return ha.api("POST", path, json=values)


def test_a_new_voice_in_the_profile_gives_new_audio(
    home_assistant: HomeAssistant, fake_server: FakeServer
) -> None:
    ha = home_assistant
    message = "Dinner is ready."

    first = tts_get_url_audio(ha, message)
    done = profile_flow(
        ha,
        {"name": "Thalia", "voice": "#g1_aura-2-apollo-en", "chime": "off"},
        ha.state["profile_id"],
    )
    assert done["type"] == "abort"
    assert done["reason"] == "reconfigure_successful"
    # The same name: no reload, the next message has the new voice.
    before = len(fake_server.fake.tts_requests())
    second = tts_get_url_audio(ha, message)
    assert second != first
    [request] = fake_server.tts_requests_since(before)
    assert voice_of(request.body) == "#g1_aura-2-apollo-en"


def entity_state(ha: HomeAssistant, entity_id: str) -> str | None:
    """The entity's state, None while it does not exist."""
    states = {s["entity_id"]: s["state"] for s in ha.api("GET", "/api/states")}
    return states.get(entity_id)


@pytest.mark.parametrize(("audio_format", "codec"), [("mp3", "mp3"), ("flac", "flac")])
def test_a_spanish_profile_speaks_spanish_without_being_told(
    home_assistant: HomeAssistant, fake_server: FakeServer, audio_format: str, codec: str
) -> None:
    """ "Add voice profile" makes tts.espanol_speech; a message with no language is spoken by
    its Spanish voice (Home Assistant fills in the entity's language), in the format asked."""
    ha = home_assistant
    spanish = "tts.espanol_speech"
    if entity_state(ha, spanish) is None:
        done = profile_flow(
            ha, {"name": "Español", "voice": "#g1_aura-2-celeste-es", "chime": "off"}
        )
        assert done["type"] == "create_entry"
        wait_for(
            lambda: entity_state(ha, spanish) not in {None, "unavailable"},
            "the new profile's entity",
        )
    # This entry's profile (the browser test's entry has its own, named otherwise).
    registry = ha.websocket({"type": "config/entity_registry/list"})
    [ours] = [e for e in registry if e["entity_id"] == spanish]
    assert ours["config_entry_id"] == ha.state["entry_id"]
    message = f"La lavadora ha terminado ({audio_format})."
    before = len(fake_server.fake.tts_requests())
    body = {"engine_id": spanish, "message": message, "options": {"preferred_format": audio_format}}
    audio = fetch(ha, ha.api("POST", "/api/tts_get_url", json=body)["url"])
    [request] = fake_server.tts_requests_since(before)
    assert voice_of(request.body) == "#g1_aura-2-celeste-es"
    assert request.body["text"] == message
    assert probe(audio)["codec_name"] == codec
    if codec == "flac":
        flac_test(audio)
    assert decoded_seconds(audio) == pytest.approx(speech_seconds(message), abs=0.15)


def wait_for(check: Callable[[], Any], what: str, seconds: float = 30) -> Any:
    """Poll ``check`` until it gives something true (Home Assistant works in the background)."""
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return result


def test_balance_sensor_and_the_low_balance_repair(
    home_assistant: HomeAssistant, fake_server: FakeServer
) -> None:
    """The sensor shows the fake's balance; below the threshold a repair appears, then goes.

    "Update entity" asks the coordinator to refresh (Home Assistant lets one such request
    through every 10 seconds, so the waits below allow for that).
    """
    ha = home_assistant
    fake, key, entry_id = fake_server.fake, KEYS["rest"], ha.state["entry_id"]
    balance_id, spoken_id = ha.state["sensors"]["balance"], ha.state["sensors"]["characters_spoken"]
    issue_id = f"low_balance_{entry_id}"

    def refreshed_balance(expected: float) -> bool:
        ha.api("POST", "/api/services/homeassistant/update_entity", json={"entity_id": balance_id})
        state = ha.api("GET", f"/api/states/{balance_id}")
        return (
            state["state"] not in {"unknown", "unavailable"}
            and abs(float(state["state"]) - expected) < 1e-9
        )

    def low_balance_issue() -> dict[str, Any] | None:
        issues = ha.websocket({"type": "repairs/list_issues"})["issues"]
        return next((i for i in issues if i["issue_id"] == issue_id), None)

    # Everything spoken so far was charged by the fake and counted by the sensor.
    billed = sum(len(r.body["text"]) for r in fake.tts_requests() if r.status == 200)
    assert int(ha.api("GET", f"/api/states/{spoken_id}")["state"]) == billed > 0
    wait_for(lambda: refreshed_balance(fake.keys[key]), "the balance sensor")
    state = ha.api("GET", f"/api/states/{balance_id}")
    assert state["attributes"]["unit_of_measurement"] == "USD"
    assert state["attributes"]["device_class"] == "monetary"
    assert low_balance_issue() is None

    fake.keys[key] = 0.5
    wait_for(lambda: refreshed_balance(0.5), "the balance sensor to show 0.50")
    issue = wait_for(low_balance_issue, "the low-balance repair")
    assert issue["translation_key"] == "low_balance"
    assert issue["translation_placeholders"]["balance"] == "0.50 USD"
    assert issue["severity"] == "warning"

    fake.keys[key] = 42.5
    wait_for(lambda: refreshed_balance(42.5), "the balance sensor to show 42.50")
    wait_for(lambda: low_balance_issue() is None, "the repair to go")


@pytest.mark.parametrize(
    ("language", "message", "chime"),
    [
        ("en", "Someone is at the front door.", "ding_dong"),
        ("es", "Hay alguien en la puerta principal.", "off"),
    ],
)
def test_announce_on_two_speakers_with_a_chime_and_a_volume(
    home_assistant: HomeAssistant,
    fake_server: FakeServer,
    language: str,
    message: str,
    chime: str,
) -> None:
    """aura_tts.announce: one synthesis for both speakers (one announces over its media, one
    plays it as its media); each is set to 0.8 before it plays, plays chime + words (as
    ffmpeg decodes what it fetched), and gets its own volume back after it has played.
    """
    ha = home_assistant
    # Home Assistant read the action's services.yaml (it logs and drops one it cannot).
    announce = ha.websocket({"type": "get_services"})["aura_tts"]["announce"]
    assert set(announce["fields"]) == {"message", "profile", "voice", "language", "chime", "volume"}
    assert announce["target"] == {"entity": [{"domain": ["media_player"]}]}
    speakers = [PLAYER, KITCHEN]
    before = {p: ha.api("GET", f"/api/states/{p}")["attributes"] for p in speakers}
    requests_before = len(fake_server.fake.tts_requests())
    ha.api(
        "POST",
        "/api/services/aura_tts/announce",
        json={
            "entity_id": speakers,
            "profile": ha.state["entity_id"],  # the browser test has added a second entry
            "message": message,
            "language": language,
            "chime": chime,
            "volume": 0.8,
        },
    )

    def finished(player: str) -> dict[str, Any] | None:
        attributes = ha.api("GET", f"/api/states/{player}")["attributes"]
        plays = attributes["plays"][len(before[player]["plays"]) :]
        volumes = attributes["volume_history"][len(before[player]["volume_history"]) :]
        done = len(plays) == 1 and "ended" in plays[0] and len(volumes) == 2
        return {"play": plays[0], "volumes": volumes, **attributes} if done else None

    [request] = fake_server.tts_requests_since(requests_before)
    assert request.body["text"] == message
    assert voice_of(request.body).endswith(f"-{language}")
    chime_seconds = {"ding_dong": 1.5, "off": 0.0}[chime]
    for player, announces in ((PLAYER, True), (KITCHEN, False)):
        result = wait_for(
            lambda player=player: finished(player),
            f"{player} to finish: {ha.api('GET', f'/api/states/{player}')}",
            60,
        )
        play, volumes = result["play"], result["volumes"]
        assert play["announce"] is announces
        assert play["volume"] == 0.8  # set before it was told to play
        assert play["seconds"] == pytest.approx(speech_seconds(message) + chime_seconds, abs=0.15)
        assert [level for _, level in volumes] == [0.8, before[player]["volume_level"]]
        assert volumes[1][0] >= play["ended"]  # put back after it had played, not during
        assert result["volume_level"] == before[player]["volume_level"]


def test_the_fallback_voice_speaks_when_the_service_is_down(
    home_assistant: HomeAssistant, fake_server: FakeServer
) -> None:
    """The profile's fallback is the e2e config's small engine; the fake answers 503 to every
    request; the announcement still reaches the speaker, in the fallback's voice (a tone as
    long as the text), and the entity's next message is Aura's again once it is back."""
    ha, fake = home_assistant, fake_server.fake
    fallback = "tts.e2e_fallback_voice"
    assert entity_state(ha, fallback) is not None
    done = profile_flow(
        ha,
        {"name": "Thalia", "voice": "#g1_aura-2-apollo-en", "chime": "off", "fallback": fallback},
        ha.state["profile_id"],
    )
    assert done["reason"] == "reconfigure_successful"
    message = "The smoke alarm in the hall is sounding."
    before = ha.api("GET", f"/api/states/{KITCHEN}")["attributes"]["plays"]
    requests_before = len(fake.tts_requests())
    fake.add_fault("status", status=503, count=None)
    try:
        ha.api(
            "POST",
            "/api/services/aura_tts/announce",
            json={"entity_id": KITCHEN, "profile": ha.state["entity_id"], "message": message},
        )

        def played() -> dict[str, Any] | None:
            plays = ha.api("GET", f"/api/states/{KITCHEN}")["attributes"]["plays"]
            new = plays[len(before) :]
            return new[0] if new and "ended" in new[0] else None

        play = wait_for(played, "the kitchen speaker to play the fallback's announcement", 60)
    finally:
        fake.faults.clear()
    assert play["seconds"] == pytest.approx(len(message) * 0.02, abs=0.15)  # the tone
    spoken = ha.api("GET", f"/api/states/{fallback}")["attributes"]["spoken"]
    assert spoken[-1] == ["en", message]
    failed = fake.tts_requests()[requests_before:]
    assert failed
    assert all(r.status == 503 for r in failed)
    # Aura is back: the same message is Aura's, not the fallback's audio from the cache.
    audio = tts_get_url_audio(ha, message)
    assert decoded_seconds(audio) == pytest.approx(speech_seconds(message), abs=0.15)
    assert fake.tts_requests()[-1].status == 200


def test_stops_cleanly_with_no_errors_from_the_integration(
    home_assistant: HomeAssistant,
) -> None:
    assert home_assistant.stop() == 0
    # Log records start with a timestamp; a traceback belongs to the record above it.
    records = re.split(r"\n(?=\d{4}-\d\d-\d\d )", home_assistant.log.read_text())
    # (the venv's own path has "aura_tts" in it; the integration's modules are these)
    mentions_us = re.compile(r"custom_components[./]aura_tts")
    ours = [
        r
        for r in records
        if (mentions_us.search(r) or "AI/ML API" in r) and ("ERROR" in r or "Traceback" in r)
    ]
    assert not ours, ours
    assert any("custom integration aura_tts" in r for r in records)  # the right log

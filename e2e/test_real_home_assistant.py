"""Aura TTS in a real Home Assistant process, driven over its REST and WebSocket APIs.

The tests run in file order and build on each other, as a user's first session does:
configure, speak, list voices, change the voice, stop.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
import re
import time
from typing import Any

import pytest
import requests

from custom_components.aura_tts.aura.voices import VOICES
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
    assert (flow["type"], flow["step_id"]) == ("menu", "user")
    path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    server = {"advanced": {"base_url": fake_server.url}}
    key_form = ha.api("POST", path, json={"next_step_id": "aimlapi"})
    assert key_form["step_id"] == "aimlapi"

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
    assert set(announce["fields"]) == {
        "message",
        "profile",
        "voice",
        "language",
        "chime",
        "chime_after",
        "silence",
        "speed",
        "volume",
        "resume",
    }
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


# Lines naming the integration that the tests above make happen on purpose.
EXPECTED_WARNINGS = (
    "We found a custom integration aura_tts which has not been tested",  # any custom one
    # The fallback test: the fallback's one warning, and the service's "unavailable" line
    # (logged once when it goes, as Home Assistant asks of integrations).
    "speaks the message instead",
    "AI/ML API cannot be used right now",
    # The re-authentication test: Home Assistant's own words when the poll's key is refused.
    "Authentication failed while fetching aura_tts account data",
)
# (the venv's own path has "aura_tts" in it: the integration is named by these)
_MENTIONS_US = re.compile(
    r"custom_components[./]aura_tts|integration '?aura_tts|aura_tts account|AI/ML API"
)
_WARNING_OR_WORSE = re.compile(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) ")


def warnings_naming_us(log_text: str) -> list[str]:
    """Log records of level WARNING and above (or tracebacks) that name the integration,
    except EXPECTED_WARNINGS."""
    # Log records start with a timestamp; a traceback belongs to the record above it.
    records = re.split(r"\n(?=\d{4}-\d\d-\d\d )", log_text)
    return [
        record
        for record in records
        if _MENTIONS_US.search(record)
        # A traceback belongs to its record (a DEBUG one may carry one); a bare one counts.
        and (_WARNING_OR_WORSE.search(record) or record.startswith("Traceback"))
        and not any(expected in record for expected in EXPECTED_WARNINGS)
    ]


class LogSince:
    """What Home Assistant logged from now on."""

    def __init__(self, ha: HomeAssistant) -> None:
        self._log = ha.log
        self._start = ha.log.stat().st_size

    def text(self) -> str:
        with self._log.open("rb") as log:
            log.seek(self._start)
            return log.read().decode(errors="replace")


def announce(ha: HomeAssistant, player: str, message: str, language: str, **data: Any) -> None:
    """aura_tts.announce over REST, with the first entry's profile (there are two entries)."""
    ha.api(
        "POST",
        "/api/services/aura_tts/announce",
        json={
            "entity_id": player,
            "profile": ha.state["entity_id"],
            "message": message,
            "language": language,
            **data,
        },
    )


def speaker_attributes(ha: HomeAssistant, player: str) -> dict[str, Any]:
    return dict(ha.api("GET", f"/api/states/{player}")["attributes"])


@pytest.mark.parametrize("speaker", [PLAYER, KITCHEN])
def test_two_announcements_on_one_speaker_take_turns(
    home_assistant: HomeAssistant, fake_server: FakeServer, speaker: str
) -> None:
    """Announcement B is called 0.3 s after A on the same speaker (Sonos-like: announces;
    Cast-like: plays it as its media), while A's audio is still arriving: B waits for A's
    end, both play whole and in order, and the volume goes 0.8 (A), 0.9 (B), then back to
    what it was after B (no dip between). Fails if B cuts A off or A's end puts it back."""
    ha, fake = home_assistant, fake_server.fake
    log = LogSince(ha)
    first = "The post has arrived."
    second = "Ha llegado un paquete. Está en la puerta principal, junto al buzón del garaje."
    before = speaker_attributes(ha, speaker)
    fake.rtf = 10.0  # audio arrives 10x faster than it plays: A is still being read
    try:
        for message, language, volume in ((first, "en", 0.8), (second, "es", 0.9)):
            announce(ha, speaker, message, language, volume=volume)
            time.sleep(0.3)

        def put_back() -> list[Any] | None:
            history = speaker_attributes(ha, speaker)["volume_history"]
            new = history[len(before["volume_history"]) :]
            return new if len(new) >= 3 else None

        volumes = wait_for(put_back, "the volume to be put back", 60)
    finally:
        fake.rtf = None
    plays = speaker_attributes(ha, speaker)["plays"][len(before["plays"]) :]
    assert [play["announce"] for play in plays] == [speaker == PLAYER] * 2
    assert [play.get("cut") for play in plays] == [None, None]
    assert plays[1]["told"] >= plays[0]["ended"]  # B waited for A's end
    for play, message in zip(plays, (first, second), strict=True):
        assert play["seconds"] == pytest.approx(speech_seconds(message), abs=0.15)
    assert [level for _, level in volumes] == [0.8, 0.9, before["volume_level"]]
    assert volumes[2][0] >= plays[1]["ended"]  # after B had played, not during
    assert warnings_naming_us(log.text()) == []


def test_the_music_comes_back_after_an_announcement(
    home_assistant: HomeAssistant, fake_server: FakeServer
) -> None:
    """The Cast-like speaker plays a 180 s song, sought to 42 s; a Spanish announcement
    stops it; afterwards the same URL is played again and sought to about 42 s. Fails if the
    song is left stopped, restarted from 0, or played again before the announcement ended."""
    ha = home_assistant
    log = LogSince(ha)
    song = "http://music.invalid/song.mp3?duration=180"
    for service, data in (
        ("play_media", {"media_content_id": song, "media_content_type": "music"}),
        ("media_seek", {"seek_position": 42}),
    ):
        ha.api("POST", f"/api/services/media_player/{service}", json={"entity_id": KITCHEN, **data})
    before = speaker_attributes(ha, KITCHEN)
    announce(ha, KITCHEN, "La cena está lista.", "es")

    def resumed() -> dict[str, Any] | None:
        attributes = speaker_attributes(ha, KITCHEN)
        done = len(attributes["seeks"]) > len(before["seeks"])
        return attributes if done else None

    after = wait_for(resumed, "the song to come back", 60)
    announcement, again = after["plays"][len(before["plays"]) :]
    assert again["media_id"] == song
    assert again["told"] >= announcement["ended"]
    assert announcement.get("cut") is None
    assert after["seeks"][-1] == pytest.approx(42, abs=3)
    assert warnings_naming_us(log.text()) == []
    ha.api("POST", "/api/services/media_player/media_stop", json={"entity_id": KITCHEN})


def entry_state(ha: HomeAssistant, entry_id: str) -> str:
    entries = ha.api("GET", "/api/config/config_entries/entry")
    return str(next(e["state"] for e in entries if e["entry_id"] == entry_id))


def test_reauth_and_reconfigure_of_a_running_entry(
    home_assistant: HomeAssistant, fake_server: FakeServer
) -> None:
    """The key is refused at a balance poll: Home Assistant asks for a new one; the new key
    is taken and the running entry reloads through its update listener, and speaks with it.
    Reconfigure then puts the first key back. Fails if either flow makes Home Assistant
    2026.11 warn (a flow's reload of an entry with an update listener breaks in 2026.12), or
    the entry keeps the old key."""
    ha, fake = home_assistant, fake_server.fake
    entry_id, old_key, new_key = ha.state["entry_id"], KEYS["rest"], "e2e-rest-key-renewed-42"
    balance_id = ha.state["sensors"]["balance"]
    fake.keys[new_key] = 42.5
    saved = fake.keys.pop(old_key)

    def reauth_flow() -> dict[str, Any] | None:
        ha.api("POST", "/api/services/homeassistant/update_entity", json={"entity_id": balance_id})
        flows = ha.websocket({"type": "config_entries/flow/progress"})
        return next(
            (
                f
                for f in flows
                if f["handler"] == "aura_tts" and f["context"].get("source") == "reauth"
            ),
            None,
        )

    try:
        flow = wait_for(reauth_flow, "Home Assistant to ask for a new key", 60)
        log = LogSince(ha)  # the refusal itself is logged by Home Assistant; the rest is not
        done = ha.api(
            "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", json={"api_key": new_key}
        )
        assert done["reason"] == "reauth_successful"
        wait_for(lambda: entry_state(ha, entry_id) == "loaded", "the entry to run again")
        before = len(fake.tts_requests())
        audio = tts_get_url_audio(ha, "A new key works.")
        assert decoded_seconds(audio) == pytest.approx(speech_seconds("A new key works."), abs=0.15)
        [request] = fake_server.tts_requests_since(before)
        assert request.headers["Authorization"] == f"Bearer {new_key}"

        fake.keys[old_key] = saved
        start = {"handler": "aura_tts", "entry_id": entry_id, "source": "reconfigure"}
        form = ha.api("POST", "/api/config/config_entries/flow", json=start)
        assert form["step_id"] == "reconfigure"
        done = ha.api(
            "POST",
            f"/api/config/config_entries/flow/{form['flow_id']}",
            json={"api_key": old_key, "advanced": {"base_url": fake_server.url}},
        )
        assert done["reason"] == "reconfigure_successful"
        wait_for(lambda: entry_state(ha, entry_id) == "loaded", "the entry to run again")
        before = len(fake.tts_requests())
        audio = tts_get_url_audio(ha, "The first key again.")
        assert decoded_seconds(audio) > 0
        [request] = fake_server.tts_requests_since(before)
        assert request.headers["Authorization"] == f"Bearer {old_key}"
        assert warnings_naming_us(log.text()) == []
    finally:
        fake.keys[old_key] = saved


def test_a_profile_added_while_a_message_plays(
    home_assistant: HomeAssistant, fake_server: FakeServer
) -> None:
    """A long message is being fetched when a profile is added (the entry reloads): the
    message arrives whole and decodes to its full length; nothing is logged about it."""
    ha, fake = home_assistant, fake_server.fake
    log = LogSince(ha)
    message = " ".join(f"Line {n} of the evening news is read out now." for n in range(30))
    body = {"engine_id": ha.state["entity_id"], "message": message, "options": {}}
    url = ha.api("POST", "/api/tts_get_url", json=body)["url"]
    fake.rtf = 40.0  # about 2 s to stream the message's 90 s of speech
    try:
        with ThreadPoolExecutor(1) as pool:
            fetching = pool.submit(fetch, ha, url)
            time.sleep(0.5)
            done = profile_flow(
                ha, {"name": "Noticias", "voice": "#g1_aura-2-estrella-es", "chime": "off"}
            )
            assert done["type"] == "create_entry"
            audio = fetching.result(120)
    finally:
        fake.rtf = None
    assert decoded_seconds(audio) == pytest.approx(speech_seconds(message), rel=0.01)
    wait_for(
        lambda: entity_state(ha, "tts.noticias_speech") not in {None, "unavailable"},
        "the new profile's entity",
    )
    assert warnings_naming_us(log.text()) == []


def test_stops_cleanly_with_no_errors_from_the_integration(
    home_assistant: HomeAssistant,
) -> None:
    """The whole session's log: no WARNING or worse naming the integration, beyond the
    lines the tests make happen on purpose (EXPECTED_WARNINGS)."""
    assert home_assistant.stop() == 0
    text = home_assistant.log.read_text()
    assert warnings_naming_us(text) == []
    assert "custom integration aura_tts" in text  # the right log

"""The aura_tts.announce action, with the speakers of the end-to-end tests.

``media_player.test_speaker`` announces over its media (Sonos-like, volume 0.3);
``media_player.kitchen_speaker`` plays the announcement as its media (Cast-like, volume
0.5). Each reads the audio it is given, decodes its length and "plays" it for that long,
and writes down every volume and play with times (e2e/e2e_speaker/media_player.py).
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any
from unittest.mock import patch

from homeassistant.components.media_player.const import MediaPlayerState
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.aura_tts.announce_volume import END_GRACE, LATE_LIMIT, RETURN_LIMIT
from custom_components.aura_tts.aura.chime import CHIMES
from custom_components.aura_tts.aura.join.mp3 import mp3_seconds
from custom_components.aura_tts.const import DOMAIN
from custom_components.aura_tts.flow_forms import profile_data
from custom_components.aura_tts.schema import vol
from custom_components.aura_tts.services import DATA_VOLUMES
from e2e.e2e_speaker.media_player import BASIC, Speaker
from tests.audio_checks import decoded_seconds, probe
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.helpers import add_profile
from tests.speakers import ANNOUNCING, KITCHEN, add_players, read_stream, wait_decoded
from tests.voice_ids import voice_of

BOTH = [ANNOUNCING, KITCHEN]
# A message per language, and a chime, so every case runs in two languages.
CASES = [
    pytest.param("en", "Someone is at the front door.", "ding_dong", id="en-chime"),
    pytest.param("es", "Hay alguien en la puerta principal.", "off", id="es-no-chime"),
]


async def announce(hass: HomeAssistant, **data: Any) -> None:
    await hass.services.async_call(DOMAIN, "announce", data, blocking=True)


async def played_out(hass: HomeAssistant, players: dict[str, Speaker]) -> None:
    """Let every speaker finish playing, then let the announcement's time run out."""
    for player in players.values():
        if player.playing is not None:
            await player.playing
    await hass.async_block_till_done(wait_background_tasks=True)
    seconds = max(play.get("seconds", 0) for p in players.values() for play in p.plays)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds + END_GRACE + 1))
    await hass.async_block_till_done(wait_background_tasks=True)


def volume(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.attributes["volume_level"])


@pytest.mark.parametrize(("language", "message", "chime"), CASES)
async def test_one_synthesis_plays_on_every_speaker(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
    language: str,
    message: str,
    chime: str,
) -> None:
    """Fails if each player gets its own synthesis, the announce flag goes to a player that
    cannot announce (or not to one that can), or the audio is not chime + words."""
    await announce(hass, entity_id=BOTH, message=message, language=language, chime=chime)
    await played_out(hass, players)

    [request] = fake_api.tts_requests()
    assert request.body["text"] == message
    assert voice_of(request.body).endswith(f"-{language}")
    assert [p.plays[0]["announce"] for p in players.values()] == [True, False]
    expected = speech_seconds(message) + (CHIMES[chime].length if chime in CHIMES else 0.0)
    audio = [p.received[0] for p in players.values()]
    assert audio[0] == audio[1]
    assert probe(audio[0])["codec_name"] == "mp3"
    assert decoded_seconds(audio[0]) == pytest.approx(expected, abs=0.15)
    for player in players.values():
        assert player.plays[0]["seconds"] == pytest.approx(expected, abs=0.15)
    # The action's own reckoning of the length (for the restore) is what ffmpeg decodes,
    # also behind an ID3 tag (as Home Assistant's file cache stores mp3s).
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10
    for data in (audio[0], tag + audio[0]):
        assert mp3_seconds(data) == pytest.approx(decoded_seconds(data), abs=0.03)


@pytest.mark.parametrize(("language", "message", "chime"), CASES)
async def test_volume_is_set_for_the_announcement_and_put_back(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
    language: str,
    message: str,
    chime: str,
) -> None:
    """Fails if a speaker plays at its own volume, or keeps the announcement volume after."""
    await announce(
        hass, entity_id=BOTH, message=message, language=language, chime=chime, volume=0.8
    )
    # Set before the speakers were told to play, and still set when the action returns.
    assert [p.plays[0]["volume"] for p in players.values()] == [0.8, 0.8]
    assert [volume(hass, player) for player in BOTH] == [0.8, 0.8]
    await played_out(hass, players)
    assert [volume(hass, player) for player in BOTH] == [0.3, 0.5]
    assert not any(hass.data[DATA_VOLUMES].holds(player) for player in BOTH)


async def test_not_put_back_before_the_announcement_has_ended(
    hass: HomeAssistant, setup_entry: MockConfigEntry, players: dict[str, Speaker]
) -> None:
    """The restore waits for the audio's length: fails if the volume goes back too early."""
    message = "The dishwasher has finished. You can empty it now."
    await announce(hass, entity_id=BOTH, message=message, volume=0.8)
    for player in players.values():
        assert player.playing is not None
        await player.playing
    await hass.async_block_till_done(wait_background_tasks=True)
    # The speakers finished in real time; Home Assistant's clock has not moved: nothing yet.
    assert [volume(hass, player) for player in BOTH] == [0.8, 0.8]
    seconds = speech_seconds(message)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds + END_GRACE + 1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [volume(hass, player) for player in BOTH] == [0.3, 0.5]


async def test_a_speaker_still_playing_is_waited_for(
    hass: HomeAssistant, setup_entry: MockConfigEntry, players: dict[str, Speaker]
) -> None:
    """A Cast-like speaker that started late is still playing when the audio's time is up:
    its volume goes back when it stops (fails if restored while it plays), or after
    LATE_LIMIT if it never reports stopping."""
    kitchen = players[KITCHEN]
    await announce(hass, entity_id=[KITCHEN], message="Dinner is ready.", volume=0.9)
    assert kitchen.playing is not None
    kitchen.playing.cancel()  # it keeps playing (state "playing") as far as anyone can tell
    await hass.async_block_till_done(wait_background_tasks=True)  # the audio has been read
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert volume(hass, KITCHEN) == 0.9
    kitchen._attr_state = MediaPlayerState.IDLE
    kitchen.async_write_ha_state()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert volume(hass, KITCHEN) == 0.5

    await announce(hass, entity_id=[KITCHEN], message="Dinner is ready.", volume=0.9)
    kitchen.playing.cancel()
    await hass.async_block_till_done(wait_background_tasks=True)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert volume(hass, KITCHEN) == 0.9
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10 + LATE_LIMIT))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert volume(hass, KITCHEN) == 0.5


async def test_a_volume_the_user_changes_meanwhile_is_kept(
    hass: HomeAssistant, setup_entry: MockConfigEntry, players: dict[str, Speaker]
) -> None:
    """Fails if the restore overwrites the user's own change (the kitchen's 0.65)."""
    await announce(hass, entity_id=BOTH, message="The post has arrived.", volume=0.8)
    await hass.services.async_call(
        "media_player",
        "volume_set",
        {"entity_id": KITCHEN, "volume_level": 0.65},
        blocking=True,
    )
    await played_out(hass, players)
    assert volume(hass, ANNOUNCING) == 0.3
    assert volume(hass, KITCHEN) == 0.65


async def test_a_second_announcement_puts_back_the_first_ones_volume(
    hass: HomeAssistant, setup_entry: MockConfigEntry, players: dict[str, Speaker]
) -> None:
    """Two announcements in a row: fails if the second restores the first's 0.8."""
    await announce(hass, entity_id=BOTH, message="The post has arrived.", volume=0.8)
    await announce(hass, entity_id=BOTH, message="A parcel is at the door.", volume=0.9)
    await played_out(hass, players)
    assert [volume(hass, player) for player in BOTH] == [0.3, 0.5]


async def test_a_speaker_without_volume_control_just_plays(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """Fails if the action sets (or fails on) the volume of a player that has none."""
    radio = Speaker("Radio", BASIC, 0.4, read_stream)
    await add_players(hass, [radio])
    await announce(hass, entity_id="media_player.radio", message="Hola.", language="es", volume=1)
    assert radio.plays
    assert not radio.volumes
    assert fake_api.tts_requests()


@pytest.mark.parametrize("chime", ["off", "bell"])
async def test_speech_that_fails_fails_the_action_and_puts_the_volume_back(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
    chime: str,
) -> None:
    """No credit: the action raises the translated reason (with a chime too, which is heard
    before Aura answers) and the volumes go back at once. Fails if the action returns as if
    all was well, or the speakers stay loud."""
    fake_api.keys["test-key"] = 0.0
    with pytest.raises(HomeAssistantError) as raised:
        await announce(hass, entity_id=BOTH, message="Smoke in the kitchen.", chime=chime, volume=1)
    assert raised.value.translation_key == "no_credit"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [volume(hass, player) for player in BOTH] == [0.3, 0.5]


async def test_the_same_announcement_again_comes_from_the_cache(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
) -> None:
    """The second time there is no synthesis: the action must still return (the audio
    comes whole) and put the volume back after the audio's length."""
    message = "Someone is at the front door."
    await announce(hass, entity_id=BOTH, message=message, chime="bell")
    await played_out(hass, players)
    await announce(hass, entity_id=BOTH, message=message, chime="bell", volume=0.7)
    await played_out(hass, players)
    assert len(fake_api.tts_requests()) == 1
    assert [volume(hass, player) for player in BOTH] == [0.3, 0.5]
    assert players[KITCHEN].received[0] == players[KITCHEN].received[1]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"chime": "gong"}, "unknown_chime"),
        ({"voice": "#g1_aura-2-thalia-en", "language": "es"}, "voice_language_mismatch"),
        ({"voice": "thalia"}, "unknown_voice"),
        ({"language": "xx"}, "unsupported_language"),
        ({"profile": "media_player.kitchen_speaker"}, "not_a_profile"),
        ({"entity_id": "sensor.nothing"}, "no_players"),
    ],
)
async def test_wrong_requests_fail_before_anything_is_paid_or_touched(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
    data: dict[str, Any],
    key: str,
) -> None:
    """Fails if a wrong request reaches the service, or a speaker, before it is refused."""
    with pytest.raises(ServiceValidationError) as raised:
        await announce(hass, **{"entity_id": BOTH, "message": "Hola.", "volume": 1, **data})
    assert raised.value.translation_key == key
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not fake_api.tts_requests()
    assert not any(p.plays or p.volumes for p in players.values())


async def test_the_volume_must_be_between_0_and_1(
    hass: HomeAssistant, setup_entry: MockConfigEntry, players: dict[str, Speaker]
) -> None:
    with pytest.raises(vol.Invalid):
        await announce(hass, entity_id=BOTH, message="Hello.", volume=1.5)


async def test_which_entry_speaks(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
) -> None:
    """With two entries the profile must be named; an entry not running is refused."""
    other = MockConfigEntry(
        domain=DOMAIN,
        title="Second",
        version=2,
        unique_id="second",
        data=dict(setup_entry.data),
        subentries_data=[
            ConfigSubentryData(
                subentry_type="profile",
                title="Segunda",
                data=profile_data("#g1_aura-2-celeste-es"),
                unique_id=None,
            )
        ],
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    with pytest.raises(ServiceValidationError) as raised:
        await announce(hass, entity_id=[KITCHEN], message="Hola.")
    assert raised.value.translation_key == "choose_profile"
    [second] = [
        e.entity_id
        for e in er.async_get(hass).entities.values()
        if e.config_entry_id == other.entry_id and e.domain == "tts"
    ]
    await announce(hass, entity_id=[KITCHEN], message="Hola, buenas tardes.", profile=second)
    [request] = fake_api.tts_requests()
    assert voice_of(request.body) == "#g1_aura-2-celeste-es"  # the second entry's voice

    await hass.config_entries.async_unload(other.entry_id)
    assert other.state is ConfigEntryState.NOT_LOADED
    with pytest.raises(ServiceValidationError) as raised:
        await announce(hass, entity_id=[KITCHEN], message="Hola.", profile=second)
    assert raised.value.translation_key == "not_loaded"


async def test_which_profile_speaks(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
) -> None:
    """Two profiles on one key: the profile must be named, and speaks with its own voice.

    Fails if the action takes the entry's first profile (its voice is Thalia, English)."""
    await add_profile(hass, setup_entry)
    with pytest.raises(ServiceValidationError) as raised:
        await announce(hass, entity_id=[KITCHEN], message="Hola.")
    assert raised.value.translation_key == "choose_profile"
    # The translated text (fails if strings.json has the message in the wrong shape).
    assert str(raised.value).startswith("There are several Aura TTS voice profiles: choose")
    await announce(
        hass, entity_id=[KITCHEN], message="Hola, buenas tardes.", profile="tts.espanol_speech"
    )
    [request] = fake_api.tts_requests()
    assert voice_of(request.body) == "#g1_aura-2-celeste-es"
    [audio] = players[KITCHEN].received
    assert decoded_seconds(audio) == pytest.approx(speech_seconds("Hola, buenas tardes."), abs=0.1)


async def test_a_speaker_that_refuses_the_volume_fails_the_action(
    hass: HomeAssistant, setup_entry: MockConfigEntry, players: dict[str, Speaker]
) -> None:
    """Fails if the action plays anyway, or keeps holding volumes it will never put back."""

    async def refuse(volume: float) -> None:
        raise HomeAssistantError("the speaker is busy")

    with (
        patch.object(players[KITCHEN], "async_set_volume_level", refuse),
        pytest.raises(HomeAssistantError, match="busy"),
    ):
        await announce(hass, entity_id=BOTH, message="Dinner is ready.", volume=0.9)
    assert not any(p.plays for p in players.values())
    assert not any(hass.data[DATA_VOLUMES].holds(player) for player in BOTH)


async def wait_received(player: Speaker, count: int) -> None:
    """Until ``player`` has read ``count`` announcements whole and measured them."""
    await wait_decoded(player, count)


def go_away(player: Speaker, how: str) -> None:
    """The player switches off (a Cast app quits) or drops off the network."""
    if player.playing is not None:
        player.playing.cancel()
    if how == "off":
        player._attr_state = MediaPlayerState.OFF
    else:
        player._attr_available = False
    player.async_write_ha_state()


def come_back(player: Speaker) -> None:
    player._attr_state = MediaPlayerState.IDLE
    player._attr_available = True
    player.async_write_ha_state()


@pytest.mark.parametrize(
    ("speaker", "how", "language", "message"),
    [
        (KITCHEN, "off", "en", "The washing machine has finished."),
        (ANNOUNCING, "unavailable", "es", "La lavadora ha terminado."),
    ],
)
async def test_a_speaker_that_goes_away_gets_its_volume_back_on_return(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
    speaker: str,
    how: str,
    language: str,
    message: str,
) -> None:
    """A player that is off or unavailable when the announcement ends has no volume
    attribute: that is not the user's change. Fails if the put-back is skipped (the speaker
    would stay at the announcement volume), or if it is tried while the player is away."""
    player = players[speaker]
    original = volume(hass, speaker)
    await announce(hass, entity_id=[speaker], message=message, language=language, volume=0.9)
    await wait_received(player, 1)
    assert decoded_seconds(player.received[0]) == pytest.approx(speech_seconds(message), abs=0.15)
    go_away(player, how)
    await hass.async_block_till_done()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=LATE_LIMIT + 60))
    await hass.async_block_till_done()
    assert [level for _, level in player.volumes] == [0.9]  # nothing sent while away
    come_back(player)
    await hass.async_block_till_done()
    assert [level for _, level in player.volumes] == [0.9, original]
    assert not hass.data[DATA_VOLUMES].holds(speaker)


async def test_a_speaker_away_for_too_long_is_left_alone(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Gone for more than RETURN_LIMIT: no volume is sent when it comes back, a debug line
    says why (fails if a stale volume is applied an hour later)."""
    caplog.set_level(logging.DEBUG, logger="custom_components.aura_tts")
    player = players[KITCHEN]
    await announce(hass, entity_id=[KITCHEN], message="Good night.", volume=0.9)
    await wait_received(player, 1)
    go_away(player, "off")
    await hass.async_block_till_done()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=60))
    await hass.async_block_till_done()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=60 + RETURN_LIMIT + 1))
    await hass.async_block_till_done()
    come_back(player)
    await hass.async_block_till_done()
    assert [level for _, level in player.volumes] == [0.9]
    assert "has not come back" in caplog.text
    assert not hass.data[DATA_VOLUMES].holds(KITCHEN)


async def test_late_and_repeated_reports_of_the_set_volume_are_not_the_users(
    hass: HomeAssistant, setup_entry: MockConfigEntry, players: dict[str, Speaker]
) -> None:
    """The player reports its old volume (a stale report), then the announcement volume 3 s
    later, rounded (0.79), and once more: none of it is the user's. Fails if only the first
    report within 2 s is excused, or a stale report counts as a change."""
    player = players[ANNOUNCING]
    message = (
        "Hay correo en el buzón. El cartero ha dejado también una carta certificada "
        "y un paquete pequeño junto a la puerta del garaje."
    )
    assert speech_seconds(message) > 5 + END_GRACE  # the reports come while it plays
    await announce(hass, entity_id=[ANNOUNCING], message=message, language="es", volume=0.8)
    for seconds, level in ((1, 0.3), (3, 0.79), (4, 0.8), (5, 0.79)):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
        player._attr_volume_level = level
        player.async_write_ha_state()
        await hass.async_block_till_done()
    await played_out(hass, players)
    assert volume(hass, ANNOUNCING) == 0.3


async def test_a_disabled_profile_does_not_count(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    players: dict[str, Speaker],
) -> None:
    """Two profiles, the first one's entity disabled: the action without a profile speaks
    with the other (fails with "choose a profile" if disabled ones count), and naming the
    disabled one gets a translated error (not Home Assistant's raw provider_not_found)."""
    await add_profile(hass, setup_entry)
    er.async_get(hass).async_update_entity(
        "tts.aura_tts_speech", disabled_by=er.RegistryEntryDisabler.USER
    )
    await hass.async_block_till_done()
    message = "Hola, la cena está lista."
    await announce(hass, entity_id=[KITCHEN], message=message)
    [request] = fake_api.tts_requests()
    assert voice_of(request.body) == "#g1_aura-2-celeste-es"
    await wait_received(players[KITCHEN], 1)
    assert decoded_seconds(players[KITCHEN].received[0]) == pytest.approx(
        speech_seconds(message), abs=0.15
    )
    with pytest.raises(ServiceValidationError) as raised:
        await announce(hass, entity_id=[KITCHEN], message="Hi.", profile="tts.aura_tts_speech")
    assert raised.value.translation_key == "profile_disabled"
    assert "disabled" in str(raised.value)

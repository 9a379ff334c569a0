"""The ``aura_tts.announce`` action: one message, spoken on several speakers at once.

One synthesis serves every player: the action makes one Home Assistant TTS result stream and
gives each player its media-source ID, so they all read the same audio (Home Assistant's
TTS cache hands it to each reader as it arrives). Players that support it are told it is an
announcement (they duck or pause their music and resume it after). With a volume, each
player's volume is set first and put back afterwards (see announce_volume).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
import logging
from typing import Any, Final

from homeassistant.components import tts
from homeassistant.components.media_player.const import (
    ATTR_MEDIA_ANNOUNCE,
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    SERVICE_PLAY_MEDIA,
    MediaPlayerEntityFeature,
    MediaType,
)
from homeassistant.components.tts.helper import get_engine_instance
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    EVENT_HOMEASSISTANT_STOP,
    Platform,
)
from homeassistant.core import Context, HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.service import async_extract_entity_ids
from homeassistant.util.hass_dict import HassKey

from .announce_queue import AnnouncementQueue, Turn
from .announce_resume import async_resume, resumable
from .announce_volume import AnnouncementVolumes, VolumeHold
from .aura import MAX_SILENCE_MS, mp3_seconds
from .choices import choose_sounds, choose_speed, choose_voice, with_profile_sounds
from .const import (
    ATTR_CHIME,
    ATTR_CHIME_AFTER,
    ATTR_LANGUAGE,
    ATTR_MESSAGE,
    ATTR_PROFILE,
    ATTR_RESUME,
    ATTR_SILENCE,
    ATTR_SPEED,
    ATTR_VOICE,
    ATTR_VOLUME,
    CONF_VOICE,
    DOMAIN,
    SERVICE_ANNOUNCE,
)
from .models import AuraConfigEntry
from .schema import vol

_LOGGER = logging.getLogger(__name__)

# An automation waits at most this long for the speech to start; the client's own timeouts
# end a stalled request well before it.
START_LIMIT: Final = 120.0  # seconds

ANNOUNCE_SCHEMA: Final = vol.Schema(
    {
        **cv.ENTITY_SERVICE_FIELDS,
        vol.Required(ATTR_MESSAGE): cv.string,
        vol.Optional(ATTR_PROFILE): cv.entity_id,
        vol.Optional(ATTR_VOICE): cv.string,
        vol.Optional(ATTR_LANGUAGE): cv.string,
        vol.Optional(ATTR_CHIME): cv.string,
        vol.Optional(ATTR_CHIME_AFTER): cv.string,
        vol.Optional(ATTR_SILENCE): vol.All(vol.Coerce(int), vol.Range(min=0, max=MAX_SILENCE_MS)),
        vol.Optional(ATTR_SPEED): vol.Coerce(float),  # checked with a translated message
        vol.Optional(ATTR_VOLUME): vol.All(vol.Coerce(float), vol.Range(min=0, max=1)),
        vol.Optional(ATTR_RESUME, default=True): cv.boolean,
    }
)
DATA_VOLUMES: HassKey[AnnouncementVolumes] = HassKey(f"{DOMAIN}_announcement_volumes")
DATA_QUEUE: HassKey[AnnouncementQueue] = HassKey(f"{DOMAIN}_announcement_queue")


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the announce action (once, for every entry)."""
    queue = hass.data[DATA_QUEUE] = AnnouncementQueue(hass)
    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, queue.async_shutdown)
    hass.data[DATA_VOLUMES] = AnnouncementVolumes(
        hass, lambda player: queue.waiting_on(player, with_volume=True)
    )
    hass.services.async_register(DOMAIN, SERVICE_ANNOUNCE, _async_announce, ANNOUNCE_SCHEMA)


async def _async_announce(call: ServiceCall) -> None:
    """Speak the message on every targeted player when its turn comes on all of them.

    Returns once they have it (see announce_queue for the turns).
    """
    hass = call.hass
    engine, entry, profile = _speaker(hass, call.data.get(ATTR_PROFILE))
    players = await _players(call)
    stream = _result_stream(hass, engine, entry, profile, call.data)
    lead_in = choose_sounds(stream.options).lead_in
    volume = call.data.get(ATTR_VOLUME)
    queue, volumes = hass.data[DATA_QUEUE], hass.data[DATA_VOLUMES]
    turn = queue.async_join(players, sets_volume=volume is not None)
    # Made while it waits for its turn, so it plays at once when the turn comes.
    stream.async_set_message(call.data[ATTR_MESSAGE])
    audio = _Audio(lead_in)
    reading = hass.async_create_background_task(
        audio.async_read(stream), f"{DOMAIN} announcement audio"
    )
    held: list[VolumeHold] = []
    try:
        await queue.async_wait(turn)
        if volume is None:
            volumes.async_restore_kept(players)  # the one before kept it for a volume
        else:
            held = await volumes.async_set(players, volume, call.context)
        if call.data[ATTR_RESUME]:
            for player in players:
                if player not in queue.resume and (media := resumable(hass, player)):
                    queue.resume[player] = media
        told_at = hass.loop.time()
        await _play(hass, call, players, stream.media_source_id)
        await audio.async_wait_started()
    except BaseException:
        volumes.async_release_now(held)
        volumes.async_restore_kept(players)
        if turn.started:  # the next turn may go, and music stopped by this one comes back
            _ended(hass, call.context, turn)
        else:
            queue.async_drop(turn)
        raise
    reading.add_done_callback(lambda _: _read(hass, call.context, turn, audio, held, told_at))


@callback
def _read(
    hass: HomeAssistant,
    context: Context,
    turn: Turn,
    audio: _Audio,
    held: list[VolumeHold],
    told_at: float,
) -> None:
    """All the audio is read: its length is known, and with it when the announcement ends."""
    volumes = hass.data[DATA_VOLUMES]
    if held and audio.seconds is not None:
        volumes.async_release_after(held, audio.seconds, told_at)
    elif held:  # the speech failed part way: nothing more plays
        volumes.async_release_now(held)
    hass.data[DATA_QUEUE].async_watch_end(
        turn, audio.seconds, told_at, partial(_ended, hass, context, turn)
    )


@callback
def _ended(hass: HomeAssistant, context: Context, turn: Turn) -> None:
    """The announcement has ended: the next turn, and the music after the last one."""
    queue = hass.data[DATA_QUEUE]
    queue.async_ended(turn)
    for player in turn.players:
        if not queue.waiting_on(player) and (media := queue.resume.pop(player, None)):
            hass.async_create_task(async_resume(hass, media, context))


def _speaker(
    hass: HomeAssistant, profile: str | None
) -> tuple[str, AuraConfigEntry, Mapping[str, Any]]:
    """The profile's TTS entity to speak with, its entry, and the profile's settings.

    Without a profile named, the only enabled profile of the loaded entries.
    """
    registry = er.async_get(hass)
    if profile is not None:
        entity = registry.async_get(profile)
        if entity is None or entity.platform != DOMAIN or entity.domain != Platform.TTS:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_profile",
                translation_placeholders={"profile": profile},
            )
        if entity.disabled:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="profile_disabled",
                translation_placeholders={"profile": profile},
            )
        candidates = [entity]
    else:
        # The registry lists disabled entities too: they speak for nobody.
        candidates = [
            entity
            for entry in hass.config_entries.async_entries(DOMAIN)
            for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
            if entity.domain == Platform.TTS and not entity.disabled
        ]
    loaded = [
        (entity, entry)
        for entity in candidates
        if (entry := hass.config_entries.async_get_entry(entity.config_entry_id or ""))
        and entry.state is ConfigEntryState.LOADED
        and entity.config_subentry_id in entry.subentries
        and get_engine_instance(hass, entity.entity_id) is not None
    ]
    if not loaded:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="not_loaded")
    if len(loaded) > 1:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="choose_profile")
    entity, entry = loaded[0]
    return entity.entity_id, entry, entry.subentries[str(entity.config_subentry_id)].data


async def _players(call: ServiceCall) -> list[str]:
    """The media players the action targets (directly, or by area, device, floor, label)."""
    players = sorted(
        entity_id
        for entity_id in await async_extract_entity_ids(call)
        if entity_id.startswith(f"{MEDIA_PLAYER_DOMAIN}.") and call.hass.states.get(entity_id)
    )
    if not players:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_players")
    return players


def _result_stream(
    hass: HomeAssistant,
    engine: str,
    entry: AuraConfigEntry,
    profile: Mapping[str, Any],
    data: dict[str, Any],
) -> tts.ResultStream:
    """Home Assistant's stream for the message, checked as the entity will check it."""
    client = entry.runtime_data.client
    language = data.get(ATTR_LANGUAGE)
    if language is not None and language not in client.catalogue.supported_languages():
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unsupported_language",
            translation_placeholders={"language": language},
        )
    named = (ATTR_VOICE, ATTR_CHIME, ATTR_CHIME_AFTER, ATTR_SILENCE, ATTR_SPEED)
    options = {name: data[name] for name in named if name in data}
    stream = tts.async_create_stream(hass, engine, language, with_profile_sounds(options, profile))
    # The entity makes these checks too, but only once a player asks for the audio: made
    # here, a wrong voice, speed, chime or silence fails the action before any player is
    # touched.
    configured_voice = str(profile.get(CONF_VOICE) or client.catalogue.default_voice_id)
    voice = choose_voice(stream.options, str(stream.language), configured_voice, client.catalogue)
    choose_speed(stream.options, voice.voice_id, client)
    choose_sounds(stream.options)
    return stream


async def _play(hass: HomeAssistant, call: ServiceCall, players: list[str], media: str) -> None:
    """Tell every player to play ``media``, as an announcement where the player has them."""
    announcing: list[str] = []
    plain: list[str] = []
    for entity_id in players:
        state = hass.states.get(entity_id)
        features = state.attributes.get(ATTR_SUPPORTED_FEATURES, 0) if state else 0
        (announcing if features & MediaPlayerEntityFeature.MEDIA_ANNOUNCE else plain).append(
            entity_id
        )
    calls = [
        hass.services.async_call(
            MEDIA_PLAYER_DOMAIN,
            SERVICE_PLAY_MEDIA,
            {
                ATTR_ENTITY_ID: group,
                ATTR_MEDIA_CONTENT_ID: media,
                ATTR_MEDIA_CONTENT_TYPE: MediaType.MUSIC,
                **({ATTR_MEDIA_ANNOUNCE: True} if group is announcing else {}),
            },
            blocking=True,
            context=call.context,
        )
        for group in (announcing, plain)
        if group
    ]
    await asyncio.gather(*calls)


@dataclass
class _Audio:
    """The announcement's audio, read as the players read it: when speech starts, its length.

    With a lead-in (silence, a chime), the stream's first chunk is the lead-in (SpeechStream
    sends it as one chunk) and the speech has started with the second.
    """

    lead_in: bool
    started: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    seconds: float | None = None

    async def async_wait_started(self) -> None:
        """Wait for the speech to start (raising why it could not), or for START_LIMIT."""
        try:
            async with asyncio.timeout(START_LIMIT):
                await asyncio.shield(self.started)
        except TimeoutError:
            _LOGGER.warning("The announcement's speech has not started after %s s", START_LIMIT)

    async def async_read(self, stream: tts.ResultStream) -> None:
        """Read the whole stream; ``seconds`` is set if it ended well."""
        data = bytearray()
        chunks = 0
        try:
            async for chunk in stream.async_stream_result():
                data += chunk
                chunks += 1
                if chunks > self.lead_in and not self.started.done():
                    self.started.set_result(None)
        except Exception as err:  # noqa: BLE001 - the action raises it, or it is logged
            if self.started.done():
                _LOGGER.warning("The announcement stopped part way: %s", err)
            else:
                self.started.set_exception(err)
                # Marked as seen: if the action failed first, nobody awaits it.
                self.started.exception()
            return
        if not self.started.done():  # all of it in one chunk (from the cache)
            self.started.set_result(None)
        self.seconds = mp3_seconds(bytes(data))

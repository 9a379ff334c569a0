"""An announcement's volume: set on each player before it plays, put back when it has ended.

The end is known from the audio's length (players that announce over their music, such as
Sonos, report no state change for it), or, for a player that plays the announcement as its
media and is still playing when that time is up, from it leaving the playing state.

A volume change the player reports during the announcement, other than its own report of
the announcement volume, is the user's: it is kept. A second announcement on a player whose
volume is still held keeps the first one's level to restore to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
import logging
from typing import Final

from homeassistant.components.media_player.const import (
    ATTR_MEDIA_VOLUME_LEVEL,
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    MediaPlayerEntityFeature,
    MediaPlayerState,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, SERVICE_VOLUME_SET
from homeassistant.core import (
    CALLBACK_TYPE,
    Context,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later, async_track_state_change_event

_LOGGER = logging.getLogger(__name__)

# After the audio's length: players start a moment after they are told to, and buffer.
END_GRACE: Final = 2.0  # seconds
# How long a player still playing the announcement at its expected end is waited for.
LATE_LIMIT: Final = 30.0  # seconds
# A player reports the volume it was set to within this time (some only after a round trip).
SETTLE: Final = 2.0  # seconds
_PLAYING: Final = (MediaPlayerState.PLAYING, MediaPlayerState.BUFFERING)


@dataclass
class _Hold:
    """One player's volume, held for an announcement."""

    entity_id: str
    original: float
    set_at: float
    follows_state: bool  # its state shows when the announcement ends
    reported: bool = False  # it has reported the announcement volume
    user_changed: bool = False
    waiting_for_stop: bool = False
    unsubscribe: list[CALLBACK_TYPE] = field(default_factory=list)

    def stop_listening(self) -> None:
        while self.unsubscribe:
            self.unsubscribe.pop()()


class AnnouncementVolumes:
    """The volumes held for announcements, across entries and announcements."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Hold nothing yet."""
        self._hass = hass
        self._holds: dict[str, _Hold] = {}

    def holds(self, entity_id: str) -> bool:
        """Whether ``entity_id``'s volume is held for an announcement now."""
        return entity_id in self._holds

    async def async_set(
        self, entity_ids: list[str], volume: float, context: Context | None
    ) -> list[str]:
        """Set ``volume`` on the players that can set and report theirs; return those."""
        now = self._hass.loop.time()
        held: list[str] = []
        for entity_id in entity_ids:
            state = self._hass.states.get(entity_id)
            features = state.attributes.get(ATTR_SUPPORTED_FEATURES, 0) if state else 0
            level = state.attributes.get(ATTR_MEDIA_VOLUME_LEVEL) if state else None
            if state is None or not features & MediaPlayerEntityFeature.VOLUME_SET or level is None:
                # Without a volume to go back to, the user's volume is left as it is.
                _LOGGER.debug("%s plays the announcement at its own volume", entity_id)
                continue
            earlier = self._holds.pop(entity_id, None)
            original = float(level)
            if earlier is not None:
                earlier.stop_listening()
                if not earlier.user_changed:
                    original = earlier.original
            hold = _Hold(
                entity_id,
                original,
                set_at=now,
                follows_state=not features & MediaPlayerEntityFeature.MEDIA_ANNOUNCE
                and state.state not in _PLAYING,
            )
            hold.unsubscribe.append(
                async_track_state_change_event(self._hass, entity_id, partial(self._changed, hold))
            )
            self._holds[entity_id] = hold
            held.append(entity_id)
        if held:
            try:
                await self._async_volume_set(held, volume, context)
            except BaseException:
                for entity_id in held:  # nothing to put back: let go of them
                    self._holds.pop(entity_id).stop_listening()
                raise
        return held

    @callback
    def async_release_after(self, entity_ids: list[str], seconds: float, started: float) -> None:
        """Restore each player's volume ``seconds`` of audio after ``started`` (loop time)."""
        delay = max(0.0, started + seconds + END_GRACE - self._hass.loop.time())
        for entity_id in entity_ids:
            if (hold := self._holds.get(entity_id)) is not None:
                hold.unsubscribe.append(
                    async_call_later(self._hass, delay, partial(self._ended, hold))
                )

    @callback
    def async_release_now(self, entity_ids: list[str]) -> None:
        """Restore the players' volumes now (the announcement failed)."""
        for entity_id in entity_ids:
            if (hold := self._holds.get(entity_id)) is not None:
                self._restore(hold)

    @callback
    def _changed(self, hold: _Hold, event: Event[EventStateChangedData]) -> None:
        old, new = event.data["old_state"], event.data["new_state"]
        if new is None:
            return
        level = new.attributes.get(ATTR_MEDIA_VOLUME_LEVEL)
        if old is not None and level != old.attributes.get(ATTR_MEDIA_VOLUME_LEVEL):
            if not hold.reported and self._hass.loop.time() - hold.set_at <= SETTLE:
                hold.reported = True  # the player reporting (and rounding) the volume set
            else:
                hold.user_changed = True
        if hold.waiting_for_stop and new.state not in _PLAYING:
            self._restore(hold)

    @callback
    def _waited(self, hold: _Hold, _now: datetime) -> None:
        """The player has been playing past LATE_LIMIT: restore now all the same."""
        self._restore(hold)

    @callback
    def _ended(self, hold: _Hold, _now: datetime) -> None:
        """The audio's time is up: restore, unless the player shows it is still playing it."""
        state = self._hass.states.get(hold.entity_id)
        if hold.follows_state and state is not None and state.state in _PLAYING:
            hold.waiting_for_stop = True
            hold.unsubscribe.append(
                async_call_later(self._hass, LATE_LIMIT, partial(self._waited, hold))
            )
            return
        self._restore(hold)

    @callback
    def _restore(self, hold: _Hold) -> None:
        hold.stop_listening()
        if self._holds.get(hold.entity_id) is hold:
            del self._holds[hold.entity_id]
        if hold.user_changed:
            _LOGGER.debug("%s keeps the volume set during the announcement", hold.entity_id)
            return
        self._hass.async_create_task(self._async_put_back(hold.entity_id, hold.original))

    async def _async_volume_set(
        self, entity_ids: list[str], level: float, context: Context | None = None
    ) -> None:
        await self._hass.services.async_call(
            MEDIA_PLAYER_DOMAIN,
            SERVICE_VOLUME_SET,
            {ATTR_ENTITY_ID: entity_ids, ATTR_MEDIA_VOLUME_LEVEL: level},
            blocking=True,
            context=context,
        )

    async def _async_put_back(self, entity_id: str, level: float) -> None:
        try:
            await self._async_volume_set([entity_id], level)
        except HomeAssistantError as err:
            # The player went away or refused; nothing else to put back.
            _LOGGER.warning("Could not restore the volume of %s: %s", entity_id, err)

"""An announcement's volume: set on each player before it plays, put back when it has ended.

The end is known from the audio's length (players that announce over their music, such as
Sonos, report no state change for it), or, for a player that plays the announcement as its
media and is still playing when that time is up, from it leaving the playing state.

Only a numeric volume that differs from the level set (and from the original, which a
player reporting late still shows), reported while the player is neither off nor
unavailable, is the user's, and is kept. Anything else (the player's own
report of the level set, late or repeated; the attribute gone because the player switched
off or dropped off the network) is not: the original level is put back, and a player that
cannot take it now (off or unavailable) gets it when it is back, within RETURN_LIMIT.

Each announcement holds its players through its own hold objects and releases only those: a
second announcement on a player still held takes the hold over (keeping the first one's level
to restore to), and the first announcement's release then leaves that player alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_VOLUME_SET,
    STATE_UNAVAILABLE,
)
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
# How long a player that was off or unavailable when its volume was due is waited for.
RETURN_LIMIT: Final = 600.0  # seconds
# Players round the level they are set to (Sonos to 1/100, others to their own steps).
ROUNDING: Final = 0.02
PLAYING: Final = (MediaPlayerState.PLAYING, MediaPlayerState.BUFFERING)
_AWAY: Final = (MediaPlayerState.OFF, STATE_UNAVAILABLE)


@dataclass
class VolumeHold:
    """One player's volume, held for an announcement."""

    entity_id: str
    original: float
    level: float  # the announcement's
    follows_state: bool  # its state shows when the announcement ends
    user_changed: bool = False
    waiting_for_stop: bool = False
    waiting_for_return: bool = False
    kept_for_next: bool = False  # ended, and a queued announcement will set its own volume
    unsubscribe: list[CALLBACK_TYPE] = field(default_factory=list)

    def stop_listening(self) -> None:
        """Remove its state listener and timers."""
        while self.unsubscribe:
            self.unsubscribe.pop()()


class AnnouncementVolumes:
    """The volumes held for announcements, across entries and announcements."""

    def __init__(
        self, hass: HomeAssistant, next_sets_volume: Callable[[str], bool] = lambda _: False
    ) -> None:
        """Hold nothing yet.

        ``next_sets_volume`` tells whether a queued announcement will set a player's volume
        (then an ended one leaves the original for that one to put back).
        """
        self._hass = hass
        self._holds: dict[str, VolumeHold] = {}
        self._next_sets_volume = next_sets_volume

    def holds(self, entity_id: str) -> bool:
        """Whether ``entity_id``'s volume is held for an announcement now."""
        return entity_id in self._holds

    async def async_set(
        self, entity_ids: list[str], volume: float, context: Context | None
    ) -> list[VolumeHold]:
        """Set ``volume`` on the players that can set and report theirs; their holds."""
        held: list[VolumeHold] = []
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
            hold = VolumeHold(
                entity_id,
                original,
                volume,
                follows_state=not features & MediaPlayerEntityFeature.MEDIA_ANNOUNCE
                and state.state not in PLAYING,
            )
            hold.unsubscribe.append(
                async_track_state_change_event(self._hass, entity_id, partial(self._changed, hold))
            )
            self._holds[entity_id] = hold
            held.append(hold)
        if held:
            try:
                await self._async_volume_set([hold.entity_id for hold in held], volume, context)
            except BaseException:
                for hold in held:  # nothing to put back: let go of them
                    self._let_go(hold)
                raise
        return held

    def _current(self, hold: VolumeHold) -> bool:
        """Whether ``hold`` still holds its player (no later announcement took it over)."""
        return self._holds.get(hold.entity_id) is hold

    @callback
    def _let_go(self, hold: VolumeHold) -> None:
        hold.stop_listening()
        if self._current(hold):
            del self._holds[hold.entity_id]

    @callback
    def async_release_after(self, holds: list[VolumeHold], seconds: float, started: float) -> None:
        """Restore each player's volume ``seconds`` of audio after ``started`` (loop time)."""
        delay = max(0.0, started + seconds + END_GRACE - self._hass.loop.time())
        for hold in holds:
            if self._current(hold):
                hold.unsubscribe.append(
                    async_call_later(self._hass, delay, partial(self._ended, hold))
                )

    @callback
    def async_restore_kept(self, entity_ids: Iterable[str]) -> None:
        """Put back the volumes kept for a next announcement that sets none (or never came)."""
        for entity_id in entity_ids:
            hold = self._holds.get(entity_id)
            if hold is not None and hold.kept_for_next:
                hold.kept_for_next = False
                self._restore(hold, hand_over=False)

    @callback
    def async_release_now(self, holds: list[VolumeHold]) -> None:
        """Restore the players' volumes now (the announcement failed)."""
        for hold in holds:
            if self._current(hold):
                self._restore(hold)

    @callback
    def _changed(self, hold: VolumeHold, event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is None:
            return
        if hold.waiting_for_return:
            if new.state not in _AWAY:
                self._put_back(hold)
            return
        level = new.attributes.get(ATTR_MEDIA_VOLUME_LEVEL)
        if (
            isinstance(level, (int, float))
            and new.state not in _AWAY
            and abs(level - hold.level) > ROUNDING
            # A stale report of the level before the set; were it the user's, putting the
            # original back would leave the same level anyway.
            and abs(level - hold.original) > ROUNDING
        ):
            hold.user_changed = True
        if hold.waiting_for_stop and new.state not in PLAYING:
            self._restore(hold)

    @callback
    def _waited(self, hold: VolumeHold, _now: datetime) -> None:
        """The player has been playing past LATE_LIMIT: restore now all the same."""
        self._restore(hold)

    @callback
    def _ended(self, hold: VolumeHold, _now: datetime) -> None:
        """The audio's time is up: restore, unless the player shows it is still playing it."""
        state = self._hass.states.get(hold.entity_id)
        if hold.follows_state and state is not None and state.state in PLAYING:
            hold.waiting_for_stop = True
            hold.unsubscribe.append(
                async_call_later(self._hass, LATE_LIMIT, partial(self._waited, hold))
            )
            return
        self._restore(hold)

    @callback
    def _restore(self, hold: VolumeHold, *, hand_over: bool = True) -> None:
        """The announcement is over: put the original level back, now or on the player's return.

        Not when the next announcement in the player's queue sets a volume: it takes the hold
        over (see async_set) and the original comes back after it, with no dip between.
        """
        hold.stop_listening()
        if hand_over and not hold.user_changed and self._next_sets_volume(hold.entity_id):
            hold.kept_for_next = True
            return
        if hold.user_changed:
            _LOGGER.debug("%s keeps the volume set during the announcement", hold.entity_id)
            self._let_go(hold)
            return
        state = self._hass.states.get(hold.entity_id)
        if state is not None and state.state not in _AWAY:
            self._put_back(hold)
            return
        # Off or unavailable: it cannot take a volume now. Still held, so a next announcement
        # keeps this original; put back when the player is back.
        hold.waiting_for_return = True
        hold.unsubscribe.append(
            async_track_state_change_event(self._hass, hold.entity_id, partial(self._changed, hold))
        )
        hold.unsubscribe.append(
            async_call_later(self._hass, RETURN_LIMIT, partial(self._gave_up, hold))
        )

    @callback
    def _gave_up(self, hold: VolumeHold, _now: datetime) -> None:
        _LOGGER.debug(
            "%s has not come back within %s s; its volume is left as it is",
            hold.entity_id,
            RETURN_LIMIT,
        )
        self._let_go(hold)

    @callback
    def _put_back(self, hold: VolumeHold) -> None:
        self._let_go(hold)
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

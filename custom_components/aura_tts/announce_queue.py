"""Announcements take turns on each speaker: one plays whole, then the next, in call order.

An announcement to several speakers waits until every one of them has finished the earlier
announcements of this integration; different speakers do not wait for each other. The end
of an announcement on a speaker is known as for its volume (see announce_volume): the audio's
length after the speaker was told to play it, and, for a speaker that plays it as its media
(no MEDIA_ANNOUNCE, like Cast), that speaker leaving the playing state.

A turn that cannot start within QUEUE_LIMIT is dropped with an error; the turns behind it
still wait for the ones before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
import logging
from typing import Final

from homeassistant.components.media_player.const import MediaPlayerEntityFeature
from homeassistant.const import ATTR_SUPPORTED_FEATURES
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later, async_track_state_change_event

from .announce_resume import Resumable
from .announce_volume import END_GRACE, LATE_LIMIT, PLAYING
from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

# How long an announcement waits for the ones before it on its speakers.
QUEUE_LIMIT: Final = 120.0  # seconds


@dataclass(eq=False)
class Turn:
    """One announcement's place in the line of each of its speakers."""

    players: tuple[str, ...]
    sets_volume: bool
    before: list[asyncio.Future[None]]  # the turns it waits for
    ended: asyncio.Future[None]  # done when it has ended on every speaker (or was dropped)
    started: bool = False


class AnnouncementQueue:
    """The line of announcements of each speaker, across entries and profiles."""

    def __init__(self, hass: HomeAssistant) -> None:
        """No speaker has a line yet."""
        self._hass = hass
        self._last: dict[str, Turn] = {}  # each speaker's newest turn
        self._waiting: list[Turn] = []  # turns not started yet
        # What each speaker played before its line began, played again after its last turn.
        self.resume: dict[str, Resumable] = {}
        self._watching: dict[Turn, CALLBACK_TYPE] = {}

    @callback
    def async_join(self, players: Iterable[str], *, sets_volume: bool) -> Turn:
        """A new turn behind every earlier one on ``players``."""
        names = tuple(players)
        before = [
            turn.ended for name in names if (turn := self._last.get(name)) and not turn.ended.done()
        ]
        turn = Turn(
            names, sets_volume, list(dict.fromkeys(before)), self._hass.loop.create_future()
        )
        for name in names:
            self._last[name] = turn
        self._waiting.append(turn)
        return turn

    async def async_wait(self, turn: Turn) -> None:
        """Wait for ``turn``'s speakers to be free; raise if that takes over QUEUE_LIMIT."""
        try:
            if turn.before:
                async with asyncio.timeout(QUEUE_LIMIT):
                    await asyncio.gather(*(asyncio.shield(f) for f in turn.before))
        except TimeoutError:
            self.async_drop(turn)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="queue_timeout",
                translation_placeholders={
                    "players": ", ".join(turn.players),
                    "seconds": f"{QUEUE_LIMIT:g}",
                },
            ) from None
        turn.started = True
        self._forget_waiting(turn)

    @callback
    def async_watch_end(
        self, turn: Turn, seconds: float | None, told_at: float, on_end: Callable[[], None]
    ) -> None:
        """Call ``on_end`` when ``turn`` has ended on its speakers (see async_track_end)."""

        @callback
        def ended() -> None:
            self._watching.pop(turn, None)
            on_end()

        stop = async_track_end(self._hass, turn.players, seconds, told_at, ended)
        if not turn.ended.done():  # a failed one has ended already
            self._watching[turn] = stop

    @callback
    def async_shutdown(self, _event: Event | None = None) -> None:
        """Home Assistant stops: stop watching for ends."""
        for stop in list(self._watching.values()):
            stop()
        self._watching.clear()

    def waiting_on(self, player: str, *, with_volume: bool = False) -> bool:
        """Whether a turn not started yet waits for ``player`` (and will set a volume)."""
        return any(
            player in turn.players and (turn.sets_volume or not with_volume)
            for turn in self._waiting
        )

    @callback
    def async_drop(self, turn: Turn) -> None:
        """``turn`` will not play: the turns behind it wait only for the ones before it."""
        self._forget_waiting(turn)
        if turn.ended.done():
            return
        pending = [future for future in turn.before if not future.done()]
        if not pending:
            turn.ended.set_result(None)
            return
        gathered = asyncio.gather(*pending, return_exceptions=True)
        gathered.add_done_callback(lambda _: self._end(turn))

    @callback
    def async_ended(self, turn: Turn) -> None:
        """``turn`` has ended on every speaker."""
        self._forget_waiting(turn)
        self._end(turn)

    def _end(self, turn: Turn) -> None:
        if not turn.ended.done():
            turn.ended.set_result(None)
        for name in turn.players:
            if self._last.get(name) is turn:
                del self._last[name]

    def _forget_waiting(self, turn: Turn) -> None:
        if turn in self._waiting:
            self._waiting.remove(turn)


@callback
def async_track_end(
    hass: HomeAssistant,
    players: Iterable[str],
    seconds: float | None,
    told_at: float,
    on_end: Callable[[], None],
) -> CALLBACK_TYPE:
    """Call ``on_end`` when an announcement has ended on ``players``.

    ``seconds``: its length; ``told_at``: when the players were told (loop time). None for
    ``seconds``: it failed, nothing more plays. A speaker that plays announcements as its
    media and is still playing when the time is up is waited for, up to LATE_LIMIT. Timers
    and state listeners only (no task), as for the volume. Returns the function that stops
    watching (Home Assistant stopping).
    """
    listeners: list[CALLBACK_TYPE] = []
    ended = False

    @callback
    def end(*_: object) -> None:
        nonlocal ended
        while listeners:
            listeners.pop()()
        if not ended:
            ended = True
            on_end()

    @callback
    def time_up(_now: datetime) -> None:
        still = {name for name in players if _plays_as_media(hass, name)}
        if not still:
            end()
            return

        @callback
        def changed(event: Event[EventStateChangedData]) -> None:
            new = event.data["new_state"]
            if new is None or new.state not in PLAYING:
                still.discard(event.data["entity_id"])
            if not still:
                end()

        listeners.append(async_track_state_change_event(hass, list(still), changed))
        listeners.append(async_call_later(hass, LATE_LIMIT, end))

    @callback
    def stop() -> None:
        while listeners:
            listeners.pop()()

    if seconds is None:
        end()
        return stop
    delay = max(0.0, told_at + seconds + END_GRACE - hass.loop.time())
    listeners.append(async_call_later(hass, delay, time_up))
    return stop


def _plays_as_media(hass: HomeAssistant, name: str) -> bool:
    """A speaker without announcements, still playing (the announcement is its media)."""
    state = hass.states.get(name)
    if state is None or state.state not in PLAYING:
        return False
    features = state.attributes.get(ATTR_SUPPORTED_FEATURES, 0)
    return not features & MediaPlayerEntityFeature.MEDIA_ANNOUNCE

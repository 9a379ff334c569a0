"""Characters sent to Aura and spoken, counted for the "characters spoken" sensor."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import CALLBACK_TYPE, callback


class SpokenCharacters:
    """A running count since Home Assistant started; the sensor adds what it restored.

    A piece of text counts once, when its first audio byte arrives: that is when the
    service has accepted (and bills) it. Retries happen before that byte, and cached audio
    never reaches the integration, so neither is counted twice.
    """

    def __init__(self) -> None:
        """Start at zero."""
        self.count = 0
        self._listeners: list[Callable[[], None]] = []

    @callback
    def async_add(self, characters: int) -> None:
        """Count ``characters`` more and tell the listeners."""
        self.count += characters
        for listener in list(self._listeners):
            listener()

    @callback
    def async_listen(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call ``listener`` on each change; returns the function that stops it."""
        self._listeners.append(listener)

        @callback
        def remove() -> None:
            self._listeners.remove(listener)

        return remove

"""What a loaded entry holds while it runs, its small state objects, and the entry's type.

The state that outlives a reload (the low-balance crossing, the fallback marks, the volume
holds of announcements) lives in hass.data beside the modules that keep it.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
import logging
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, callback

from .aura import SpeechClient

if TYPE_CHECKING:
    from .coordinator import AccountCoordinator

_LOGGER = logging.getLogger(__package__)

# Failures that mean "the service cannot be used now", as opposed to a refused request.
OUTAGE_KINDS: Final = frozenset({"cannot_connect", "server_error", "unexpected_answer"})
_RECENT: Final = 20


@dataclass
class ServiceHealth:
    """Availability of the account's speech service as seen by one config entry.

    The first outage is logged as one warning and the recovery as one info line, however
    many requests fail in between (Home Assistant's log-when-unavailable rule).
    """

    service: str = "AI/ML API"  # named in the log lines
    available: bool = True
    failures: Counter[str] = field(default_factory=Counter)
    recent: deque[tuple[datetime, str]] = field(default_factory=lambda: deque(maxlen=_RECENT))
    last_success: datetime | None = None

    def record_success(self) -> None:
        """The service answered with audio."""
        if not self.available:
            _LOGGER.info("%s is answering again", self.service)
            self.available = True
        self.last_success = datetime.now(UTC)

    def record_failure(self, kind: str, error: Exception) -> None:
        """A request failed; ``kind`` is the error's translation key."""
        self.failures[kind] += 1
        self.recent.append((datetime.now(UTC), kind))
        if kind in OUTAGE_KINDS and self.available:
            _LOGGER.warning("%s cannot be used right now: %s", self.service, error)
            self.available = False

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics."""
        return {
            "available": self.available,
            "failures_by_kind": dict(self.failures),
            "recent_failures": [{"at": at.isoformat(), "kind": kind} for at, kind in self.recent],
            "last_success": self.last_success.isoformat() if self.last_success else None,
        }


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


@dataclass
class AuraRuntimeData:
    """What a loaded entry holds while it runs."""

    client: SpeechClient  # the AI/ML API's or Deepgram's
    health: ServiceHealth
    account: AccountCoordinator
    spoken: SpokenCharacters
    # The profiles (ID: name) the entities were made for: adding, removing or renaming one
    # makes new entities. Their settings are read for each message.
    profiles: dict[str, str]
    # The key and server the client was made with: re-authentication or reconfigure changes
    # them, and the update listener reloads (Home Assistant's rule since 2026.12).
    connection: Mapping[str, Any]


type AuraConfigEntry = ConfigEntry[AuraRuntimeData]

"""How the service has been doing: outages logged once, failures counted for diagnostics."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
import logging
from typing import Any, Final

_LOGGER = logging.getLogger(__package__)

# Failures that mean "the service cannot be used now", as opposed to a refused request.
OUTAGE_KINDS: Final = frozenset({"cannot_connect", "server_error", "unexpected_answer"})
_RECENT: Final = 20


@dataclass
class ServiceHealth:
    """Availability of the AI/ML API as seen by one config entry.

    The first outage is logged as one warning and the recovery as one info line, however
    many requests fail in between (Home Assistant's log-when-unavailable rule).
    """

    available: bool = True
    failures: Counter[str] = field(default_factory=Counter)
    recent: deque[tuple[datetime, str]] = field(default_factory=lambda: deque(maxlen=_RECENT))
    last_success: datetime | None = None

    def record_success(self) -> None:
        """The service answered with audio."""
        if not self.available:
            _LOGGER.info("The AI/ML API is answering again")
            self.available = True
        self.last_success = datetime.now(UTC)

    def record_failure(self, kind: str, error: Exception) -> None:
        """A request failed; ``kind`` is the error's translation key."""
        self.failures[kind] += 1
        self.recent.append((datetime.now(UTC), kind))
        if kind in OUTAGE_KINDS and self.available:
            _LOGGER.warning("The AI/ML API cannot be used right now: %s", error)
            self.available = False

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics."""
        return {
            "available": self.available,
            "failures_by_kind": dict(self.failures),
            "recent_failures": [{"at": at.isoformat(), "kind": kind} for at, kind in self.recent],
            "last_success": self.last_success.isoformat() if self.last_success else None,
        }

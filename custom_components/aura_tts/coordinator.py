"""The account's balance and spend, polled from the service's free endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .aura import (
    AuraError,
    Balance,
    ForbiddenError,
    RateLimitError,
    SpeechClient,
    Usage,
    missing_endpoint,
)
from .connection import service_of
from .const import DOMAIN
from .low_balance import LowBalanceWarning
from .user_errors import Remedy, placeholders, row_for, worded

if TYPE_CHECKING:
    from .models import AuraConfigEntry

_LOGGER = logging.getLogger(__name__)

POLL_INTERVAL: Final = timedelta(minutes=30)
# A failing poll waits twice as long each time, up to this; a success resets it.
MAX_BACKOFF: Final = timedelta(hours=4)
# Spending moves the balance: look again after an announcement, but not more often.
AFTER_SPEECH_COOLDOWN: Final = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """One poll's figures; None where the server has no such endpoint (a gateway)."""

    balance: Balance | None
    today: Usage | None
    this_month: Usage | None
    checked_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics: the figures, no key."""

        def usage(value: Usage | None) -> dict[str, Any] | None:
            if value is None:
                return None
            return {
                "spend": value.spend,
                "requests": value.requests,
                "start": value.start.isoformat(),
                "end": value.end.isoformat(),
            }

        return {
            "balance": None if self.balance is None else self.balance.amount,
            "currency": None if self.balance is None else self.balance.currency,
            "today": usage(self.today),
            "this_month": usage(self.this_month),
            "checked_at": self.checked_at.isoformat(),
        }


class AccountCoordinator(DataUpdateCoordinator[AccountStatus]):
    """Polls the balance and, where the service reports it, the key's spend.

    The AI/ML API's ``/v2/billing`` and ``/v2/usage``, Deepgram's project balances; all free
    to ask. Every 30 minutes, and soon after speech was made (at most every
    5 minutes); never per request.
    """

    config_entry: AuraConfigEntry

    def __init__(self, hass: HomeAssistant, entry: AuraConfigEntry, client: SpeechClient) -> None:
        """Poll for ``entry`` with ``client``."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} account",
            update_interval=POLL_INTERVAL,
        )
        self._client = client
        self._service = service_of(entry.data)
        self._failures = 0
        self.low_balance = LowBalanceWarning(hass, entry)
        self._after_speech = Debouncer(
            hass,
            _LOGGER,
            cooldown=AFTER_SPEECH_COOLDOWN.total_seconds(),
            immediate=True,
            function=self.async_refresh,
        )

    @callback
    def async_speech_made(self) -> None:
        """Speech was paid for: refresh soon (at most once per cooldown)."""
        self._after_speech.async_schedule_call()

    async def async_shutdown(self) -> None:
        """Stop polling, and the after-speech refresh with it (the entry unloads)."""
        self._after_speech.async_shutdown()
        await super().async_shutdown()

    async def _async_update_data(self) -> AccountStatus:
        now = dt_util.now()
        today = dt_util.start_of_local_day(now)
        month = dt_util.start_of_local_day(today.date().replace(day=1))
        try:
            balance, spent_today, spent_month = await asyncio.gather(
                self._optional(self._client.async_get_balance()),
                self._spend(today, now),
                self._spend(month, now),
            )
        except AuraError as err:
            if (row := row_for(err)).remedy is Remedy.NEW_KEY:
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN,
                    translation_key=worded(row.check_key, self._service),
                    translation_placeholders=placeholders(err, service=self._service),
                ) from err
            self._failures += 1
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="account_update_failed",
                translation_placeholders=placeholders(err, service=self._service),
                retry_after=self._backoff(err).total_seconds(),
            ) from err
        self._failures = 0
        status = AccountStatus(balance, spent_today, spent_month, now)
        self.low_balance.async_check(status.balance)
        return status

    async def _spend(self, start: datetime, end: datetime) -> Usage | None:
        """What the key spent, where the service reports it (not Deepgram: None)."""
        if not self._client.reports_spend:
            return None
        return await self._optional(self._client.async_get_usage(start, end))

    @staticmethod
    async def _optional[T](request: Awaitable[T]) -> T | None:
        """The answer, or None when the server has no such endpoint or will not say."""
        try:
            return await request
        except AuraError as err:
            # A gateway without the endpoint, or a key that may not read its spend.
            if missing_endpoint(err) or isinstance(err, ForbiddenError):
                return None
            raise

    def _backoff(self, err: AuraError) -> timedelta:
        """How long to wait after this many failures in a row (and what a 429 asked)."""
        wait = min(POLL_INTERVAL * (1 << max(self._failures - 1, 0)), MAX_BACKOFF)
        if isinstance(err, RateLimitError) and err.retry_after is not None:
            wait = max(wait, timedelta(seconds=err.retry_after))
        return wait

"""The warning before credit runs out: a repair issue and an event, once per crossing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .aura import (
    Balance,
)
from .connection import service_of
from .const import CONF_WARN_BELOW, DEFAULT_WARN_BELOW, DOMAIN, EVENT_LOW_BALANCE
from .issues import (
    async_clear_low_balance,
    async_clear_no_credit,
    async_report_low_balance,
    async_report_no_credit,
)

if TYPE_CHECKING:
    from .models import AuraConfigEntry


# Whether each entry's balance was last seen below its threshold. Kept beside the entries,
# not in them: a reload (a profile added, a new key) makes a new warning object, and must not
# fire the event again for the same crossing. A restart starts afresh (documented).
DATA_BELOW: HassKey[dict[str, bool]] = HassKey(f"{DOMAIN}_below_threshold")


def _money(amount: float, currency: str) -> str:
    return f"{amount:.2f} {currency}"


class LowBalanceWarning:
    """Compares each balance seen with the entry's "warn below" option.

    Crossing below it (or first seeing a balance below it after a restart) fires
    ``aura_tts_low_balance`` once and shows a repair issue; going back above clears the issue.
    At zero the no-credit issue is shown instead of the low-balance one. A threshold of 0
    turns the warning off.
    """

    def __init__(self, hass: HomeAssistant, entry: AuraConfigEntry) -> None:
        """Warn for ``entry``, with its options' threshold."""
        self._hass = hass
        self._entry = entry
        self._below = hass.data.setdefault(DATA_BELOW, {})
        self._last: Balance | None = None

    @property
    def warn_below(self) -> float:
        """The threshold in USD (the option, or its default)."""
        return float(self._entry.options.get(CONF_WARN_BELOW, DEFAULT_WARN_BELOW))

    @callback
    def async_recheck(self) -> None:
        """The threshold may have changed: compare the last balance again."""
        self.async_check(self._last)

    @callback
    def async_check(self, balance: Balance | None) -> None:
        """Compare ``balance`` (None: the server does not tell) with the threshold."""
        if balance is None:
            return
        self._last = balance
        hass, entry_id, title = self._hass, self._entry.entry_id, self._entry.title
        warn_below = self.warn_below
        below = balance.amount < warn_below
        if balance.amount <= 0:
            async_report_no_credit(hass, entry_id, title, service_of(self._entry.data))
            async_clear_low_balance(hass, entry_id)
        else:
            async_clear_no_credit(hass, entry_id)
            if below:
                async_report_low_balance(
                    hass,
                    entry_id,
                    title,
                    _money(balance.amount, balance.currency),
                    _money(warn_below, "USD"),
                    service_of(self._entry.data),
                )
            else:
                async_clear_low_balance(hass, entry_id)
        if below and not self._below.get(entry_id):
            hass.bus.async_fire(
                EVENT_LOW_BALANCE,
                {
                    "entry_id": entry_id,
                    "title": title,
                    "balance": balance.amount,
                    "currency": balance.currency,
                    "warn_below": warn_below,
                },
            )
        self._below[entry_id] = below

"""The AI/ML API account's free endpoints: key, balance and spend.

``GET /v1/key`` (the key's state and scopes), ``GET /v2/billing`` (the balance) and
``GET /v2/usage`` (what the key spent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from .errors import (
    AuraError,
    BadRequestError,
    BadResponseError,
    ForbiddenError,
    KeyDisabledError,
    MissingScopeError,
    SpendingLimitError,
)
from .http import Transport

SPEECH_SCOPE: Final = "model:speech"


@dataclass(frozen=True, slots=True)
class Balance:
    """The account balance ``GET /v2/billing`` reports."""

    amount: float
    currency: str


@dataclass(frozen=True, slots=True)
class Usage:
    """What the key spent in a window, as ``GET /v2/usage`` reports it."""

    spend: float  # USD
    requests: int  # charged requests (failed ones are not billed)
    start: datetime  # the window the service measured, in UTC
    end: datetime


def _usage(data: Any) -> Usage:
    """Parse ``GET /v2/usage``'s answer; raise ValueError/TypeError/KeyError when malformed."""
    return Usage(
        spend=float(data["spend"]),
        requests=int(data["requests"]),
        start=_utc(str(data["start"])),
        end=_utc(str(data["end"])),
    )


def _utc(stamp: str) -> datetime:
    parsed = datetime.fromisoformat(stamp)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _utc_stamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``: a ``+hh:mm`` offset would need escaping in a query."""
    if moment.tzinfo is None:
        raise ValueError("a usage window needs time zone aware datetimes")
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What ``GET /v1/key`` says about the key (free to ask)."""

    name: str | None
    prefix: str
    disabled: bool
    scopes: tuple[str, ...] | None  # None: the key is not limited to some scopes
    limit_threshold: float | None  # USD per period, when a spending limit is set
    limit_period: str | None  # "day", "week", "month" or "no_reset"
    monthly_usage: float

    @property
    def can_speak(self) -> bool:
        """Whether the key's scopes (when it has any) include speech."""
        return self.scopes is None or SPEECH_SCOPE in self.scopes

    @property
    def limit_reached(self) -> bool:
        """Whether a monthly spending limit is used up (the only period usage is given for)."""
        return (
            self.limit_period == "month"
            and self.limit_threshold is not None
            and self.monthly_usage >= self.limit_threshold
        )


@dataclass(frozen=True, slots=True)
class AccountCheck:
    """What a key check found; fields are None where the server has no such endpoint."""

    key: KeyInfo | None  # the AI/ML API's /v1/key
    balance: Balance | None
    project: str | None = None  # a Deepgram key's project (its name)

    @property
    def no_credit(self) -> bool:
        """Whether the balance is known and not above zero."""
        return self.balance is not None and self.balance.amount <= 0

    def problem(self, message: str) -> ForbiddenError | None:
        """Why the key cannot speak, when ``/v1/key`` tells; None when it can."""
        key = self.key
        if key is None:
            return None
        if key.disabled:
            return KeyDisabledError(message or "the key is disabled")
        if not key.can_speak:
            return MissingScopeError(message or f"the key's scopes lack {SPEECH_SCOPE}")
        if key.limit_reached:
            return SpendingLimitError(
                message or "the key's monthly spending limit is used up",
                key.limit_threshold,
                key.limit_period,
            )
        return None


def _key_info(data: Any) -> KeyInfo:
    """Parse ``GET /v1/key``'s answer; raise ValueError/TypeError/KeyError when malformed."""
    info = data["data"]
    scopes = info.get("scopes")
    limit = info.get("limit") or {}
    threshold = limit.get("threshold")
    return KeyInfo(
        name=str(info["name"]) if info.get("name") else None,
        prefix=str(info["prefix"]),
        disabled=bool(info["disabled"]),
        scopes=None if scopes is None else tuple(str(scope) for scope in scopes),
        limit_threshold=None if threshold is None else float(threshold),
        limit_period=str(limit["retention"]) if limit.get("retention") else None,
        monthly_usage=float(info.get("monthly_usage") or 0),
    )


def missing_endpoint(err: AuraError) -> bool:
    """Whether an error says the server has no such endpoint (a proxy or gateway)."""
    return isinstance(err, BadRequestError) and err.status in {404, 405}


class Account:
    """The free endpoints, over the client's transport."""

    def __init__(self, http: Transport) -> None:
        """Ask through ``http``."""
        self._http = http

    async def async_get_balance(self) -> Balance:
        """The account balance, from ``GET /v2/billing`` (free)."""
        data = await self._http.get_json("/v2/billing")
        try:
            return Balance(float(data["current_balance"]), str(data.get("currency", "USD")))
        except (ValueError, TypeError, KeyError) as err:
            raise BadResponseError("the billing answer is not what the API documents") from err

    async def async_get_usage(self, start: datetime, end: datetime) -> Usage:
        """What this key spent from ``start`` to ``end``, from ``GET /v2/usage`` (free).

        The service measures at most 92 days; the times must carry a time zone.
        """
        params = {"start": _utc_stamp(start), "end": _utc_stamp(end)}
        data = await self._http.get_json("/v2/usage", params)
        try:
            return _usage(data)
        except (ValueError, TypeError, KeyError) as err:
            raise BadResponseError("the usage answer is not what the API documents") from err

    async def async_get_key_info(self) -> KeyInfo:
        """The key's state, scopes and limit, from ``GET /v1/key`` (free)."""
        data = await self._http.get_json("/v1/key")
        try:
            return _key_info(data)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            raise BadResponseError("the key answer is not what the API documents") from err

    async def async_check_account(self) -> AccountCheck:
        """Ask the free endpoints about the key and the balance.

        Raises AuthenticationError for a refused key. An endpoint the server lacks (a proxy
        or gateway) is None in the result.
        """
        key = balance = None
        try:
            key = await self.async_get_key_info()
        except AuraError as err:
            if not missing_endpoint(err):
                raise
        try:
            balance = await self.async_get_balance()
        except AuraError as err:
            if not missing_endpoint(err):
                raise
        return AccountCheck(key, balance)

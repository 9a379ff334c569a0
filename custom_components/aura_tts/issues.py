"""Repair issues about the AI/ML API account: no credit left, or little."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

BILLING_URL = "https://aimlapi.com/app/billing"


def _no_credit_id(entry_id: str) -> str:
    return f"no_credit_{entry_id}"


def _low_balance_id(entry_id: str) -> str:
    return f"low_balance_{entry_id}"


@callback
def async_report_no_credit(hass: HomeAssistant, entry_id: str, title: str) -> None:
    """Show a repair issue: nothing can be spoken until the account is topped up."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _no_credit_id(entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        learn_more_url=BILLING_URL,
        translation_key="no_credit",
        translation_placeholders={"title": title},
    )


@callback
def async_clear_no_credit(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the issue (the account works again, or the entry is gone)."""
    ir.async_delete_issue(hass, DOMAIN, _no_credit_id(entry_id))


@callback
def async_report_low_balance(
    hass: HomeAssistant, entry_id: str, title: str, balance: str, warn_below: str
) -> None:
    """Show (or update) a warning: the credit is running out."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _low_balance_id(entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        learn_more_url=BILLING_URL,
        translation_key="low_balance",
        translation_placeholders={"title": title, "balance": balance, "warn_below": warn_below},
    )


@callback
def async_clear_low_balance(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the warning (topped up, threshold lowered, or the entry is gone)."""
    ir.async_delete_issue(hass, DOMAIN, _low_balance_id(entry_id))

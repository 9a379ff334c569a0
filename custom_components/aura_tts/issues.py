"""The repair issue shown while the AI/ML API account has no credit."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

BILLING_URL = "https://aimlapi.com/app/billing"


def _issue_id(entry_id: str) -> str:
    return f"no_credit_{entry_id}"


@callback
def async_report_no_credit(hass: HomeAssistant, entry_id: str, title: str) -> None:
    """Show a repair issue: nothing can be spoken until the account is topped up."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        learn_more_url=BILLING_URL,
        translation_key="no_credit",
        translation_placeholders={"title": title},
    )


@callback
def async_clear_no_credit(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the issue (the account works again, or the entry is gone)."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(entry_id))

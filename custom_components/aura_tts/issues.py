"""Repair issues about the account (AI/ML API or Deepgram): no credit left, or little."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, SERVICE_AIMLAPI, SERVICE_DEEPGRAM

BILLING_URL = "https://aimlapi.com/app/billing"
BILLING_URLS = {SERVICE_AIMLAPI: BILLING_URL, SERVICE_DEEPGRAM: "https://console.deepgram.com/"}


def _issue_id(kind: str, entry_id: str) -> str:
    return f"{kind}_{entry_id}"


@callback
def _async_report(
    hass: HomeAssistant,
    kind: str,
    entry_id: str,
    severity: ir.IssueSeverity,
    service: str,
    **placeholders: str,
) -> None:
    """Show (or update) the entry's issue ``kind``, worded for its account, linking to billing."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(kind, entry_id),
        is_fixable=False,
        severity=severity,
        learn_more_url=BILLING_URLS[service],
        translation_key=kind if service == SERVICE_AIMLAPI else f"{service}_{kind}",
        translation_placeholders=placeholders,
    )


@callback
def async_report_no_credit(
    hass: HomeAssistant, entry_id: str, title: str, service: str = SERVICE_AIMLAPI
) -> None:
    """Show a repair issue: nothing can be spoken until the account is topped up."""
    _async_report(hass, "no_credit", entry_id, ir.IssueSeverity.ERROR, service, title=title)


@callback
def async_clear_no_credit(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the issue (the account works again, or the entry is gone)."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id("no_credit", entry_id))


@callback
def async_report_low_balance(
    hass: HomeAssistant,
    entry_id: str,
    title: str,
    balance: str,
    warn_below: str,
    service: str = SERVICE_AIMLAPI,
) -> None:
    """Show (or update) a warning: the credit is running out."""
    _async_report(
        hass,
        "low_balance",
        entry_id,
        ir.IssueSeverity.WARNING,
        service,
        title=title,
        balance=balance,
        warn_below=warn_below,
    )


@callback
def async_clear_low_balance(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the warning (topped up, threshold lowered, or the entry is gone)."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id("low_balance", entry_id))

"""The devices: one for the AI/ML API account (the entry), one for each voice profile."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import DOMAIN


def account_device(entry: ConfigEntry) -> DeviceInfo:
    """The entry's service device: the account sensors are on it."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer="AI/ML API",
        model="Deepgram Aura",
        entry_type=DeviceEntryType.SERVICE,
    )


def profile_device(entry: ConfigEntry, profile: ConfigSubentry) -> DeviceInfo:
    """A voice profile's device, named after the profile."""
    return DeviceInfo(
        identifiers={(DOMAIN, profile.subentry_id)},
        name=profile.title,
        manufacturer="AI/ML API",
        model="Deepgram Aura",
        entry_type=DeviceEntryType.SERVICE,
    )

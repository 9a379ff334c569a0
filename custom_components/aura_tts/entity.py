"""The devices: one for the AI/ML API account (the entry), one for each voice profile."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import DOMAIN


def _service_device(identifier: str, name: str) -> DeviceInfo:
    return DeviceInfo(
        identifiers={(DOMAIN, identifier)},
        name=name,
        manufacturer="AI/ML API",
        model="Deepgram Aura",
        entry_type=DeviceEntryType.SERVICE,
    )


def account_device(entry: ConfigEntry) -> DeviceInfo:
    """The entry's service device: the account sensors are on it."""
    return _service_device(entry.entry_id, entry.title)


def profile_device(profile: ConfigSubentry) -> DeviceInfo:
    """A voice profile's device, named after the profile."""
    return _service_device(profile.subentry_id, profile.title)

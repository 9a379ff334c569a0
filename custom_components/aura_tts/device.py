"""The device that stands for an AI/ML API account (one per config entry)."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import DOMAIN


def account_device(entry: ConfigEntry) -> DeviceInfo:
    """The entry's service device, shared by its TTS entity and its account sensors."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer="AI/ML API",
        model="Deepgram Aura",
        entry_type=DeviceEntryType.SERVICE,
    )

"""Entries of version 1 (one voice in the options) become version 2 (voice profiles)."""

from __future__ import annotations

import logging
from types import MappingProxyType

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .aura import (
    CHIME_OFF,
    DEFAULT_VOICE_ID,
)
from .const import CONF_CHIME, CONF_PRONUNCIATIONS, CONF_VOICE, DOMAIN, SUBENTRY_PROFILE
from .flow_forms import profile_data, profile_name

_LOGGER = logging.getLogger(__name__)

_PROFILE_OPTIONS = (CONF_VOICE, CONF_CHIME, CONF_PRONUNCIATIONS)


def migrate_to_profiles(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Move the voice, chime and pronunciations into one profile; the entity ID stays.

    The TTS entity was the entry's (unique ID = entry ID); it becomes the profile's, so
    automations and Assist pipelines that name it keep working.
    """
    options = entry.options
    voice_id = str(options.get(CONF_VOICE, DEFAULT_VOICE_ID))
    profile = ConfigSubentry(
        subentry_type=SUBENTRY_PROFILE,
        title=profile_name(voice_id),
        data=MappingProxyType(
            profile_data(
                voice_id,
                str(options.get(CONF_CHIME, CHIME_OFF)),
                str(options.get(CONF_PRONUNCIATIONS, "")),
            )
        ),
        unique_id=None,
    )
    hass.config_entries.async_add_subentry(entry, profile)
    registry = er.async_get(hass)
    if entity_id := registry.async_get_entity_id(Platform.TTS, DOMAIN, entry.entry_id):
        registry.async_update_entity(
            entity_id,
            config_subentry_id=profile.subentry_id,
            new_unique_id=profile.subentry_id,
        )
    hass.config_entries.async_update_entry(
        entry,
        options={k: v for k, v in options.items() if k not in _PROFILE_OPTIONS},
        version=2,
    )
    _LOGGER.debug("Moved the voice of %s into the profile %s", entry.title, profile.title)

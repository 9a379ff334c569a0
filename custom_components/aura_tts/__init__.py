"""Aura TTS: Deepgram Aura voices for Home Assistant, through the AI/ML API or Deepgram."""

from __future__ import annotations

from homeassistant.const import CONF_API_KEY, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .aura import AuraError
from .connection import new_client, service_of
from .const import CONF_BASE_URL, DOMAIN
from .coordinator import AccountCoordinator
from .fallback import DATA_FALLBACK_MARKS, FallbackMarks
from .issues import (
    async_clear_low_balance,
    async_clear_no_credit,
    async_report_no_credit,
)
from .low_balance import DATA_BELOW
from .migration import migrate_to_profiles
from .models import AuraConfigEntry, AuraRuntimeData, ServiceHealth, SpokenCharacters
from .services import async_setup_services
from .user_errors import Remedy, placeholders, row_for, worded
from .voice_catalogue import async_keep_voices_fresh

PLATFORMS: list[Platform] = [Platform.SENSOR, Platform.TTS]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, which serve every entry; read the fallback marks."""
    async_setup_services(hass)
    marks = hass.data[DATA_FALLBACK_MARKS] = FallbackMarks(hass)
    await marks.async_load()
    return True


async def async_setup_entry(hass: HomeAssistant, entry: AuraConfigEntry) -> bool:
    """Check the key, read the account's voices, then set up the TTS entities."""
    service = service_of(entry.data)
    client = new_client(hass, entry.data[CONF_API_KEY], entry.data[CONF_BASE_URL], service)
    # Free checks only: a server without them (a gateway) is not paid a synthesis per start.
    try:
        check = await client.async_validate_key()
    except AuraError as err:
        _raise_unless_key_is_good(hass, entry, err)
    else:
        if check.no_credit:
            # The key is good: set up, and say why nothing can be spoken until a top-up.
            async_report_no_credit(hass, entry.entry_id, entry.title, service)
        else:
            async_clear_no_credit(hass, entry.entry_id)
    await async_keep_voices_fresh(hass, entry, client)
    account = AccountCoordinator(hass, entry, client)
    # Not async_config_entry_first_refresh: speech must not wait for a balance figure. A
    # failed poll leaves the account sensors unavailable and is retried on its schedule.
    await account.async_refresh()
    entry.runtime_data = AuraRuntimeData(
        client,
        ServiceHealth(client.service),
        account,
        SpokenCharacters(),
        _profiles(entry),
        dict(entry.data),
    )
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: AuraConfigEntry) -> bool:
    """Bring an entry made by an earlier version up to this one."""
    if entry.version > 2:
        return False  # made by a newer Aura TTS: leave it for that version
    if entry.version == 1:
        migrate_to_profiles(hass, entry)
    return True


def _raise_unless_key_is_good(hass: HomeAssistant, entry: AuraConfigEntry, err: AuraError) -> None:
    """Fail set-up as the error table says; return when the key is good all the same."""
    row = row_for(err)
    service = service_of(entry.data)
    if row.remedy is Remedy.TOP_UP:
        async_report_no_credit(hass, entry.entry_id, entry.title, service)
        return
    if row.remedy is Remedy.KEY_IS_GOOD:
        return  # e.g. a spent limit that resets: each message says why it fails
    failure = ConfigEntryAuthFailed if row.remedy is Remedy.NEW_KEY else ConfigEntryNotReady
    raise failure(
        translation_domain=DOMAIN,
        translation_key=worded(row.check_key, service),
        translation_placeholders=placeholders(err, service=service),
    ) from err


def _profiles(entry: AuraConfigEntry) -> dict[str, str]:
    return {subentry_id: profile.title for subentry_id, profile in entry.subentries.items()}


async def _async_entry_updated(hass: HomeAssistant, entry: AuraConfigEntry) -> None:
    """Reload for a new key or server, or a profile added, renamed or removed.

    The warning level alone: compare it again, no reload. A removed profile's fallback mark
    goes with it.
    """
    runtime = entry.runtime_data
    profiles = _profiles(entry)
    for removed in runtime.profiles.keys() - profiles.keys():
        hass.data[DATA_FALLBACK_MARKS].async_forget(removed)
    if profiles != runtime.profiles or dict(entry.data) != runtime.connection:
        hass.config_entries.async_schedule_reload(entry.entry_id)
    else:
        runtime.account.low_balance.async_recheck()


async def async_unload_entry(hass: HomeAssistant, entry: AuraConfigEntry) -> bool:
    """Unload the TTS entity and the account sensors."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: AuraConfigEntry) -> None:
    """Take the entry's repair issues, warning state and fallback marks with it."""
    async_clear_no_credit(hass, entry.entry_id)
    async_clear_low_balance(hass, entry.entry_id)
    hass.data.get(DATA_BELOW, {}).pop(entry.entry_id, None)
    for profile_id in entry.subentries:
        hass.data[DATA_FALLBACK_MARKS].async_forget(profile_id)

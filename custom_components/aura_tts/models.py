"""What a loaded entry holds while it runs, and the entry's type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry

from .aura import AuraClient
from .health import ServiceHealth
from .spoken import SpokenCharacters

if TYPE_CHECKING:
    from .coordinator import AccountCoordinator


@dataclass
class AuraRuntimeData:
    """What a loaded entry holds while it runs."""

    client: AuraClient
    health: ServiceHealth
    account: AccountCoordinator
    spoken: SpokenCharacters
    # The profiles (ID: name) the entities were made for: adding, removing or renaming one
    # makes new entities. Their settings are read for each message.
    profiles: dict[str, str]
    # The key and server the client was made with: re-authentication or reconfigure changes
    # them, and the update listener reloads (Home Assistant's rule since 2026.12).
    connection: Mapping[str, Any]


type AuraConfigEntry = ConfigEntry[AuraRuntimeData]

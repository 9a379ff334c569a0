"""The account's sensors: balance, spend today and this month, characters spoken."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .aura import Usage
from .coordinator import AccountCoordinator, AccountStatus
from .entity import account_device
from .models import AuraConfigEntry

# The coordinator polls; the characters count is pushed by the TTS entity.
PARALLEL_UPDATES = 0
CURRENCY = "USD"  # the AI/ML API bills in USD only


@dataclass(frozen=True, kw_only=True)
class AccountSensorDescription(SensorEntityDescription):
    """A figure of the account, read from one poll."""

    usage: Callable[[AccountStatus], Usage | None] | None = None  # spend sensors
    balance: bool = False


# Monetary sensors may only be "total" in Home Assistant (a measurement state class is
# refused with a warning); the spend windows restart, so they carry their last reset.
ACCOUNT_SENSORS: tuple[AccountSensorDescription, ...] = (
    AccountSensorDescription(
        key="balance",
        translation_key="balance",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=CURRENCY,
        suggested_display_precision=2,
        balance=True,
    ),
    AccountSensorDescription(
        key="spent_today",
        translation_key="spent_today",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=CURRENCY,
        suggested_display_precision=4,
        entity_category=EntityCategory.DIAGNOSTIC,
        usage=lambda status: status.today,
    ),
    AccountSensorDescription(
        key="spent_this_month",
        translation_key="spent_this_month",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=CURRENCY,
        suggested_display_precision=2,
        usage=lambda status: status.this_month,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AuraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's sensors."""
    account = entry.runtime_data.account
    # A spend the service never reports (Deepgram's keys) gets no sensor, rather than one
    # that is always unavailable; a balance that may not be read is shown unavailable.
    reports_spend = entry.runtime_data.client.reports_spend
    async_add_entities(
        [
            *(
                AccountSensor(account, entry, description)
                for description in ACCOUNT_SENSORS
                if description.usage is None or reports_spend
            ),
            CharactersSpokenSensor(entry),
        ]
    )


class AccountSensor(CoordinatorEntity[AccountCoordinator], SensorEntity):
    """A balance or spend figure; unavailable where the server does not report it."""

    _attr_has_entity_name = True
    entity_description: AccountSensorDescription

    def __init__(
        self,
        coordinator: AccountCoordinator,
        entry: AuraConfigEntry,
        description: AccountSensorDescription,
    ) -> None:
        """Show ``description``'s figure of ``entry``'s account."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = account_device(entry)

    def _usage(self) -> Usage | None:
        describe = self.entity_description.usage
        data: AccountStatus | None = self.coordinator.data  # None until a poll works
        return None if describe is None or data is None else describe(data)

    @property
    def available(self) -> bool:
        """Whether the last poll worked and gave this figure."""
        return super().available and self.native_value is not None

    @property
    def native_value(self) -> float | None:
        """The balance or the spend, in USD."""
        data: AccountStatus | None = self.coordinator.data
        if data is None:
            return None
        if self.entity_description.balance:
            return None if data.balance is None else data.balance.amount
        usage = self._usage()
        return None if usage is None else usage.spend

    @property
    def last_reset(self) -> datetime | None:
        """When the spend window began (local midnight, or the first of the month)."""
        usage = self._usage()
        return None if usage is None else usage.start


class CharactersSpokenSensor(RestoreSensor):
    """Characters this Home Assistant has had Aura speak, kept across restarts."""

    _attr_has_entity_name = True
    _attr_translation_key = "characters_spoken"
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_should_poll = False

    def __init__(self, entry: AuraConfigEntry) -> None:
        """Count for ``entry``."""
        self._spoken = entry.runtime_data.spoken
        self._restored = 0
        self._attr_unique_id = f"{entry.entry_id}_characters_spoken"
        self._attr_device_info = account_device(entry)

    async def async_added_to_hass(self) -> None:
        """Start from the count saved before the restart, and follow new speech."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and isinstance(last.native_value, int | float | Decimal):
            self._restored = int(last.native_value)
        self.async_on_remove(self._spoken.async_listen(self.async_write_ha_state))

    @property
    def native_value(self) -> int:
        """Characters restored plus those spoken since."""
        return self._restored + self._spoken.count

"""The account's sensors, their polling, the characters count and the low-balance warning."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.aura_tts.const import (
    CONF_WARN_BELOW,
    DOMAIN,
    EVENT_LOW_BALANCE,
)
from custom_components.aura_tts.coordinator import AccountCoordinator
from tests.audio_checks import decoded_seconds
from tests.conftest import API_KEY
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_aimlapi.sound import speech_seconds
from tests.helpers import add_profile, speak

BALANCE = "sensor.aura_tts_balance"
SPENT_TODAY = "sensor.aura_tts_spent_today"
SPENT_MONTH = "sensor.aura_tts_spent_this_month"
CHARACTERS = "sensor.aura_tts_characters_spoken"
# A message in each of two languages and speaker formats (mp3 for a browser, FLAC for
# Voice PE); the English voice configured stands in a Spanish one for Spanish.
SPEECH = [
    pytest.param("en", {"preferred_format": "mp3"}, "The kitchen timer is done.", id="en-mp3"),
    pytest.param(
        "es",
        {"preferred_format": "flac"},
        "La lavadora ha terminado, ya puedes tender.",
        id="es-flac",
    ),
]


def account(entry: MockConfigEntry) -> AccountCoordinator:
    coordinator: AccountCoordinator = entry.runtime_data.account
    return coordinator


def state(hass: HomeAssistant, entity_id: str) -> State:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found


def polls(fake: FakeAimlApi) -> int:
    """Account polls so far (each asks /v2/billing once)."""
    return sum(r.path == "/v2/billing" for r in fake.requests)


def billed_characters(fake: FakeAimlApi) -> int:
    """Characters of the syntheses the fake answered with audio (what it billed)."""
    return sum(len(r.body["text"]) for r in fake.tts_requests() if r.status == 200)


def issue(hass: HomeAssistant, kind: str, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{kind}_{entry.entry_id}")


async def time_passes(hass: HomeAssistant, delta: timedelta) -> None:
    """Run the timers due within ``delta`` of now, and the polls they start."""
    async_fire_time_changed(hass, dt_util.utcnow() + delta)
    # The coordinator polls in a background task, which a plain block_till_done skips.
    await hass.async_block_till_done(wait_background_tasks=True)


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await account(entry).async_refresh()
    await hass.async_block_till_done()


async def test_sensors_show_balance_and_spend_in_local_days(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """Balance and spend, with "today" starting at local midnight, not UTC's.

    The harness runs in US/Pacific: a day counted from UTC midnight would take in the
    charge made just before local midnight, and miss none of the others.
    """
    now = dt_util.now()
    midnight = dt_util.start_of_local_day(now)
    month_start = dt_util.start_of_local_day(midnight.date().replace(day=1))
    assert now.utcoffset() != timedelta(0)  # the test means nothing in UTC
    charges = {
        "today": (midnight + timedelta(seconds=1), 0.25),
        "yesterday evening": (midnight - timedelta(seconds=1), 0.5),
        "last month": (month_start - timedelta(hours=1), 2.0),
    }
    for at, usd in charges.values():
        fake_api.charge(API_KEY, usd, at)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    balance = state(hass, BALANCE)
    assert float(balance.state) == pytest.approx(42.5 - 2.75)
    assert balance.attributes["unit_of_measurement"] == "USD"
    assert balance.attributes["device_class"] == SensorDeviceClass.MONETARY
    assert balance.attributes["state_class"] == SensorStateClass.TOTAL
    assert "last_reset" not in balance.attributes

    today = state(hass, SPENT_TODAY)
    assert float(today.state) == pytest.approx(0.25)
    assert datetime.fromisoformat(today.attributes["last_reset"]) == midnight
    month = state(hass, SPENT_MONTH)
    in_month = 0.25 + (0.5 if midnight.day > 1 else 0.0)  # yesterday is last month on the 1st
    assert float(month.state) == pytest.approx(in_month)
    assert datetime.fromisoformat(month.attributes["last_reset"]) == month_start

    # The account's device carries the sensors; the voice profile has its own.
    registry = er.async_get(hass)
    devices = {
        registry.async_get(entity_id).device_id  # type: ignore[union-attr]
        for entity_id in (BALANCE, SPENT_TODAY, SPENT_MONTH, CHARACTERS)
    }
    assert len(devices) == 1
    assert registry.async_get("tts.aura_tts_speech").device_id not in devices  # type: ignore[union-attr]
    assert registry.async_get(SPENT_TODAY).entity_category == "diagnostic"  # type: ignore[union-attr]
    assert registry.async_get(BALANCE).entity_category is None  # type: ignore[union-attr]


async def test_monetary_sensors_are_accepted_without_warnings(
    hass: HomeAssistant, config_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant warns about a state class it refuses for money (measurement).

    The sensors are made here, in the test's body, so caplog holds what was said while
    they were: a measurement state class would fail this."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert float(state(hass, BALANCE).state) == pytest.approx(42.5)
    assert "impossible considering device class" not in caplog.text
    assert "state class" not in caplog.text
    about_us = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and "aura_tts" in f"{r.name} {r.getMessage()}"
    ]
    assert all("We found a custom integration" in message for message in about_us)


@pytest.mark.parametrize(
    ("billing", "usage", "available"),
    [
        (False, False, set()),
        (True, False, {BALANCE}),
    ],
    ids=["no-billing-no-usage", "no-usage"],
)
async def test_a_gateway_without_account_endpoints(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    billing: bool,
    usage: bool,
    available: set[str],
) -> None:
    """Figures a server does not give are unavailable; speaking and counting go on."""
    fake_api.billing, fake_api.usage = billing, usage
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    for entity_id in (BALANCE, SPENT_TODAY, SPENT_MONTH):
        assert (state(hass, entity_id).state != STATE_UNAVAILABLE) is (entity_id in available)
    assert account(config_entry).last_update_success  # a missing endpoint is not a failure
    await speak(hass, "Still speaking.", {"preferred_format": "mp3"})
    await hass.async_block_till_done()
    assert int(state(hass, CHARACTERS).state) == len("Still speaking.")


@pytest.mark.parametrize(("language", "options", "text"), SPEECH)
async def test_characters_counted_once_per_billed_character(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    fake_api: FakeAimlApi,
    language: str,
    options: dict[str, Any],
    text: str,
) -> None:
    """Counted as billed: a retry, a cached replay and a refused request add nothing."""
    fake_api.add_fault("status", status=503)  # the first attempt is refused, then retried
    audio = await speak(hass, text, options, language=language)
    await hass.async_block_till_done()
    spoken = speech_seconds(text)  # what was paid for is what is heard
    assert spoken <= await asyncio.to_thread(decoded_seconds, audio) <= spoken + 0.1
    assert len(fake_api.tts_requests()) == 2
    assert int(state(hass, CHARACTERS).state) == len(text) == billed_characters(fake_api)

    await speak(hass, text, options, language=language)  # Home Assistant's cache answers
    await hass.async_block_till_done()
    assert len(fake_api.tts_requests()) == 2
    assert int(state(hass, CHARACTERS).state) == len(text)

    fake_api.add_fault("status", status=400, count=None)  # refused: never billed
    with pytest.raises(Exception, match="refused"):
        await speak(hass, text + " Again.", options, language=language)
    await hass.async_block_till_done()
    assert int(state(hass, CHARACTERS).state) == len(text)


async def test_long_text_counts_every_piece(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """A message cut into several requests counts the characters of each."""
    sentence = "Esta es una frase de prueba que se repite para llenar varias peticiones. "
    text = sentence * 60  # about 4,400 characters: three requests
    await speak(hass, text, {"preferred_format": "flac"}, language="es")
    await hass.async_block_till_done()
    assert len(fake_api.tts_requests()) >= 3
    assert int(state(hass, CHARACTERS).state) == billed_characters(fake_api)


async def test_characters_restored_after_restart_and_reload(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """The count goes on from what was saved, across a restart and a reload."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(CHARACTERS, "1000"),
                {"native_value": 1000, "native_unit_of_measurement": "characters"},
            )
        ],
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, CHARACTERS).state == "1000"
    await speak(hass, "Hola.", {"preferred_format": "mp3"}, language="es")
    await hass.async_block_till_done()
    assert state(hass, CHARACTERS).state == "1005"

    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, CHARACTERS).state == "1005"
    await speak(hass, "Hello.", {"preferred_format": "flac"}, language="en")
    await hass.async_block_till_done()
    assert state(hass, CHARACTERS).state == "1011"


async def test_polled_after_speech_at_most_every_five_minutes(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """Speech moves the balance: one poll now, later ones folded into one per 5 minutes."""
    start = polls(fake_api)
    await speak(hass, "First announcement.", {"preferred_format": "mp3"}, language="en")
    await hass.async_block_till_done()
    assert polls(fake_api) == start + 1
    spent = 42.5 - fake_api.keys[API_KEY]
    assert float(state(hass, BALANCE).state) == pytest.approx(42.5 - spent)

    await speak(hass, "Segundo anuncio.", {"preferred_format": "flac"}, language="es")
    await speak(hass, "Third announcement.", {"preferred_format": "wav"}, language="en")
    await hass.async_block_till_done()
    assert polls(fake_api) == start + 1  # within the cooldown: not yet

    await time_passes(hass, timedelta(minutes=5, seconds=1))
    assert polls(fake_api) == start + 2  # both folded into one
    assert float(state(hass, BALANCE).state) == pytest.approx(fake_api.keys[API_KEY])


async def test_polled_every_30_minutes_and_backing_off_on_errors(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """30 minutes apart; each failure in a row doubles the wait; a success resets it."""
    waited = 0.0  # minutes since the last poll (which scheduled the next from real time)

    async def minutes_later(minutes: float) -> int:
        nonlocal waited
        waited += minutes
        before = polls(fake_api)
        await time_passes(hass, timedelta(minutes=waited))
        if polls(fake_api) != before:
            waited = 0.0
        return polls(fake_api)

    start = polls(fake_api)
    assert await minutes_later(29) == start
    assert await minutes_later(2) == start + 1  # the regular poll

    fake_api.add_fault("status", path="/v2/usage", status=500, count=None)
    assert await minutes_later(31) == start + 2  # fails: the next one in 30 minutes
    assert state(hass, BALANCE).state == STATE_UNAVAILABLE
    assert await minutes_later(31) == start + 3  # fails again: next in 60
    assert await minutes_later(50) == start + 3
    assert await minutes_later(11) == start + 4  # fails a third time: next in 120
    assert await minutes_later(110) == start + 4
    fake_api.faults.clear()
    assert await minutes_later(11) == start + 5  # works: back to every 30 minutes
    assert float(state(hass, BALANCE).state) == pytest.approx(42.5)
    assert await minutes_later(31) == start + 6


async def test_retry_after_of_a_429_is_honoured(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """Asked to wait three hours, the next poll waits three hours."""
    fake_api.add_fault("status", path="/v2/billing", status=429, retry_after=3 * 3600)
    await refresh(hass, setup_entry)
    assert not account(setup_entry).last_update_success
    start = polls(fake_api)
    await time_passes(hass, timedelta(hours=2, minutes=59))
    assert polls(fake_api) == start
    await time_passes(hass, timedelta(hours=3, minutes=1))
    assert polls(fake_api) == start + 1


async def test_a_key_refused_while_polling_asks_for_a_new_one(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """A 401 on a poll starts the reauth flow."""
    fake_api.keys.clear()
    await refresh(hass, setup_entry)
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_low_balance_warning_once_per_crossing(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """Below the threshold: a repair issue and one event; back above: the issue goes."""
    events = async_capture_events(hass, EVENT_LOW_BALANCE)
    assert issue(hass, "low_balance", setup_entry) is None

    fake_api.keys[API_KEY] = 0.5
    await refresh(hass, setup_entry)
    found = issue(hass, "low_balance", setup_entry)
    assert found is not None
    assert found.severity == ir.IssueSeverity.WARNING
    assert not found.is_fixable
    assert found.translation_placeholders == {
        "title": "Aura TTS",
        "balance": "0.50 USD",
        "warn_below": "1.00 USD",
    }
    assert [event.data for event in events] == [
        {
            "entry_id": setup_entry.entry_id,
            "title": "Aura TTS",
            "balance": 0.5,
            "currency": "USD",
            "warn_below": 1.0,
        }
    ]

    fake_api.keys[API_KEY] = 0.4  # still below: the issue follows, no second event
    await refresh(hass, setup_entry)
    found = issue(hass, "low_balance", setup_entry)
    assert found is not None
    assert found.translation_placeholders is not None
    assert found.translation_placeholders["balance"] == "0.40 USD"
    assert len(events) == 1

    fake_api.keys[API_KEY] = 0  # empty: the no-credit issue replaces the warning
    await refresh(hass, setup_entry)
    assert issue(hass, "low_balance", setup_entry) is None
    assert issue(hass, "no_credit", setup_entry) is not None
    assert len(events) == 1

    fake_api.keys[API_KEY] = 20  # topped up: both go
    await refresh(hass, setup_entry)
    assert issue(hass, "low_balance", setup_entry) is None
    assert issue(hass, "no_credit", setup_entry) is None

    fake_api.keys[API_KEY] = 0.9  # a new crossing: a new event
    await refresh(hass, setup_entry)
    assert issue(hass, "low_balance", setup_entry) is not None
    assert [event.data["balance"] for event in events] == [0.5, 0.9]


async def test_a_reload_does_not_send_the_low_balance_event_again(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """Adding a profile, reloading or a new key reload the entry: the balance, still below,
    is the same crossing (fails if the new warning object forgets the event was sent). A
    new crossing after the balance went back above is warned again."""
    events = async_capture_events(hass, EVENT_LOW_BALANCE)
    fake_api.keys[API_KEY] = 0.5
    await refresh(hass, setup_entry)
    assert len(events) == 1
    await add_profile(hass, setup_entry)
    assert hass.states.get("tts.espanol_speech") is not None  # the entry was reloaded
    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()
    await refresh(hass, setup_entry)
    assert len(events) == 1
    assert issue(hass, "low_balance", setup_entry) is not None
    fake_api.keys[API_KEY] = 20.0
    await refresh(hass, setup_entry)
    fake_api.keys[API_KEY] = 0.4
    await refresh(hass, setup_entry)
    assert [event.data["balance"] for event in events] == [0.5, 0.4]


async def test_threshold_option_applies_at_once(
    hass: HomeAssistant, setup_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """A new threshold is compared with the last balance without asking the service."""
    events = async_capture_events(hass, EVENT_LOW_BALANCE)
    requests = len(fake_api.requests)

    hass.config_entries.async_update_entry(setup_entry, options={CONF_WARN_BELOW: 50.0})
    await hass.async_block_till_done()
    found = issue(hass, "low_balance", setup_entry)
    assert found is not None
    assert found.translation_placeholders is not None
    assert found.translation_placeholders["warn_below"] == "50.00 USD"
    assert [event.data["warn_below"] for event in events] == [50.0]

    hass.config_entries.async_update_entry(setup_entry, options={CONF_WARN_BELOW: 0.0})
    await hass.async_block_till_done()
    assert issue(hass, "low_balance", setup_entry) is None  # 0: the warning is off
    assert len(fake_api.requests) == requests
    assert setup_entry.state is ConfigEntryState.LOADED


async def test_low_balance_at_start_warns_and_removal_clears(
    hass: HomeAssistant, config_entry: MockConfigEntry, fake_api: FakeAimlApi
) -> None:
    """Already low when Home Assistant starts: warned; removing the entry takes the issue."""
    events = async_capture_events(hass, EVENT_LOW_BALANCE)
    fake_api.keys[API_KEY] = 0.25
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, "low_balance", config_entry) is not None
    assert len(events) == 1
    assert await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, "low_balance", config_entry) is None

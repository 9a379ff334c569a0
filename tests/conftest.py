"""Shared fixtures: the fake AI/ML API and fake Deepgram on 127.0.0.1, a config entry."""

# Import the repository's custom_components before the harness plugin puts its own
# testing_config/custom_components package on the path (it would shadow ours).
import custom_components  # noqa: F401  # isort: skip

from collections.abc import AsyncGenerator, Generator
from dataclasses import replace
from pathlib import Path
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts.aura import Timeouts
from custom_components.aura_tts.connection import DATA_CLIENT_TUNING, ClientTuning
from custom_components.aura_tts.const import CONF_BASE_URL, DOMAIN, SUBENTRY_PROFILE
from custom_components.aura_tts.flow_forms import key_fingerprint, profile_data
from e2e.e2e_speaker.media_player import Speaker, speakers
from tests.aura.clients import QUICK_RETRY, TEST_TIMEOUTS
from tests.fake_aimlapi import FakeAimlApi, start
from tests.fake_deepgram import FakeDeepgram
from tests.speakers import add_players, read_stream

API_KEY = "test-key"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


@pytest.fixture(autouse=True)
def tts_cache_dir(tmp_path: Path) -> Generator[Path]:
    """Keep TTS audio files in a temporary folder."""
    cache = tmp_path / "tts"
    with patch("homeassistant.components.tts.DEFAULT_CACHE_DIR", str(cache)):
        yield cache


# The library tests' quick retries and generous read timeout (see tests.aura.clients).
TEST_TUNING = ClientTuning(timeouts=TEST_TIMEOUTS, retry=QUICK_RETRY)


@pytest.fixture(autouse=True)
def client_tuning(hass: HomeAssistant) -> ClientTuning:
    """Every client the integration makes gets the tests' timeouts and retries."""
    hass.data[DATA_CLIENT_TUNING] = TEST_TUNING
    return TEST_TUNING


@pytest.fixture
def short_read_timeout(hass: HomeAssistant, client_tuning: ClientTuning) -> None:
    """A 1 s read timeout, for the tests that make the service stall (for 3 s or more)."""
    hass.data[DATA_CLIENT_TUNING] = replace(client_tuning, timeouts=Timeouts(read=1.0))


@pytest.fixture
async def fake_api(socket_enabled: None) -> AsyncGenerator[FakeAimlApi]:
    """The fake AI/ML API, serving on a free port of 127.0.0.1."""
    fake = FakeAimlApi(keys={API_KEY: 42.5})
    runner, _ = await start(fake)
    yield fake
    await runner.cleanup()


@pytest.fixture
async def fake_deepgram(socket_enabled: None) -> AsyncGenerator[FakeDeepgram]:
    """The fake Deepgram API, serving on a free port of 127.0.0.1."""
    fake = FakeDeepgram(keys={API_KEY: 42.5})
    runner, _ = await start(fake)
    yield fake
    await runner.cleanup()


def add_entry(
    hass: HomeAssistant,
    url: str,
    voice: str = "#g1_aura-2-thalia-en",
    *,
    title: str = "Aura TTS",
    **data: str,
) -> MockConfigEntry:
    """An entry of the test key at ``url`` with one profile of ``voice``, added, not set up.

    The profile is titled "Aura TTS", so its entity is tts.aura_tts_speech (helpers.ENTITY_ID).
    ``data``: more of the entry's data (``service="deepgram"``).
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        version=2,
        unique_id=key_fingerprint(API_KEY),
        data={CONF_API_KEY: API_KEY, CONF_BASE_URL: url, **data},
        subentries_data=[
            ConfigSubentryData(
                subentry_type=SUBENTRY_PROFILE,
                title="Aura TTS",
                data=profile_data(voice),
                unique_id=None,
            )
        ],
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
def config_entry(hass: HomeAssistant, fake_api: FakeAimlApi) -> MockConfigEntry:
    """A config entry for the fake API, added to Home Assistant but not set up."""
    return add_entry(hass, fake_api.url)


@pytest.fixture
async def setup_entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The config entry, set up."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
async def players(hass: HomeAssistant) -> dict[str, Speaker]:
    """The two e2e speakers (one announces, one plays as media), set up in Home Assistant."""
    entities = speakers(read_stream)
    await add_players(hass, entities)
    return {entity.entity_id: entity for entity in entities}

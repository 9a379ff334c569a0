"""The library half's tests: no Home Assistant is started for them.

The Home Assistant fixtures that tests/conftest.py turns on for every test are turned off
here; each client gets its timeouts and retries passed in (tests.aura.clients).
"""

from collections.abc import AsyncGenerator

import aiohttp
import pytest


@pytest.fixture
def auto_enable_custom_integrations() -> None:
    """No Home Assistant: nothing to enable."""


@pytest.fixture
def tts_cache_dir() -> None:
    """No Home Assistant: no TTS cache."""


@pytest.fixture
def client_tuning() -> None:
    """No Home Assistant: clients are given their tuning where they are made."""


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    """A web session of the test's own (the integration uses Home Assistant's)."""
    async with aiohttp.ClientSession() as session:
        yield session

"""A client for the library tests, with the timeouts and retries passed in."""

from typing import Any

import aiohttp

from custom_components.aura_tts.aura import AuraClient, DeepgramClient, RetryPolicy, Timeouts
from tests.fake_aimlapi import FakeAimlApi
from tests.fake_deepgram import FakeDeepgram

# Retries as in production but with short waits, so fault tests stay fast. The read timeout
# stays generous: a busy machine (two Home Assistants on two cores) must not turn a slow
# answer into a failure; tests of stalls pass a shorter one, with stalls far longer than it.
QUICK_RETRY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, budget=2.0)
TEST_TIMEOUTS = Timeouts(read=15.0)


def client_for(
    session: aiohttp.ClientSession, server: FakeAimlApi | str, **settings: Any
) -> AuraClient:
    """A client of ``server`` (the fake, or a URL) with the tests' quick retries unless
    ``settings`` says otherwise (``retry=``, ``timeouts=``, ``request_style=``)."""
    url = server if isinstance(server, str) else server.url
    settings.setdefault("timeouts", TEST_TIMEOUTS)
    settings.setdefault("retry", QUICK_RETRY)
    return AuraClient(session, "test-key", url, **settings)


def deepgram_client_for(
    session: aiohttp.ClientSession, server: FakeDeepgram | str, **settings: Any
) -> DeepgramClient:
    """A Deepgram client of ``server`` with the tests' quick retries (see client_for)."""
    url = server if isinstance(server, str) else server.url
    settings.setdefault("timeouts", TEST_TIMEOUTS)
    settings.setdefault("retry", QUICK_RETRY)
    return DeepgramClient(session, "test-key", url, **settings)

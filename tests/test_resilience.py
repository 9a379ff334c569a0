"""Never silent, never leaking: every fault in both paths, repairs, outage logging, the key."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aura_tts.const import DOMAIN
from custom_components.aura_tts.diagnostics import (
    async_get_config_entry_diagnostics,
    redact_url,
)
from tests.conftest import API_KEY
from tests.fake_aimlapi import FakeAimlApi
from tests.helpers import speak

# Stalls are among the faults: they time out at 1 s (conftest.short_read_timeout).
pytestmark = pytest.mark.usefixtures("short_read_timeout")

MESSAGE = "The garage door is open. Please close it before you go to bed."
PATHS = ["message", "stream"]


async def assert_nothing_left(hass: HomeAssistant, fake_api: FakeAimlApi, before: set[Any]) -> None:
    """No request still open at the service, no connection checked out, no task running."""
    await hass.async_block_till_done()

    def still_running() -> set[asyncio.Task[Any]]:
        # Server-side connection handlers (the fake's, HA's HTTP) are not ours to close.
        return {
            task
            for task in asyncio.all_tasks() - before
            if not task.done()
            and task is not asyncio.current_task()
            and task.get_coro().__qualname__ != "RequestHandler.start"  # type: ignore[union-attr]
        }

    # Home Assistant's background cache writer may need a moment; nothing may need more.
    for _ in range(200):
        if fake_api.in_flight == 0 and not still_running():
            break
        await asyncio.sleep(0.01)
    assert fake_api.in_flight == 0
    assert not still_running()
    connector = async_get_clientsession(hass).connector
    assert connector is not None
    assert not connector._acquired


FAULTS = [
    pytest.param({"kind": "status", "status": 401}, "rejected the API key", id="401"),
    # A 403 the free endpoints cannot explain (the balance is fine): the service's words.
    pytest.param(
        {"kind": "status", "status": 403}, "refused the request: HTTP 403: Injected", id="403"
    ),
    pytest.param({"kind": "status", "status": 413}, "too long", id="413"),
    pytest.param(
        {"kind": "status", "status": 429, "retry_after": 60}, "too many requests", id="429-late"
    ),
    pytest.param({"kind": "status", "status": 429}, "too many requests", id="429-retried"),
    pytest.param({"kind": "status", "status": 500}, "had a problem", id="500"),
    pytest.param({"kind": "status", "status": 503}, "had a problem", id="503-retried"),
    pytest.param(
        {"kind": "status", "status": 422, "body": {"message": "encoding is odd"}},
        "refused the request: HTTP 422: encoding is odd",
        id="422",
    ),
    pytest.param({"kind": "html", "status": 200}, "text/html, not audio", id="html-200"),
    pytest.param({"kind": "html", "status": 502}, "error page", id="html-502"),
    pytest.param({"kind": "content_type"}, "text/plain, not audio", id="content-type"),
    pytest.param({"kind": "json_no_audio"}, "no audio URL", id="json-no-audio"),
    pytest.param({"kind": "url_404"}, "audio URL answered HTTP 404", id="url-404"),
    pytest.param({"kind": "truncate"}, "cut short", id="truncated"),
    pytest.param({"kind": "drop", "after_bytes": 10}, "Could not reach", id="drop-mid"),
    pytest.param({"kind": "drop", "after_bytes": 0}, "Could not reach", id="drop-start"),
    pytest.param({"kind": "stall", "after_bytes": 1, "seconds": 3}, "Could not reach", id="stall"),
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("fault", "message"), FAULTS)
async def test_every_fault_is_a_clear_error_and_nothing_is_left_behind(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    fault: dict[str, Any],
    message: str,
    path: str,
) -> None:
    """The user reads what happened; Home Assistant and the next request still work."""
    fake_api.chunk_size = 8
    before = asyncio.all_tasks()
    fake_api.add_fault(count=None, **fault)  # the fault persists through any retries
    with pytest.raises(HomeAssistantError, match=message) as caught:
        await speak(hass, MESSAGE, word_by_word=path == "stream")
    assert API_KEY not in str(caught.value)
    await assert_nothing_left(hass, fake_api, before)

    issues = ir.async_get(hass).issues
    flows = hass.config_entries.flow.async_progress()
    if fault.get("status") == 401:
        assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    else:
        assert not flows
        assert not [key for key in issues if key[0] == DOMAIN]

    fake_api.faults.clear()
    assert (await speak(hass, MESSAGE, word_by_word=path == "stream"))[:4] == b"RIFF"
    await assert_nothing_left(hass, fake_api, before)


@pytest.mark.usefixtures("setup_entry")
async def test_a_passing_failure_is_retried_and_the_user_hears_the_message(
    hass: HomeAssistant, fake_api: FakeAimlApi, setup_entry: MockConfigEntry
) -> None:
    fake_api.add_fault("status", status=503, count=2)
    assert (await speak(hass, MESSAGE))[:4] == b"RIFF"
    assert len(fake_api.tts_requests()) == 3
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_entry)
    assert diagnostics["client"]["retries"] == 2
    assert diagnostics["service"]["failures_by_kind"] == {}


async def test_no_credit_repair_issue_comes_and_goes(
    hass: HomeAssistant, fake_api: FakeAimlApi, config_entry: MockConfigEntry
) -> None:
    """Set up with an empty account: a repair issue; after a top-up, the next message clears it."""
    fake_api.keys[API_KEY] = 0
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    issue_id = (DOMAIN, f"no_credit_{config_entry.entry_id}")
    issue = ir.async_get(hass).issues[issue_id]
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_key == "no_credit"
    with pytest.raises(HomeAssistantError, match="no credit left"):
        await speak(hass, MESSAGE)
    assert issue_id in ir.async_get(hass).issues

    fake_api.keys[API_KEY] = 10
    await speak(hass, "Thank you for topping up.")
    assert issue_id not in ir.async_get(hass).issues

    # Removing the entry takes a standing issue with it.
    fake_api.keys[API_KEY] = 0
    with pytest.raises(HomeAssistantError):
        await speak(hass, "One more.")
    assert issue_id in ir.async_get(hass).issues
    await hass.config_entries.async_remove(config_entry.entry_id)
    assert issue_id not in ir.async_get(hass).issues


@pytest.mark.usefixtures("setup_entry")
async def test_an_outage_is_logged_once_and_the_recovery_once(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_api.add_fault("status", status=500, count=3)
    for attempt in range(3):
        with pytest.raises(HomeAssistantError):
            await speak(hass, f"Attempt {attempt}.")
    await speak(hass, "Back again.")
    await speak(hass, "Still here.")
    ours = [r for r in caplog.records if r.name.startswith("custom_components.aura_tts")]
    assert [r.levelno for r in ours if r.levelno >= logging.INFO] == [
        logging.WARNING,
        logging.INFO,
    ]
    assert "cannot be used" in ours[0].getMessage()

    diagnostics = await async_get_config_entry_diagnostics(hass, setup_entry)
    assert diagnostics["service"]["available"] is True
    assert diagnostics["service"]["failures_by_kind"] == {"server_error": 3}
    assert [f["kind"] for f in diagnostics["service"]["recent_failures"]] == ["server_error"] * 3


async def test_the_key_never_leaks(
    hass: HomeAssistant,
    fake_api: FakeAimlApi,
    setup_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Not in any log record (all levels), exception, diagnostics, or request elsewhere."""
    caplog.set_level(logging.DEBUG)
    second_key, wrong_key = "sk-second-9f8e7d6c5b4a", "sk-wrong-1a2b3c4d5e6f"
    fake_api.keys[second_key] = 5.0
    secrets = [API_KEY, second_key, wrong_key]

    # A config flow: a wrong key, then a right one.
    flow = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "aimlapi"}
    )
    for key in (wrong_key, second_key):
        flow = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {"api_key": key, "advanced": {"base_url": fake_api.url}}
        )
    assert flow["step_id"] == "voice"
    hass.config_entries.flow.async_abort(flow["flow_id"])

    # Every kind of failure, including a service that echoes the key back.
    errors: list[HomeAssistantError] = []
    for fault in (
        {"kind": "status", "status": 400, "body": {"message": f"Bad key {API_KEY}"}},
        {"kind": "status", "status": 401, "body": {"message": f"Unknown key {API_KEY}"}},
        {"kind": "status", "status": 403},
        {"kind": "status", "status": 500, "body": f"<pre>Authorization: Bearer {API_KEY}</pre>"},
        {"kind": "html", "status": 502},
        {"kind": "drop", "after_bytes": 5},
        {"kind": "url_404"},
    ):
        fake_api.faults.clear()
        fake_api.add_fault(count=None, **fault)
        with pytest.raises(HomeAssistantError) as caught:
            await speak(hass, f"Fault {fault}.")
        errors.append(caught.value)
    fake_api.faults.clear()
    fake_api.response_shape = "json"  # the audio comes from a URL the service gives
    await speak(hass, "Audio by link.", word_by_word=True)
    diagnostics = json.dumps(await async_get_config_entry_diagnostics(hass, setup_entry))

    texts = [diagnostics]
    texts += [f"{e} {e.translation_placeholders}" for e in errors]
    for record in caplog.records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    for secret in secrets:
        assert not [text for text in texts if secret in text]
    assert any("[redacted]" in text for text in texts)  # the echoed key was caught

    for request in fake_api.requests:
        if request.path.startswith("/files/"):
            assert not any(secret in str(request.headers) for secret in secrets)
        else:
            assert request.path in {"/v1/tts", "/v1/key", "/v2/billing", "/v2/usage"}
    assert any(r.path.startswith("/files/") for r in fake_api.requests)


@pytest.mark.parametrize("path", PATHS)
async def test_a_failed_piece_stops_the_pieces_being_made_ahead(
    hass: HomeAssistant, fake_api: FakeAimlApi, setup_entry: MockConfigEntry, path: str
) -> None:
    """Long text: when the first piece fails, the requests made ahead are closed at once."""
    fake_api.rtf = 1.0  # each later piece would take minutes to finish on its own
    fake_api.chunk_size = 1024
    fake_api.add_fault("drop", after_bytes=2048)
    before = asyncio.all_tasks()
    text = " ".join(f"Sentence number {n} of a very long message." for n in range(150))
    with pytest.raises(HomeAssistantError, match="Could not reach"):
        await speak(hass, text, word_by_word=path == "stream")
    assert len(fake_api.tts_requests()) > 1  # pieces were being made ahead
    await assert_nothing_left(hass, fake_api, before)
    assert all(r.cancelled or r.status != 200 for r in fake_api.tts_requests()[1:])


def test_diagnostics_redact_credentials_in_the_server_url() -> None:
    assert (
        redact_url("https://user:secret@gw.example/aiml?token=abc&x=1")
        == "https://**REDACTED**@gw.example/aiml?token=**REDACTED**&x=**REDACTED**"
    )
    assert redact_url("https://api.aimlapi.com") == "https://api.aimlapi.com"


async def test_diagnostics_show_the_server_without_its_credentials(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    """Also for an entry that cannot start: a new server is reloaded at once and cannot be
    reached there (nothing listens on port 9), so there is no client to describe."""
    url = "http://user:gateway-secret@127.0.0.1:9/v?token=t0k3n"
    hass.config_entries.async_update_entry(setup_entry, data={**setup_entry.data, "base_url": url})
    await hass.async_block_till_done()
    assert setup_entry.state is not ConfigEntryState.LOADED
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_entry)
    text = json.dumps(diagnostics)
    assert "gateway-secret" not in text
    assert "t0k3n" not in text
    assert "127.0.0.1:9/v" in text
    assert "client" not in diagnostics

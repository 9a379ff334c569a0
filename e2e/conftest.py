"""A real Home Assistant (2026.11.0) process, the fake AI/ML API and the fake Deepgram.

Run by scripts/test in the ``ha`` venv. Home Assistant runs as its own process with a
temporary configuration that loads this working tree's integration and a test speaker
(e2e/e2e_speaker); the fake AI/ML API runs in a thread of the test process, so tests can read its
request log. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from dataclasses import dataclass, field
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import aiohttp
import pytest
import requests

from scripts.ha_config import write_config
from scripts.net import free_port
from tests.fake_aimlapi import FakeAimlApi, start
from tests.fake_deepgram import FakeDeepgram

REPO = Path(__file__).resolve().parent.parent
OWNER = {"name": "Test Owner", "username": "owner", "password": "correct horse battery"}
KEYS = {"rest": "e2e-rest-key-0123456789", "browser": "e2e-browser-key-9876543210"}
DEEPGRAM_KEY = "e2e-deepgram-key-5647382910"
STARTUP_SECONDS = 180
FFMPEG_RUNS = "ffmpeg-runs.log"


@dataclass
class FakeServer:
    """A fake service (the AI/ML API, or Deepgram), served from a thread with its own loop."""

    fake: FakeAimlApi  # or FakeDeepgram, its subclass
    loop: asyncio.AbstractEventLoop
    url: str = ""

    def tts_requests_since(self, count: int) -> list[Any]:
        """The synthesis requests logged after the first ``count``."""
        return self.fake.tts_requests()[count:]


def _serve(fake: FakeAimlApi) -> Generator[FakeServer]:
    """Serve ``fake`` on a free port of 127.0.0.1 from a thread of its own."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner, url = asyncio.run_coroutine_threadsafe(start(fake), loop).result(30)
    yield FakeServer(fake, loop, url)
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture(scope="session")
def fake_server() -> Generator[FakeServer]:
    """The fake AI/ML API, accepting both test keys."""
    yield from _serve(FakeAimlApi(keys=dict.fromkeys(KEYS.values(), 42.5), ttfb=0.05))


@pytest.fixture(scope="session")
def fake_deepgram_server() -> Generator[FakeServer]:
    """The fake Deepgram, accepting the Deepgram test key."""
    yield from _serve(FakeDeepgram(keys={DEEPGRAM_KEY: 42.5}, ttfb=0.05))


@dataclass
class HomeAssistant:
    """A running ``hass`` process and an owner's access token."""

    url: str
    config_dir: Path
    log: Path
    process: subprocess.Popen[bytes]
    token: str = ""
    state: dict[str, Any] = field(default_factory=dict)  # what one test leaves the next

    @property
    def headers(self) -> dict[str, str]:
        """Authorization for the REST API."""
        return {"Authorization": f"Bearer {self.token}"}

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the REST API as the owner; return the decoded JSON answer."""
        response = requests.request(
            method, self.url + path, headers=self.headers, timeout=60, **kwargs
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def websocket(self, message: dict[str, Any]) -> Any:
        """One command over the WebSocket API, as the owner; its result."""
        return asyncio.run(_websocket(self, message))

    def stop(self) -> int:
        """Stop Home Assistant as a service manager does (SIGTERM); return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


async def _websocket(home_assistant: HomeAssistant, message: dict[str, Any]) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(home_assistant.url + "/api/websocket") as ws,
    ):
        assert (await ws.receive_json())["type"] == "auth_required"
        await ws.send_json({"type": "auth", "access_token": home_assistant.token})
        assert (await ws.receive_json())["type"] == "auth_ok"
        await ws.send_json({"id": 1, **message})
        answer = await ws.receive_json()
        assert answer["success"], answer
        return answer["result"]


def ffmpeg_runs(config_dir: Path) -> list[str]:
    """Every ffmpeg command Home Assistant has started, through the counting wrapper."""
    runs = config_dir / FFMPEG_RUNS
    return runs.read_text().splitlines() if runs.exists() else []


def _write_config(config_dir: Path, port: int) -> None:
    # Home Assistant's ffmpeg (its own conversions and ours) is a wrapper that writes down
    # each command before running the real ffmpeg, so a test can tell whether one ran.
    wrapper = config_dir / "ffmpeg-counting"
    real = shutil.which("ffmpeg")
    assert real, "ffmpeg is missing"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {config_dir / FFMPEG_RUNS}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    # e2e_speaker: its speakers, and its fallback voice (a TTS entity, made from the YAML).
    extra = (
        "media_player:\n  - platform: e2e_speaker\ne2e_speaker:\n"
        f"ffmpeg:\n  ffmpeg_bin: {wrapper}\n"
    )
    write_config(config_dir, port, extra_yaml=extra)
    (config_dir / "custom_components" / "e2e_speaker").symlink_to(
        Path(__file__).parent / "e2e_speaker"
    )


def _wait_until_up(home_assistant: HomeAssistant) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if home_assistant.process.poll() is not None:
            raise RuntimeError(f"hass exited:\n{home_assistant.log.read_text()[-3000:]}")
        try:
            if requests.get(home_assistant.url + "/api/onboarding", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"hass did not start in {STARTUP_SECONDS} s")


def _onboard(home_assistant: HomeAssistant) -> None:
    """Create the owner as the onboarding screens do, and finish onboarding."""
    client_id = home_assistant.url + "/"
    answer = requests.post(
        home_assistant.url + "/api/onboarding/users",
        json={**OWNER, "client_id": client_id, "language": "en"},
        timeout=60,
    )
    answer.raise_for_status()
    token = requests.post(
        home_assistant.url + "/auth/token",
        data={
            "grant_type": "authorization_code",
            "code": answer.json()["auth_code"],
            "client_id": client_id,
        },
        timeout=60,
    )
    token.raise_for_status()
    home_assistant.token = token.json()["access_token"]
    home_assistant.api("POST", "/api/onboarding/core_config")
    home_assistant.api("POST", "/api/onboarding/analytics")
    home_assistant.api(
        "POST",
        "/api/onboarding/integration",
        json={"client_id": client_id, "redirect_uri": client_id},
    )
    # Onboarding adds Google Translate TTS (a moment later), whose library is not here.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        entries = home_assistant.api("GET", "/api/config/config_entries/entry")
        google = [e["entry_id"] for e in entries if e["domain"] == "google_translate"]
        if google:
            home_assistant.api("DELETE", f"/api/config/config_entries/entry/{google[0]}")
            break
        time.sleep(0.2)


@pytest.fixture(scope="session")
def home_assistant(
    tmp_path_factory: pytest.TempPathFactory, fake_server: FakeServer
) -> Generator[HomeAssistant]:
    """Home Assistant 2026.11.0 at a free port, onboarded, with the integration available."""
    config_dir = tmp_path_factory.mktemp("ha-config")
    port = free_port()
    _write_config(config_dir, port)
    log = config_dir / "hass-output.log"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("hass")), "-c", str(config_dir), "--skip-pip"],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    home_assistant = HomeAssistant(f"http://127.0.0.1:{port}", config_dir, log, process)
    try:
        _wait_until_up(home_assistant)
        _onboard(home_assistant)
        yield home_assistant
    finally:
        home_assistant.stop()


@dataclass
class Develop:
    """``scripts/develop`` as a developer runs it, started when the session starts."""

    process: subprocess.Popen[bytes]
    port: int
    config_dir: Path
    log: Path
    started: float


@pytest.fixture(scope="session", autouse=True)
def develop(tmp_path_factory: pytest.TempPathFactory) -> Generator[Develop]:
    """Started first, so the other tests run while its Home Assistant ages (see test_zz)."""
    config_dir = tmp_path_factory.mktemp("develop-config")
    log = config_dir / "develop-output.log"
    port = free_port()
    env = {
        **os.environ,
        "AURA_DEVELOP_CONFIG": str(config_dir),
        "AURA_DEVELOP_PORT": str(port),
        "AURA_FAKE_PORT": str(free_port()),
        "AURA_FAKE_DEEPGRAM_PORT": str(free_port()),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(REPO / "scripts" / "develop"), "--skip-pip"],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
            start_new_session=True,
        )
    yield Develop(process, port, config_dir, log, time.monotonic())
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

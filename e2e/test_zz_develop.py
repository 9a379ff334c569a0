"""scripts/develop's Home Assistant keeps running on 127.0.0.1 past the five-minute mark.

Home Assistant 2026.11 treats HTTP settings in configuration.yaml as a pending config and,
unless someone confirms it, reverts and restarts itself five minutes after start; nothing
restarts it under scripts/develop. This runs last: the develop fixture started at the
beginning of the session, so most of the six minutes pass while the other tests run.
"""

from __future__ import annotations

from pathlib import Path
import time

import requests

from e2e.conftest import Develop

AGE_SECONDS = 6 * 60


def hass_pids(config_dir: Path) -> set[int]:
    """Processes running ``hass -c config_dir``."""
    pids = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(part.endswith(b"/hass") for part in cmdline) and str(config_dir).encode() in cmdline:
            pids.add(int(proc.name))
    return pids


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


def wait_until_up(develop: Develop) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert develop.process.poll() is None, develop.log.read_text()[-3000:]
        try:
            if requests.get(f"http://127.0.0.1:{develop.port}/api/onboarding", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(1)
    raise AssertionError(f"scripts/develop did not start:\n{develop.log.read_text()[-3000:]}")


def test_develop_is_still_the_same_home_assistant_on_127_0_0_1_after_six_minutes(
    develop: Develop,
) -> None:
    wait_until_up(develop)
    [first] = hass_pids(develop.config_dir)
    remaining = AGE_SECONDS - (time.monotonic() - develop.started)
    if remaining > 0:
        time.sleep(remaining)
    assert develop.process.poll() is None, develop.log.read_text()[-3000:]
    assert hass_pids(develop.config_dir) == {first}
    assert requests.get(f"http://127.0.0.1:{develop.port}/api/onboarding", timeout=10).ok
    assert listening_addresses(develop.port) == {"0100007F"}  # 127.0.0.1, nothing else
    log = develop.log.read_text()
    assert "Pending HTTP config" not in log
    assert "offline-demo-key" in log  # the fake API is there too, as the README says
    assert "a fake Deepgram runs at" in log  # and the fake Deepgram (the other account)

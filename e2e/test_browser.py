"""A person's first set-up, in a real browser: log in, add Aura TTS, pick a voice, add a
second voice profile.

Headless Chromium from the system (Debian's package), driven by Playwright through
``executable_path``: Playwright's own browser download cannot work without internet.
Screenshots go to a temporary folder, or to docs/images/ with AURA_SCREENSHOTS=docs/images
(how the README's pictures are made).
"""

from __future__ import annotations

from collections.abc import Generator
import os
from pathlib import Path
import re
import shutil

from playwright.sync_api import Browser, Page, expect, sync_playwright
import pytest

from e2e.conftest import KEYS, OWNER, REPO, FakeServer, HomeAssistant

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
TIMEOUT_MS = 30_000


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise RuntimeError("no Chromium on PATH (scripts/py314's environment installs one)")


@pytest.fixture(scope="module")
def browser() -> Generator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    wanted = os.environ.get("AURA_SCREENSHOTS")
    folder = REPO / wanted if wanted else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_in(page: Page, ha: HomeAssistant) -> None:
    page.goto(ha.url)
    page.get_by_role("textbox", name="Username").fill(OWNER["username"])
    page.get_by_role("textbox", name="Password").fill(OWNER["password"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/(lovelace|home)"), timeout=TIMEOUT_MS)


def test_add_aura_tts_through_the_ui(
    browser: Browser, home_assistant: HomeAssistant, fake_server: FakeServer, shots: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-US")
    page.set_default_timeout(TIMEOUT_MS)
    try:
        add_through_the_ui(page, home_assistant, fake_server, shots)
    except Exception:
        page.screenshot(path=shots / "failure.png")  # what the browser showed when it failed
        raise
    entries = home_assistant.api("GET", "/api/config/config_entries/entry?domain=aura_tts")
    assert [entry["state"] for entry in entries] == ["loaded"]


def add_through_the_ui(
    page: Page, home_assistant: HomeAssistant, fake_server: FakeServer, shots: Path
) -> None:
    """Log in, add Aura TTS with the fake server, pick Apollo, finish."""
    log_in(page, home_assistant)

    page.goto(home_assistant.url + "/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click()
    page.get_by_placeholder("Search for a brand name").fill("Aura TTS")
    page.get_by_text("Aura TTS", exact=True).click()

    # The first question: which account the key is for.
    expect(page.get_by_text("Which account is the key for?")).to_be_visible()
    page.screenshot(path=shots / "setup-account.png")
    page.get_by_text(re.compile("^AI/ML API")).click()

    # The key step: the key, and the fake server under Advanced.
    expect(page.get_by_text("Connect to the AI/ML API")).to_be_visible()
    page.get_by_role("textbox", name=re.compile("API key")).fill(KEYS["browser"])
    page.get_by_text("Advanced", exact=True).click()
    page.get_by_role("textbox", name=re.compile("Server URL")).fill(fake_server.url)
    page.screenshot(path=shots / "setup-key.png")
    page.get_by_role("button", name=re.compile("Submit|Next")).click()

    # The voice step: open the dropdown, look, pick Apollo.
    expect(page.get_by_text("Choose a voice")).to_be_visible()
    page.get_by_text("#g1_aura-2-thalia-en", exact=True).click()
    expect(page.get_by_text(re.compile("^Thalia — Aura 2"))).to_be_visible()
    page.screenshot(path=shots / "setup-voice.png")
    page.get_by_placeholder(re.compile("Search")).last.fill("Apollo")
    page.get_by_text(re.compile("^Apollo — Aura 2")).click()
    page.get_by_role("button", name=re.compile("Submit|Next")).click()

    # Done: the entry exists with its TTS entity and the account sensors.
    page.get_by_role("button", name="Finish").click()
    page.goto(home_assistant.url + "/config/integrations/integration/aura_tts")
    expect(page.get_by_text("Deepgram Aura").first).to_be_visible()
    page.wait_for_timeout(1500)  # let the page's fade-in finish before the picture
    page.screenshot(path=shots / "setup-done.png")
    page.get_by_text("5 entities").first.click()  # speech, balance, spend x2, characters
    page.wait_for_url(re.compile("/config/entities"))
    expect(page.get_by_placeholder("Search 5 entities")).to_be_visible()
    expect(page.get_by_text("Aura TTS", exact=True).first).to_be_visible()
    page.screenshot(path=shots / "setup-entity.png")

    # A second voice profile, from the entry's "Add voice profile".
    page.goto(home_assistant.url + "/config/integrations/integration/aura_tts")
    page.get_by_role("button", name="Add voice profile").first.click()
    expect(page.get_by_text("Add a voice profile")).to_be_visible()
    page.get_by_role("textbox", name="Name").fill("Cocina")
    page.get_by_text("#g1_aura-2-thalia-en", exact=True).click()
    page.get_by_placeholder(re.compile("Search")).last.fill("Celeste")
    page.get_by_text(re.compile("^Celeste — Aura 2")).click()
    page.wait_for_timeout(500)
    page.screenshot(path=shots / "profile-form.png")
    page.get_by_role("button", name=re.compile("Submit|Next")).click()
    page.get_by_role("button", name="Finish").click()
    states = {s["entity_id"] for s in home_assistant.api("GET", "/api/states")}
    assert {"tts.apollo_speech", "tts.cocina_speech"} <= states

"""Call the real AI/ML API once per thing the integration relies on, and print what came back.

Run through scripts/live-check. Costs a few cents of credit. Never run by CI.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import aiohttp

from custom_components.aura_tts.aura.audio import AudioFormat, plan_output
from custom_components.aura_tts.aura.client import DEFAULT_BASE_URL, RequestStyle, build_tts_body

TEXT = "Hello from Home Assistant. This is a live check of the Aura voices."
VOICE = "#g1_aura-2-thalia-en"


def decoded_seconds(data: bytes) -> str:
    """Duration as ffmpeg decodes it (the same check the fake server's tests use)."""
    try:
        pcm = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", "-", "-f", "s16le", "-ac", "1", "-ar", "16000", "-"],
            input=data,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        return f"undecodable ({type(err).__name__})"
    return f"{len(pcm) / 32000:.2f} s"


async def show(response: aiohttp.ClientResponse, label: str) -> None:
    data = await response.read()
    kind = response.content_type
    facts = (
        decoded_seconds(data) if kind.startswith("audio/") else data[:200].decode(errors="replace")
    )
    print(f"{label:<42} {response.status}  {kind:<18} {len(data):>8} B  {facts}")


async def main() -> int:
    key = os.environ.get("AIMLAPI_API_KEY")
    if not key:
        print("Set AIMLAPI_API_KEY (and optionally AIMLAPI_BASE_URL) to run the live check.")
        return 2
    base = (os.environ.get("AIMLAPI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    auth = {"Authorization": f"Bearer {key}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/v2/billing", headers=auth) as response:
            await show(response, "GET /v2/billing (the key check)")
        requests: list[tuple[str, dict[str, Any]]] = [
            (f"style {style.value}", build_tts_body(style, VOICE, TEXT, AudioFormat()))
            for style in RequestStyle
        ]
        for wanted in [(None,), ("wav", 16000), ("wav", 24000), ("ogg",), ("aac",)]:
            plan = plan_output(*wanted)  # type: ignore[arg-type]
            body = build_tts_body(RequestStyle.LEGACY, VOICE, TEXT, plan.request)
            requests.append((f"format {plan.request.request_fields()}", body))
        for label, body in requests:
            async with session.post(f"{base}/v1/tts", json=body, headers=auth) as response:
                await show(response, label)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

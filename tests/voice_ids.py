"""Which voice a recorded synthesis request asked for (no Home Assistant imports: e2e uses it)."""

from __future__ import annotations

from typing import Any

from custom_components.aura_tts.aura.voices import VOICES


def voice_of(body: dict[str, Any]) -> str:
    """The voice ID a synthesis request asked for, in either request style."""
    model = str(body["model"])
    if not model.startswith("deepgram/"):
        return model
    generation = model.removeprefix("deepgram/")
    [voice_id] = [
        v.voice_id
        for v in VOICES.values()
        if v.generation.value == generation and v.name == body["voice"]
    ]
    return voice_id

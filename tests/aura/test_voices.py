"""The voice catalogue: every documented voice once, labels, languages, voice IDs."""

from __future__ import annotations

import json
from pathlib import Path

from custom_components.aura_tts.aura.voices import (
    AIMLAPI_VOICES,
    VOICES,
    Generation,
    parse_voice_id,
)

SEEDS = Path(__file__).parent.parent / "fake_aimlapi" / "openapi"


def seed_ids() -> list[str]:
    """Every "#g1_..." model ID of the published legacy-style schemas."""
    ids: list[str] = []
    for name in ("aura.legacy-model-ids.json", "aura-2.legacy-model-ids.json"):
        spec = json.loads((SEEDS / name).read_text())
        schema = spec["paths"]["/v1/tts"]["post"]["requestBody"]["content"]["application/json"]
        ids += [m for m in schema["schema"]["properties"]["model"]["enum"] if m.startswith("#")]
    return ids


def test_catalog_has_every_documented_voice_once() -> None:
    documented = set(seed_ids()) | {"#g1_aura-2-draco-en"}  # draco: seed page, newer API
    assert documented <= set(VOICES)
    assert len(VOICES) == 56 == len(set(VOICES))
    assert sum(v.generation is Generation.AURA for v in VOICES.values()) == 12


def test_labels_and_languages() -> None:
    thalia = VOICES["#g1_aura-2-thalia-en"]
    assert thalia.label == "Thalia — Aura 2 · English (US) · feminine"
    assert "older" in VOICES["#g1_aura-asteria-en"].label
    assert VOICES["#g1_aura-2-celeste-es"].language == "es-CO"
    languages = set(AIMLAPI_VOICES.supported_languages())
    assert {"en", "en-US", "en-GB", "en-AU", "es", "es-MX"} <= languages


def test_voices_for_language() -> None:
    assert {v.base_language for v in AIMLAPI_VOICES.voices_for_language("es")} == {"es"}
    british = AIMLAPI_VOICES.voices_for_language("en-GB")
    assert [v.language for v in british[:4]] == ["en-GB"] * 4
    assert AIMLAPI_VOICES.voices_for_language("fr") == []


def test_parse_voice_id() -> None:
    assert parse_voice_id("#g1_aura-2-thalia-en") is VOICES["#g1_aura-2-thalia-en"]
    future = parse_voice_id("#g1_aura-2-nova-pt")
    assert future is not None
    assert (future.name, future.language, future.generation) == ("nova", "pt", Generation.AURA_2)
    assert future.label.startswith("Nova — Aura 2 · pt")
    # Deepgram's model names name the same voices; Deepgram's own voices are known too.
    thalia = parse_voice_id("aura-2-thalia-en")
    assert thalia is not None
    assert thalia.language == "en-US"
    julius = parse_voice_id("#g1_aura-2-julius-de")
    assert julius is not None
    assert (julius.language, julius.gender) == ("de-DE", "masculine")
    assert parse_voice_id("thalia") is None

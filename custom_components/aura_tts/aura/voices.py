"""The Aura voice catalog: every voice the AI/ML API documents for Deepgram Aura and Aura-2.

Voice IDs are exactly the model IDs of the AI/ML API documents (``#g1_aura-2-thalia-en``).
Language, accent and gender come from Deepgram's published voice descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import re


class Generation(StrEnum):
    """The model family a voice belongs to."""

    AURA = "aura"
    AURA_2 = "aura-2"


GENERATION_LABELS = {Generation.AURA: "Aura 1 (older)", Generation.AURA_2: "Aura 2"}

ACCENTS = {
    "en-US": "English (US)",
    "en-GB": "English (UK)",
    "en-AU": "English (Australia)",
    "en-IE": "English (Ireland)",
    "en-PH": "English (Philippines)",
    "es-CO": "Spanish (Colombia)",
    "es-ES": "Spanish (Spain)",
    "es-MX": "Spanish (Mexico)",
}

_VOICE_ID = re.compile(r"^#g1_(?P<model>aura(?:-2)?)-(?P<name>[a-z]+)-(?P<lang>[a-z]{2})$")


@dataclass(frozen=True, slots=True)
class Voice:
    """One Aura voice."""

    voice_id: str
    generation: Generation
    name: str
    language: str  # BCP 47 tag, with region when known, e.g. "en-US"
    gender: str  # "feminine" or "masculine", as Deepgram describes the voice

    @property
    def base_language(self) -> str:
        """Language without region, e.g. "en"."""
        return self.language.split("-", 1)[0]

    @property
    def label(self) -> str:
        """Readable label for dropdowns, e.g. "Thalia — Aura 2 · English (US) · feminine"."""
        return (
            f"{self.name.capitalize()} — {GENERATION_LABELS[self.generation]} · "
            f"{ACCENTS.get(self.language, self.language)} · {self.gender}"
        )


def _voices(generation: Generation, table: str) -> list[Voice]:
    """Build voices from "name language gender" lines."""
    prefix = f"#g1_{generation.value}"
    voices = []
    for line in table.strip().splitlines():
        name, language, gender = line.split()
        base = language.split("-", 1)[0]
        voices.append(Voice(f"{prefix}-{name}-{base}", generation, name, language, gender))
    return voices


AURA_2_VOICES = _voices(
    Generation.AURA_2,
    """
    amalthea en-PH feminine
    andromeda en-US feminine
    apollo en-US masculine
    arcas en-US masculine
    aries en-US masculine
    asteria en-US feminine
    athena en-US feminine
    atlas en-US masculine
    aurora en-US feminine
    callista en-US feminine
    cora en-US feminine
    cordelia en-US feminine
    delia en-US feminine
    draco en-GB masculine
    electra en-US feminine
    harmonia en-US feminine
    helena en-US feminine
    hera en-US feminine
    hermes en-US masculine
    hyperion en-AU masculine
    iris en-US feminine
    janus en-US feminine
    juno en-US feminine
    jupiter en-US masculine
    luna en-US feminine
    mars en-US masculine
    minerva en-US feminine
    neptune en-US masculine
    odysseus en-US masculine
    ophelia en-US feminine
    orion en-US masculine
    orpheus en-US masculine
    pandora en-GB feminine
    phoebe en-US feminine
    pluto en-US masculine
    saturn en-US masculine
    selene en-US feminine
    thalia en-US feminine
    theia en-AU feminine
    vesta en-US feminine
    zeus en-US masculine
    celeste es-CO feminine
    estrella es-MX feminine
    nestor es-ES masculine
    """,
)

AURA_VOICES = _voices(
    Generation.AURA,
    """
    angus en-IE masculine
    arcas en-US masculine
    asteria en-US feminine
    athena en-GB feminine
    helios en-GB masculine
    hera en-US feminine
    luna en-US feminine
    orion en-US masculine
    orpheus en-US masculine
    perseus en-US masculine
    stella en-US feminine
    zeus en-US masculine
    """,
)

VOICES: dict[str, Voice] = {voice.voice_id: voice for voice in AURA_2_VOICES + AURA_VOICES}
DEFAULT_VOICE_ID = "#g1_aura-2-thalia-en"
DEFAULT_LANGUAGE = "en"


def default_language_of(voice_id: str, supported: list[str]) -> str:
    """The language tag a voice speaks, as precisely as ``supported`` has it."""
    voice = parse_voice_id(voice_id)
    if voice is None:
        return DEFAULT_LANGUAGE
    for tag in (voice.language, voice.base_language):
        if tag in supported:
            return tag
    return DEFAULT_LANGUAGE


def stand_in_voice(default: Voice, language: str) -> Voice | None:
    """The voice that speaks ``language`` in place of ``default``, which does not.

    Of that language's voices (the language's region first, newest generation first), the
    first of the default's gender, else the first. None when no voice speaks it.
    """
    candidates = voices_for_language(language)
    same_gender = [voice for voice in candidates if voice.gender == default.gender]
    choices = same_gender or candidates
    return choices[0] if choices else None


def supported_languages() -> list[str]:
    """Every language tag the catalog covers: each base language and each region."""
    tags = {voice.language for voice in VOICES.values()}
    tags |= {voice.base_language for voice in VOICES.values()}
    return sorted(tags)


def voices_for_language(language: str) -> list[Voice]:
    """Voices that speak ``language``.

    A base tag ("en") gives every voice of that language. A regional tag ("en-GB") gives
    the same voices with that region's first: every English voice can read English text,
    and the listener's own accent is the likelier pick.
    """
    base = language.split("-", 1)[0]
    matching = [voice for voice in VOICES.values() if voice.base_language == base]
    return sorted(
        matching,
        key=lambda voice: (voice.language != language, voice.generation != Generation.AURA_2),
    )


def parse_voice_id(voice_id: str) -> Voice | None:
    """Return the catalog voice, or a voice built from a well-formed ID the catalog lacks.

    A voice the API adds later ("#g1_aura-2-newname-en") works without an update.
    Returns None when the ID is not of the documented shape.
    """
    if voice := VOICES.get(voice_id):
        return voice
    if not (match := _VOICE_ID.match(voice_id)):
        return None
    return Voice(voice_id, Generation(match["model"]), match["name"], match["lang"], "unknown")

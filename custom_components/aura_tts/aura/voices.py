"""The Aura voice catalogues: the AI/ML API's voices, and Deepgram's own (seven languages).

A voice ID is the AI/ML API's model ID (``#g1_aura-2-thalia-en``) or Deepgram's model name
(``aura-2-thalia-en``): both name the same voice, and either works with either account.
Language, accent and gender come from Deepgram's published voice descriptions; a Deepgram
account reads its catalogue from ``GET /v1/models`` (see :func:`catalogue_from_models`), with
the built-in list here as the fallback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
import re
from typing import Any, Final


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
    "es-419": "Spanish (Latin America)",
    "es-AR": "Spanish (Argentina)",
    "es-CO": "Spanish (Colombia)",
    "es-ES": "Spanish (Spain)",
    "es-MX": "Spanish (Mexico)",
    "de-DE": "German",
    "fr-FR": "French",
    "it-IT": "Italian",
    "ja-JP": "Japanese",
    "nl-NL": "Dutch",
}
LANGUAGE_NAMES: Final = {
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "ja": "Japanese",
    "nl": "Dutch",
}
# Deepgram's speed setting (0.7-1.5) works for Aura-2 voices of these languages only.
SPEED_LANGUAGES: Final = frozenset({"en", "es"})
MIN_SPEED: Final = 0.7
MAX_SPEED: Final = 1.5
AIMLAPI_PREFIX: Final = "#g1_"

_VOICE_ID = re.compile(r"^(?:#g1_)?(?P<model>aura(?:-2)?)-(?P<name>[a-z]+)-(?P<lang>[a-z]{2})$")


@dataclass(frozen=True, slots=True)
class Voice:
    """One Aura voice."""

    voice_id: str
    generation: Generation
    name: str
    language: str  # BCP 47 tag, with region when known, e.g. "en-US"
    gender: str  # "feminine" or "masculine", as Deepgram describes the voice
    accent: str = ""  # Deepgram's word for it ("Peninsular"), when the catalogue says

    @property
    def base_language(self) -> str:
        """Language without region, e.g. "en"."""
        return self.language.split("-", 1)[0]

    @property
    def model(self) -> str:
        """Deepgram's model name for the voice, e.g. "aura-2-thalia-en"."""
        return self.voice_id.removeprefix(AIMLAPI_PREFIX)

    @property
    def can_change_speed(self) -> bool:
        """Whether Deepgram's speed setting works for this voice."""
        return self.generation is Generation.AURA_2 and self.base_language in SPEED_LANGUAGES

    @property
    def label(self) -> str:
        """Readable label for dropdowns, e.g. "Thalia — Aura 2 · English (US) · feminine"."""
        where = ACCENTS.get(self.language)
        if where is None:
            where = LANGUAGE_NAMES.get(self.base_language, self.language)
            if self.accent and self.accent != where:
                where = f"{where} ({self.accent})"
        generation = GENERATION_LABELS[self.generation]
        return f"{self.name.capitalize()} — {generation} · {where} · {self.gender}"


def _voices(generation: Generation, table: str, prefix: str = AIMLAPI_PREFIX) -> list[Voice]:
    """Build voices from "name language gender" lines."""
    voices = []
    for line in table.strip().splitlines():
        name, language, gender = line.split()
        base = language.split("-", 1)[0]
        voice_id = f"{prefix}{generation.value}-{name}-{base}"
        voices.append(Voice(voice_id, generation, name, language, gender))
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

_DEEPGRAM_ONLY_AURA_2 = """
    agustina es-ES feminine
    alvaro es-ES masculine
    antonia es-AR feminine
    aquila es-419 masculine
    carina es-ES feminine
    diana es-ES feminine
    gloria es-CO feminine
    javier es-MX masculine
    luciano es-MX masculine
    olivia es-MX feminine
    selena es-419 feminine
    silvia es-ES feminine
    sirio es-MX masculine
    valerio es-MX masculine
    aurelia de-DE feminine
    elara de-DE feminine
    fabian de-DE masculine
    julius de-DE masculine
    kara de-DE feminine
    lara de-DE feminine
    viktoria de-DE feminine
    agathe fr-FR feminine
    hector fr-FR masculine
    beatrix nl-NL feminine
    cornelia nl-NL feminine
    daphne nl-NL feminine
    hestia nl-NL feminine
    lars nl-NL masculine
    leda nl-NL feminine
    rhea nl-NL feminine
    roman nl-NL masculine
    sander nl-NL masculine
    cesare it-IT masculine
    cinzia it-IT feminine
    demetra it-IT feminine
    dionisio it-IT masculine
    elio it-IT masculine
    flavio it-IT masculine
    livia it-IT feminine
    maia it-IT feminine
    melia it-IT feminine
    perseo it-IT masculine
    ama ja-JP feminine
    ebisu ja-JP masculine
    fujin ja-JP masculine
    izanami ja-JP feminine
    uzume ja-JP feminine
"""
DEFAULT_LANGUAGE = "en"


class Catalogue:
    """The voices one account offers, and the language rules that pick among them."""

    def __init__(self, voices: Iterable[Voice], default_voice_id: str) -> None:
        """Offer ``voices``; ``default_voice_id`` is the one a new profile starts with."""
        self.voices: Mapping[str, Voice] = {voice.voice_id: voice for voice in voices}
        self._by_model = {voice.model: voice for voice in self.voices.values()}
        self.default_voice_id = default_voice_id

    def __len__(self) -> int:
        """How many voices."""
        return len(self.voices)

    def voice(self, voice_id: str) -> Voice | None:
        """The catalogue's voice for an ID of either form, or one built from a well-formed ID.

        A voice the service adds later ("aura-2-newname-en") works without an update. None
        when the ID is not of the documented shape.
        """
        if voice := self.voices.get(voice_id):
            return voice
        if not (match := _VOICE_ID.match(voice_id)):
            return None
        if voice := self._by_model.get(voice_id.removeprefix(AIMLAPI_PREFIX)):
            return voice
        return Voice(voice_id, Generation(match["model"]), match["name"], match["lang"], "unknown")

    def supported_languages(self) -> list[str]:
        """Every language tag the catalogue covers: each base language and each region."""
        tags = {voice.language for voice in self.voices.values()}
        tags |= {voice.base_language for voice in self.voices.values()}
        return sorted(tags)

    def voices_for_language(self, language: str) -> list[Voice]:
        """Voices that speak ``language``.

        A base tag ("en") gives every voice of that language. A regional tag ("en-GB") gives
        the same voices with that region's first: every English voice can read English text,
        and the listener's own accent is the likelier pick.
        """
        base = language.split("-", 1)[0]
        matching = [voice for voice in self.voices.values() if voice.base_language == base]
        return sorted(
            matching,
            key=lambda voice: (voice.language != language, voice.generation != Generation.AURA_2),
        )

    def stand_in_voice(self, default: Voice, language: str) -> Voice | None:
        """The voice that speaks ``language`` in place of ``default``, which does not.

        Of that language's voices (the language's region first, newest generation first),
        the first of the default's gender, else the first. None when no voice speaks it.
        """
        candidates = self.voices_for_language(language)
        same_gender = [voice for voice in candidates if voice.gender == default.gender]
        choices = same_gender or candidates
        return choices[0] if choices else None

    def default_language_of(self, voice_id: str) -> str:
        """The language tag a voice speaks, as precisely as the catalogue has it."""
        voice = self.voice(voice_id)
        if voice is None:
            return DEFAULT_LANGUAGE
        supported = self.supported_languages()
        for tag in (voice.language, voice.base_language):
            if tag in supported:
                return tag
        return DEFAULT_LANGUAGE


VOICES: dict[str, Voice] = {voice.voice_id: voice for voice in AURA_2_VOICES + AURA_VOICES}
DEFAULT_VOICE_ID = "#g1_aura-2-thalia-en"
AIMLAPI_VOICES = Catalogue(VOICES.values(), DEFAULT_VOICE_ID)
# Deepgram's own list (its voices page): every AI/ML API voice under Deepgram's model names,
# and the Aura-2 voices only Deepgram offers. Used until (or when) /v1/models cannot be read.
DEEPGRAM_VOICES = Catalogue(
    [
        Voice(v.model, v.generation, v.name, v.language, v.gender)
        for v in AURA_2_VOICES + AURA_VOICES
    ]
    + _voices(Generation.AURA_2, _DEEPGRAM_ONLY_AURA_2, prefix=""),
    "aura-2-thalia-en",
)


def catalogue_from_models(data: Any) -> Catalogue:
    """Deepgram's ``GET /v1/models`` answer as a catalogue of its Aura voices.

    Each TTS model has a ``canonical_name`` ("aura-2-thalia-en"), ``languages`` (["en",
    "en-US"]) and ``metadata`` (``accent``, and ``tags`` that include its gender). Models
    that are not Aura voices (a newer family on another endpoint) are left out. Raises
    ValueError when the answer has no Aura voice at all: then the built-in list is better.
    """
    voices = []
    for model in data.get("tts") or []:
        name = str(model.get("canonical_name") or "")
        match = _VOICE_ID.match(name)
        if match is None or name.startswith(AIMLAPI_PREFIX):
            continue
        languages = [str(tag) for tag in model.get("languages") or []]
        regional = [tag for tag in languages if "-" in tag]
        metadata = model.get("metadata") or {}
        tags = {str(tag).lower() for tag in metadata.get("tags") or []}
        gender = next((g for g in ("feminine", "masculine") if g in tags), "unknown")
        voices.append(
            Voice(
                name,
                Generation(match["model"]),
                match["name"],
                _tag(regional[0] if regional else match["lang"]),
                gender,
                str(metadata.get("accent") or ""),
            )
        )
    if not voices:
        raise ValueError("the model list has no Aura voice")
    default = "aura-2-thalia-en"
    return Catalogue(
        voices, default if any(v.voice_id == default for v in voices) else voices[0].voice_id
    )


def _tag(language: str) -> str:
    """A BCP 47 tag as Home Assistant writes it: "en-us" -> "en-US", "es-419" as it is."""
    base, _, region = language.partition("-")
    return f"{base.lower()}-{region.upper()}" if region else base.lower()


def parse_voice_id(voice_id: str) -> Voice | None:
    """The voice an ID of either form names, from either catalogue; None when malformed.

    A voice the API adds later ("#g1_aura-2-newname-en") works without an update.
    """
    return AIMLAPI_VOICES.voice(voice_id) if voice_id in VOICES else DEEPGRAM_VOICES.voice(voice_id)

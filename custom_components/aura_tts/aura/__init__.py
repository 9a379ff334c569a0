"""Aura: Deepgram's Aura voices, through the AI/ML API or Deepgram (no Home Assistant imports).

The library half of the integration, and its one front door: the Home Assistant half imports
only from here. Moving it to PyPI is a rename.
"""

from __future__ import annotations

from .account import AccountCheck, Balance, Usage, missing_endpoint
from .audio import (
    AudioFormat,
    OutputPlan,
    UnsupportedOutputError,
    plan_output,
)
from .audio_url import is_local_host
from .chime import (
    CHIME_NAMES,
    CHIME_OFF,
    NoChimeError,
    chime_audio,
)
from .client import DEFAULT_BASE_URL, AuraClient
from .deepgram import DEEPGRAM_URL, DeepgramClient
from .errors import (
    AuraError,
    AuthenticationError,
    BadRequestError,
    CannotConnectError,
    ForbiddenError,
    InsufficientCreditError,
    KeyDisabledError,
    MessageTooLongError,
    MissingScopeError,
    RateLimitError,
    ServerError,
    SpendingLimitError,
    TextTooLongError,
    VoiceRejectedError,
)
from .http import RetryPolicy, Timeouts
from .join import (
    Joiner,
    joined,
    joiner_for,
)
from .join.mp3 import mp3_seconds
from .markdown import markdown_to_speech, spoken_text
from .pronunciations import (
    Pronouncer,
    PronunciationError,
    format_pronunciations,
    parse_pronunciations,
    pronouncer,
)
from .replay import ReplayableText
from .silence import MAX_SILENCE_MS, silence_audio
from .speech import (
    MAX_MESSAGE_LENGTH,
    NothingToSayError,
    SpeechStream,
)
from .synthesis import SpeechClient
from .voices import (
    AIMLAPI_VOICES,
    AURA_2_VOICES,
    DEEPGRAM_VOICES,
    DEFAULT_VOICE_ID,
    MAX_SPEED,
    MIN_SPEED,
    VOICES,
    Catalogue,
    Generation,
    Voice,
    parse_voice_id,
)

__all__ = [
    "AIMLAPI_VOICES",
    "AURA_2_VOICES",
    "CHIME_NAMES",
    "CHIME_OFF",
    "DEEPGRAM_URL",
    "DEEPGRAM_VOICES",
    "DEFAULT_BASE_URL",
    "DEFAULT_VOICE_ID",
    "MAX_MESSAGE_LENGTH",
    "MAX_SILENCE_MS",
    "MAX_SPEED",
    "MIN_SPEED",
    "VOICES",
    "AccountCheck",
    "AudioFormat",
    "AuraClient",
    "AuraError",
    "AuthenticationError",
    "BadRequestError",
    "Balance",
    "CannotConnectError",
    "Catalogue",
    "DeepgramClient",
    "ForbiddenError",
    "Generation",
    "InsufficientCreditError",
    "Joiner",
    "KeyDisabledError",
    "MessageTooLongError",
    "MissingScopeError",
    "NoChimeError",
    "NothingToSayError",
    "OutputPlan",
    "Pronouncer",
    "PronunciationError",
    "RateLimitError",
    "ReplayableText",
    "RetryPolicy",
    "ServerError",
    "SpeechClient",
    "SpeechStream",
    "SpendingLimitError",
    "TextTooLongError",
    "Timeouts",
    "UnsupportedOutputError",
    "Usage",
    "Voice",
    "VoiceRejectedError",
    "chime_audio",
    "format_pronunciations",
    "is_local_host",
    "joined",
    "joiner_for",
    "markdown_to_speech",
    "missing_endpoint",
    "mp3_seconds",
    "parse_pronunciations",
    "parse_voice_id",
    "plan_output",
    "pronouncer",
    "silence_audio",
    "spoken_text",
]

"""What the user reads when speaking fails, and what Home Assistant does about it.

A table maps each typed error of the client to its translated message; one function beside
it holds the side effects (a reauth flow, the no-credit repair issue).
"""

from __future__ import annotations

from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .aura import (
    AURA_2_VOICES,
    DEFAULT_VOICE_ID,
    AuraError,
    AuthenticationError,
    BadRequestError,
    CannotConnectError,
    ForbiddenError,
    Generation,
    InsufficientCreditError,
    KeyDisabledError,
    MessageTooLongError,
    MissingScopeError,
    NothingToSayError,
    RateLimitError,
    ServerError,
    SpendingLimitError,
    TextTooLongError,
    VoiceRejectedError,
    parse_voice_id,
)
from .const import DOMAIN
from .issues import async_report_no_credit

# First match wins: subclasses before their base classes.
TRANSLATION_KEYS: Final[tuple[tuple[type[AuraError], str], ...]] = (
    (AuthenticationError, "invalid_auth"),
    (InsufficientCreditError, "no_credit"),
    (KeyDisabledError, "key_disabled"),
    (MissingScopeError, "key_without_speech"),
    (SpendingLimitError, "spending_limit"),
    (ForbiddenError, "forbidden"),
    (MessageTooLongError, "message_too_long"),
    (NothingToSayError, "nothing_to_say"),
    (RateLimitError, "rate_limited"),
    (TextTooLongError, "text_too_long"),
    (VoiceRejectedError, "voice_rejected"),  # "voice_retired" for an Aura 1 voice
    (BadRequestError, "bad_request"),
    (ServerError, "server_error"),
    (CannotConnectError, "cannot_connect"),
)
FALLBACK_KEY: Final = "unexpected_answer"
RETIRED_KEY: Final = "voice_retired"
_NEW_KEY_NEEDED: Final = (AuthenticationError, KeyDisabledError, MissingScopeError)


def translation_key(err: AuraError, voice_id: str) -> str:
    """The translation key of the message for ``err``."""
    key = next((key for kind, key in TRANSLATION_KEYS if isinstance(err, kind)), FALLBACK_KEY)
    voice = parse_voice_id(voice_id)
    if key == "voice_rejected" and voice is not None and voice.generation is Generation.AURA:
        return RETIRED_KEY
    return key


def _placeholders(err: AuraError, voice_id: str) -> dict[str, str]:
    placeholders = {"error": str(err), "voice": voice_id}
    if isinstance(err, SpendingLimitError):
        placeholders["limit"] = f"{err.threshold:g} USD" if err.threshold is not None else "?"
    if isinstance(err, MessageTooLongError):
        placeholders["limit"] = f"{err.limit:,}"
    if isinstance(err, VoiceRejectedError):
        voice = parse_voice_id(voice_id)
        same = [v.voice_id for v in AURA_2_VOICES if voice and v.name == voice.name]
        placeholders["suggestion"] = same[0] if same else DEFAULT_VOICE_ID
    return placeholders


def react(hass: HomeAssistant, entry: ConfigEntry, err: AuraError) -> None:
    """What Home Assistant does besides telling the user: ask for a key, show a repair."""
    if isinstance(err, _NEW_KEY_NEEDED):
        entry.async_start_reauth(hass)
    elif isinstance(err, InsufficientCreditError):
        async_report_no_credit(hass, entry.entry_id, entry.title)


def user_error(err: AuraError, voice_id: str) -> HomeAssistantError:
    """The translated exception for ``err``."""
    key = translation_key(err, voice_id)
    error = ServiceValidationError if err.callers_fault else HomeAssistantError
    return error(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=_placeholders(err, voice_id),
    )

"""One table for every library error: what the user reads, and what Home Assistant does.

Set-up, the config flow, the account coordinator, the TTS entity (and with it the announce
action) all read :data:`ERROR_TABLE`; adding an error kind is one row here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
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
from .connection import SERVICE_NAMES, service_of
from .const import DOMAIN, SERVICE_AIMLAPI, SERVICE_DEEPGRAM
from .issues import async_report_no_credit


class Remedy(Enum):
    """What Home Assistant does about an error, besides telling the user."""

    NEW_KEY = "new_key"  # re-authenticate: set-up and polls fail as auth; speech asks for one
    TOP_UP = "top_up"  # the key is good but the balance is empty: a repair issue says so
    KEY_IS_GOOD = "key_is_good"  # e.g. a spent limit that resets: set up, each message says
    NONE = "none"  # nothing to do but say it; set-up tries again later


@dataclass(frozen=True, slots=True)
class ErrorRow:
    """One library error kind and everything Home Assistant makes of it."""

    kind: type[AuraError]
    speech_key: str  # exceptions.<key>: a message or an action that failed
    check_key: str  # config.error.<key> of the key form; exceptions.<key> at set-up
    remedy: Remedy = Remedy.NONE


UNEXPECTED: Final = "unexpected_answer"
RETIRED_KEY: Final = "voice_retired"  # speech_key of a refused Aura 1 voice: it was retired

# First match wins: subclasses before their base classes.
ERROR_TABLE: Final[tuple[ErrorRow, ...]] = (
    ErrorRow(AuthenticationError, "invalid_auth", "invalid_auth", Remedy.NEW_KEY),
    ErrorRow(InsufficientCreditError, "no_credit", UNEXPECTED, Remedy.TOP_UP),
    ErrorRow(KeyDisabledError, "key_disabled", "key_disabled", Remedy.NEW_KEY),
    ErrorRow(MissingScopeError, "key_without_speech", "key_without_speech", Remedy.NEW_KEY),
    ErrorRow(SpendingLimitError, "spending_limit", "spending_limit", Remedy.KEY_IS_GOOD),
    ErrorRow(ForbiddenError, "forbidden", UNEXPECTED),
    ErrorRow(MessageTooLongError, "message_too_long", UNEXPECTED),
    ErrorRow(NothingToSayError, "nothing_to_say", UNEXPECTED),
    ErrorRow(RateLimitError, "rate_limited", UNEXPECTED),
    ErrorRow(TextTooLongError, "text_too_long", UNEXPECTED),
    ErrorRow(VoiceRejectedError, "voice_rejected", UNEXPECTED),
    ErrorRow(BadRequestError, "bad_request", UNEXPECTED),
    ErrorRow(ServerError, "server_error", "cannot_connect"),
    ErrorRow(CannotConnectError, "cannot_connect", "cannot_connect"),
)
_OTHER: Final = ErrorRow(AuraError, UNEXPECTED, UNEXPECTED)


# Messages whose advice differs for a Deepgram account (its console, its roles and scopes),
# as form errors (config.error) and as exceptions; other messages name the service.
_DEEPGRAM_FORM_ERRORS: Final = frozenset({"invalid_auth", "key_without_speech", UNEXPECTED})
_DEEPGRAM_EXCEPTIONS: Final = frozenset({"invalid_auth", "key_without_speech", "no_credit"})


def worded(key: str, service: str, *, form: bool = False) -> str:
    """The translation key of ``key`` for an account of ``service``."""
    own = _DEEPGRAM_FORM_ERRORS if form else _DEEPGRAM_EXCEPTIONS
    return f"{SERVICE_DEEPGRAM}_{key}" if service == SERVICE_DEEPGRAM and key in own else key


def row_for(err: AuraError) -> ErrorRow:
    """The table's row for ``err``."""
    return next((row for row in ERROR_TABLE if isinstance(err, row.kind)), _OTHER)


def speech_key(err: AuraError, voice_id: str, service: str = SERVICE_AIMLAPI) -> str:
    """The translation key of the message for ``err`` while speaking with ``voice_id``."""
    key = row_for(err).speech_key
    voice = parse_voice_id(voice_id)
    if key == "voice_rejected" and voice is not None and voice.generation is Generation.AURA:
        return RETIRED_KEY
    return worded(key, service)


def placeholders(
    err: AuraError, voice_id: str | None = None, *, service: str = SERVICE_AIMLAPI
) -> dict[str, str]:
    """What the messages of ``err`` fill in (unused ones are ignored)."""
    values = {"error": str(err), "service": SERVICE_NAMES[service]}
    if isinstance(err, SpendingLimitError):
        values["limit"] = f"{err.threshold:g} USD" if err.threshold is not None else "?"
    if isinstance(err, MessageTooLongError):
        values["limit"] = f"{err.limit:,}"
    if voice_id is not None:
        values["voice"] = voice_id
        if isinstance(err, VoiceRejectedError):
            voice = parse_voice_id(voice_id)
            same = [v.voice_id for v in AURA_2_VOICES if voice and v.name == voice.name]
            values["suggestion"] = same[0] if same else DEFAULT_VOICE_ID
    return values


def react(hass: HomeAssistant, entry: ConfigEntry, err: AuraError) -> None:
    """What Home Assistant does when speaking fails: ask for a key, show a repair."""
    remedy = row_for(err).remedy
    if remedy is Remedy.NEW_KEY:
        entry.async_start_reauth(hass)
    elif remedy is Remedy.TOP_UP:
        async_report_no_credit(hass, entry.entry_id, entry.title, service_of(entry.data))


def user_error(err: AuraError, voice_id: str, service: str) -> HomeAssistantError:
    """The translated exception for ``err`` while speaking with ``voice_id``."""
    error = ServiceValidationError if err.callers_fault else HomeAssistantError
    return error(
        translation_domain=DOMAIN,
        translation_key=speech_key(err, voice_id, service),
        translation_placeholders=placeholders(err, voice_id, service=service),
    )

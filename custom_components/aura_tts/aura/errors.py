"""The typed errors of the speech clients, and which one an error answer means.

Pure (no I/O): :func:`error_for` maps a status, the body's message and headers to an error,
so the client and the tests share one table.
"""

from __future__ import annotations

from collections.abc import Mapping
import contextlib
import json

from .voices import parse_voice_id


class AuraError(Exception):
    """Base class of every error this client raises."""

    retryable = False  # whether trying again later can help
    # The message itself is at fault, not the service: no other engine would do better with
    # it, and the user is told as for a wrong argument.
    callers_fault = False


class AuthenticationError(AuraError):
    """The API key was rejected (401)."""


class ForbiddenError(AuraError):
    """The service refused the request (403) for a reason not yet known.

    The AI/ML API answers 403 for an empty balance, a disabled key, a key without the speech
    scope and a spent limit alike; the client asks ``/v1/key`` and ``/v2/billing`` which it
    is and raises one of the subclasses below, keeping the service's own words.
    """


class InsufficientCreditError(ForbiddenError):
    """The account balance is zero."""


class KeyDisabledError(ForbiddenError):
    """The key is switched off in the AI/ML API dashboard."""


class MissingScopeError(ForbiddenError):
    """The key's scopes do not include speech (``model:speech``)."""


class SpendingLimitError(ForbiddenError):
    """The key's spending limit for its period is used up."""

    def __init__(self, message: str, threshold: float | None, period: str | None) -> None:
        """Keep the limit (USD) and its period (day, week, month, no_reset) when known."""
        super().__init__(message)
        self.threshold = threshold
        self.period = period


class RateLimitError(AuraError):
    """Too many requests (429)."""

    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Keep the server's Retry-After, in seconds, when it sent one."""
        super().__init__(message)
        self.retry_after = retry_after


class TextTooLongError(AuraError):
    """The text exceeds what one request may carry (413)."""


class MessageTooLongError(AuraError):
    """The whole message is longer than any announcement; refused before anything is paid."""

    callers_fault = True

    def __init__(self, message: str, limit: int) -> None:
        """Keep the limit, in characters."""
        super().__init__(message)
        self.limit = limit


class BadRequestError(AuraError):
    """The service refused the request as invalid (400 and other 4xx)."""

    def __init__(self, message: str, status: int = 400) -> None:
        """Keep the status: 404/405 tell a server without the endpoint."""
        super().__init__(message)
        self.status = status


class VoiceRejectedError(BadRequestError):
    """The service refused the voice itself (e.g. a retired Aura 1 voice)."""

    def __init__(self, message: str, voice_id: str, status: int = 400) -> None:
        """Name the refused voice."""
        super().__init__(message, status)
        self.voice_id = voice_id


class ServerError(AuraError):
    """The service failed (5xx)."""

    def __init__(self, message: str, status: int) -> None:
        """Keep the status, which decides whether a retry can help."""
        super().__init__(message)
        self.status = status
        # A gateway or an overloaded service; a 500 is a bug that a retry will not fix.
        self.retryable = status in {502, 503, 504}


class CannotConnectError(AuraError):
    """The service could not be reached, or stopped answering (timeouts included).

    ``retryable`` only when the request certainly never reached the service (the connection
    was refused or could not be made): a request that was sent may already be paid for.
    """

    def __init__(self, message: str, *, sent: bool = True) -> None:
        """``sent``: whether the request may have reached the service."""
        super().__init__(message)
        self.retryable = not sent


class BadResponseError(AuraError):
    """The service answered with something that is not what was asked for."""


class AudioUrlRefusedError(BadResponseError):
    """A JSON answer's audio URL points somewhere the client will not fetch from."""


def error_message(status: int, raw: bytes) -> str:
    """A short description of an error answer; never includes request headers."""
    message = ""
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        data = json.loads(raw)
        if isinstance(data, dict):
            # The AI/ML API's "message"; Deepgram's "err_msg" (older) or "message" and
            # "details" (newer); other gateways' "error" or "detail".
            detail = (
                data.get("message")
                or data.get("err_msg")
                or data.get("error")
                or data.get("detail")
                or data.get("details")
            )
            if isinstance(detail, list):
                detail = "; ".join(str(item) for item in detail)
            if isinstance(detail, dict):
                detail = detail.get("message")
            if detail:
                message = str(detail)
    if not message:
        message = "the service answered with an error page"
    return f"HTTP {status}: {message[:300]}"


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The ``Retry-After`` header in seconds, when it is a number."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def mentions_voice(message: str, voice_id: str) -> bool:
    """Whether an error message is about the model/voice rather than another field."""
    lowered = message.lower()
    voice = parse_voice_id(voice_id)
    name = voice.name if voice else voice_id
    return voice_id.lower() in lowered or "model" in lowered or f'"{name}"' in lowered


def error_for(  # noqa: PLR0911 - one return a status reads as the table it is
    status: int, message: str, headers: Mapping[str, str], voice_id: str | None = None
) -> AuraError:
    """The typed error an error answer (status >= 400) means."""
    if status == 401:
        return AuthenticationError(message)
    if status == 402:  # Deepgram: the project has no credit left
        return InsufficientCreditError(message)
    if status == 403:
        return ForbiddenError(message)
    if status == 429:
        return RateLimitError(message, retry_after(headers))
    if status == 413:
        return TextTooLongError(message)
    if status >= 500:
        return ServerError(message, status)
    if voice_id is not None and mentions_voice(message, voice_id):
        return VoiceRejectedError(message, voice_id, status)
    return BadRequestError(message, status)

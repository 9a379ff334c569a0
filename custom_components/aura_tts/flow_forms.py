"""What the flows' forms ask, and how their answers are read and stored.

The steps themselves (add, reauth, reconfigure, options, voice profiles) are in
config_flow.py; everything here is a pure function or a constant.
"""

from __future__ import annotations

import hashlib
from typing import Any

from homeassistant.const import CONF_API_KEY, CONF_NAME, Platform
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from yarl import URL

from .aura import (
    CHIME_NAMES,
    CHIME_OFF,
    MAX_SILENCE_MS,
    MAX_SPEED,
    MIN_SPEED,
    AccountCheck,
    Catalogue,
    is_local_host,
    parse_voice_id,
)
from .const import (
    CONF_BASE_URL,
    CONF_CHIME,
    CONF_CHIME_AFTER,
    CONF_FALLBACK,
    CONF_MARKDOWN,
    CONF_PRONUNCIATIONS,
    CONF_SILENCE,
    CONF_SPEED,
    CONF_VOICE,
    CONF_WARN_BELOW,
    SECTION_ADVANCED,
    SERVICE_DEEPGRAM,
)
from .schema import vol


def voice_selector(catalogue: Catalogue) -> SelectSelector:
    """Every voice of the account, labelled with its language, accent and gender."""
    return SelectSelector(
        SelectSelectorConfig(
            options=[
                SelectOptionDict(value=v.voice_id, label=v.label) for v in catalogue.voices.values()
            ],
            mode=SelectSelectorMode.DROPDOWN,
            custom_value=True,
        )
    )


_SPEED_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=MIN_SPEED, max=MAX_SPEED, step=0.05, mode=NumberSelectorMode.SLIDER)
)
_CHIME_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=list(CHIME_NAMES), mode=SelectSelectorMode.DROPDOWN, translation_key=CONF_CHIME
    )
)
_FALLBACK_SELECTOR = EntitySelector(EntitySelectorConfig(domain=Platform.TTS))
_SILENCE_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=0, max=MAX_SILENCE_MS, step=50, unit_of_measurement="ms", mode=NumberSelectorMode.BOX
    )
)


def profile_name(voice_id: str) -> str:
    """A first name for a profile: its voice's name ("Thalia")."""
    voice = parse_voice_id(voice_id)
    return voice.name.capitalize() if voice is not None else voice_id


def profile_schema(values: dict[str, Any], catalogue: Catalogue, *, speed: bool) -> vol.Schema:
    """The profile form, filled with ``values`` (a profile's settings, or what was typed).

    ``catalogue``: the account's voices; ``speed``: whether the account can change the pace.
    """
    paced = (
        {vol.Required(CONF_SPEED, default=values.get(CONF_SPEED, 1.0)): _SPEED_SELECTOR}
        if speed
        else {}
    )
    return vol.Schema(
        {
            vol.Required(CONF_NAME, default=values.get(CONF_NAME, "")): TextSelector(),
            vol.Required(
                CONF_VOICE, default=values.get(CONF_VOICE, catalogue.default_voice_id)
            ): voice_selector(catalogue),
            **paced,
            vol.Required(CONF_CHIME, default=values.get(CONF_CHIME, CHIME_OFF)): _CHIME_SELECTOR,
            vol.Required(
                CONF_CHIME_AFTER, default=values.get(CONF_CHIME_AFTER, CHIME_OFF)
            ): _CHIME_SELECTOR,
            vol.Required(CONF_SILENCE, default=values.get(CONF_SILENCE, 0)): _SILENCE_SELECTOR,
            vol.Required(CONF_MARKDOWN, default=values.get(CONF_MARKDOWN, True)): BooleanSelector(),
            vol.Optional(
                CONF_PRONUNCIATIONS,
                description={"suggested_value": values.get(CONF_PRONUNCIATIONS, "")},
            ): TextSelector(TextSelectorConfig(multiline=True)),
            vol.Optional(
                CONF_FALLBACK, description={"suggested_value": values.get(CONF_FALLBACK)}
            ): _FALLBACK_SELECTOR,
        }
    )


KEY_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


def key_fingerprint(api_key: str) -> str:
    """A stable ID for the account's key that does not reveal the key."""
    return hashlib.sha256(api_key.strip().encode()).hexdigest()[:32]


_WARN_BELOW_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=0, max=10_000, step=0.01, unit_of_measurement="USD", mode=NumberSelectorMode.BOX
    )
)


def voice_schema(catalogue: Catalogue) -> vol.Schema:
    """The first profile's voice, of the account's voices."""
    return vol.Schema(
        {vol.Required(CONF_VOICE, default=catalogue.default_voice_id): voice_selector(catalogue)}
    )


OPTIONS_SCHEMA = vol.Schema({vol.Required(CONF_WARN_BELOW): _WARN_BELOW_SELECTOR})


def key_schema(base_url: str, *, key_required: bool = True) -> vol.Schema:
    """The key form; the server URL sits under Advanced, collapsed."""
    key = vol.Required(CONF_API_KEY) if key_required else vol.Optional(CONF_API_KEY)
    return vol.Schema(
        {
            key: KEY_SELECTOR,
            vol.Required(SECTION_ADVANCED): section(
                vol.Schema({vol.Required(CONF_BASE_URL, default=base_url): _URL_SELECTOR}),
                {"collapsed": True},
            ),
        }
    )


def normalized_url(url: str) -> str | None:
    """The server URL without a trailing slash, or None when it is not http(s)."""
    try:
        parsed = URL(url.strip())
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return None
    return str(parsed).rstrip("/")


def entry_title(check: AccountCheck, base_url: str, service: str, default_url: str) -> str:
    """A title that tells accounts apart: the key's name or public prefix, the project."""
    if check.key is not None:
        return f"Aura TTS ({check.key.name or check.key.prefix})"
    if service == SERVICE_DEEPGRAM:
        return f"Aura TTS (Deepgram: {check.project or URL(base_url).host})"
    if base_url != default_url:
        return f"Aura TTS ({URL(base_url).host})"
    return "Aura TTS"


def insecure(base_url: str) -> bool:
    """Plain http to a host outside the local network: the key would cross it in clear."""
    url = URL(base_url)
    return url.scheme == "http" and not is_local_host(url.host or "")


def without_key(user_input: dict[str, Any] | None) -> dict[str, Any]:
    """What the user typed, to show again after an error; never the key itself."""
    return {k: v for k, v in (user_input or {}).items() if k != CONF_API_KEY}


def profile_data(
    voice_id: str,
    chime: str = CHIME_OFF,
    pronunciations: str = "",
    fallback: str | None = None,
    *,
    silence: int = 0,
    chime_after: str = CHIME_OFF,
    markdown: bool = True,
    speed: float = 1.0,
) -> dict[str, Any]:
    """A profile's settings as stored: only what is set, so the cache keys stay short."""
    data: dict[str, Any] = {CONF_VOICE: voice_id, CONF_CHIME: chime}
    if speed != 1.0:
        data[CONF_SPEED] = round(speed, 2)
    if silence:
        data[CONF_SILENCE] = silence
    if chime_after != CHIME_OFF:
        data[CONF_CHIME_AFTER] = chime_after
    if not markdown:
        data[CONF_MARKDOWN] = False
    if pronunciations:
        data[CONF_PRONUNCIATIONS] = pronunciations
    if fallback:
        data[CONF_FALLBACK] = fallback
    return data


def profile_from_form(
    values: dict[str, Any], voice_id: str, pronunciations: str, fallback: str | None
) -> dict[str, Any]:
    """A profile's settings from its form's answers (the voice, rules and fallback checked)."""
    return profile_data(
        voice_id,
        values[CONF_CHIME],
        pronunciations,
        fallback,
        silence=int(values.get(CONF_SILENCE) or 0),
        chime_after=values.get(CONF_CHIME_AFTER, CHIME_OFF),
        markdown=bool(values.get(CONF_MARKDOWN, True)),
        speed=float(values.get(CONF_SPEED) or 1.0),
    )

"""Config flow for Aura TTS: API key (checked before anything is stored), then a voice."""

from __future__ import annotations

from collections.abc import Mapping
import hashlib
import logging
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_API_KEY
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
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

from .api import DEFAULT_BASE_URL, AccountCheck, AuraClient
from .audio_url import is_local_host
from .chime import CHIME_NAMES, CHIME_OFF
from .const import (
    CONF_BASE_URL,
    CONF_CHIME,
    CONF_PRONUNCIATIONS,
    CONF_VOICE,
    CONF_WARN_BELOW,
    DEFAULT_WARN_BELOW,
    DOMAIN,
    SECTION_ADVANCED,
)
from .errors import (
    AuraError,
    AuthenticationError,
    CannotConnectError,
    KeyDisabledError,
    MissingScopeError,
    ServerError,
    SpendingLimitError,
)
from .pronunciations import PronunciationError, format_pronunciations, parse_pronunciations
from .schema import vol
from .voices import DEFAULT_VOICE_ID, VOICES, parse_voice_id

_LOGGER = logging.getLogger(__name__)

_KEY_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


def key_fingerprint(api_key: str) -> str:
    """A stable ID for the account's key that does not reveal the key."""
    return hashlib.sha256(api_key.strip().encode()).hexdigest()[:32]


_WARN_BELOW_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=0, max=10_000, step=0.01, unit_of_measurement="USD", mode=NumberSelectorMode.BOX
    )
)


def _voice_schema(default: str) -> vol.Schema:
    options = [SelectOptionDict(value=v.voice_id, label=v.label) for v in VOICES.values()]
    return vol.Schema(
        {
            vol.Required(CONF_VOICE, default=default): SelectSelector(
                SelectSelectorConfig(
                    options=options, mode=SelectSelectorMode.DROPDOWN, custom_value=True
                )
            )
        }
    )


_CHIME_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=list(CHIME_NAMES), mode=SelectSelectorMode.DROPDOWN, translation_key=CONF_CHIME
    )
)


_PRONUNCIATIONS_SELECTOR = TextSelector(TextSelectorConfig(multiline=True))


def _options_schema(voice: str, chime: str, pronunciations: str, warn_below: float) -> vol.Schema:
    return _voice_schema(voice).extend(
        {
            vol.Required(CONF_CHIME, default=chime): _CHIME_SELECTOR,
            vol.Optional(
                CONF_PRONUNCIATIONS, description={"suggested_value": pronunciations}
            ): _PRONUNCIATIONS_SELECTOR,
            vol.Required(CONF_WARN_BELOW, default=warn_below): _WARN_BELOW_SELECTOR,
        }
    )


def _key_schema(base_url: str, *, key_required: bool = True) -> vol.Schema:
    key = vol.Required(CONF_API_KEY) if key_required else vol.Optional(CONF_API_KEY)
    return vol.Schema(
        {
            key: _KEY_SELECTOR,
            vol.Required(SECTION_ADVANCED): section(
                vol.Schema({vol.Required(CONF_BASE_URL, default=base_url): _URL_SELECTOR}),
                {"collapsed": True},
            ),
        }
    )


def _normalized_url(url: str) -> str | None:
    """The server URL without a trailing slash, or None when it is not http(s)."""
    try:
        parsed = URL(url.strip())
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return None
    return str(parsed).rstrip("/")


# What the key form says for each error of the key check (first match wins).
_FLOW_ERRORS: tuple[tuple[type[AuraError] | tuple[type[AuraError], ...], str], ...] = (
    (AuthenticationError, "invalid_auth"),
    (KeyDisabledError, "key_disabled"),
    (MissingScopeError, "key_without_speech"),
    (SpendingLimitError, "spending_limit"),
    ((CannotConnectError, ServerError), "cannot_connect"),
)


def _title(check: AccountCheck, base_url: str) -> str:
    """A title that tells two accounts apart: the key's name, else its public prefix."""
    if check.key is not None:
        return f"Aura TTS ({check.key.name or check.key.prefix})"
    if base_url != DEFAULT_BASE_URL:
        return f"Aura TTS ({URL(base_url).host})"
    return "Aura TTS"


def _insecure(base_url: str) -> bool:
    """Plain http to a host outside the local network: the key would cross it in clear."""
    url = URL(base_url)
    return url.scheme == "http" and not is_local_host(url.host or "")


class AuraConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add, re-authenticate and reconfigure an AI/ML API account."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing checked."""
        self._data: dict[str, str] = {}
        self._title = "Aura TTS"
        self._warned_url: str | None = None  # a plain-http server the user was warned about

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> AuraOptionsFlow:
        """Change the default voice."""
        return AuraOptionsFlow()

    async def _check(self, api_key: str, base_url: str) -> dict[str, str]:
        """Check the key against the server; return form errors (empty when fine).

        A key with a zero balance is a good key: the entry is made, and a repair issue says
        to top up (set-up raises it).
        """
        client = AuraClient(async_get_clientsession(self.hass), api_key, base_url)
        try:
            check = await client.async_validate_key(synthesize_if_unknown=True)
        except AuraError as err:
            key = next((key for kind, key in _FLOW_ERRORS if isinstance(err, kind)), None)
            if key is None:
                _LOGGER.debug("Unexpected answer while checking the key: %s", err)
            return {"base": key or "unexpected_answer"}
        self._title = _title(check, base_url)
        return {}

    def _server_errors(self, base_url: str | None) -> dict[str, str]:
        """Form errors of the server URL, before the key is sent anywhere."""
        if base_url is None:
            return {"base": "invalid_url"}
        if _insecure(base_url) and self._warned_url != base_url:
            self._warned_url = base_url  # the same URL submitted again is the user's choice
            return {"base": "insecure_url"}
        return {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the API key (and, under Advanced, the server)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = user_input[CONF_API_KEY].strip()
            # A key already set up is refused before it is sent anywhere.
            await self.async_set_unique_id(key_fingerprint(api_key))
            self._abort_if_unique_id_configured()
            base_url = _normalized_url(user_input[SECTION_ADVANCED][CONF_BASE_URL])
            errors = self._server_errors(base_url)
            if not errors:
                assert base_url is not None
                errors = await self._check(api_key, base_url)
            if not errors:
                assert base_url is not None
                self._data = {CONF_API_KEY: api_key, CONF_BASE_URL: base_url}
                return await self.async_step_voice()
        suggested = self.add_suggested_values_to_schema(
            _key_schema(DEFAULT_BASE_URL), _without_key(user_input)
        )
        return self.async_show_form(step_id="user", data_schema=suggested, errors=errors)

    async def async_step_voice(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick the voice."""
        errors: dict[str, str] = {}
        if user_input is not None:
            voice_id = user_input[CONF_VOICE].strip()
            if parse_voice_id(voice_id) is None:
                errors[CONF_VOICE] = "invalid_voice"
            else:
                return self.async_create_entry(
                    title=self._title, data=self._data, options={CONF_VOICE: voice_id}
                )
        return self.async_show_form(
            step_id="voice", data_schema=_voice_schema(DEFAULT_VOICE_ID), errors=errors
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The key was rejected: ask for a new one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check and store the new key; the voice and server stay as they were."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = user_input[CONF_API_KEY].strip()
            errors = await self._check(api_key, entry.data[CONF_BASE_URL])
            if not errors:
                return self._update_key(entry, api_key, entry.data[CONF_BASE_URL])
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): _KEY_SELECTOR}),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the key or the server; an empty key field keeps the saved key."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = (user_input.get(CONF_API_KEY) or "").strip() or entry.data[CONF_API_KEY]
            base_url = _normalized_url(user_input[SECTION_ADVANCED][CONF_BASE_URL])
            errors = self._server_errors(base_url)
            if not errors:
                assert base_url is not None
                errors = await self._check(api_key, base_url)
            if not errors:
                assert base_url is not None
                return self._update_key(entry, api_key, base_url)
        schema = _key_schema(entry.data[CONF_BASE_URL], key_required=False)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, _without_key(user_input)),
            errors=errors,
        )

    def _update_key(self, entry: ConfigEntry, api_key: str, base_url: str) -> ConfigFlowResult:
        """Store a checked key; its fingerprint becomes the entry's unique ID."""
        unique_id = key_fingerprint(api_key)
        for other in self._async_current_entries(include_ignore=False):
            if other.entry_id != entry.entry_id and other.unique_id == unique_id:
                return self.async_abort(reason="already_configured")
        return self.async_update_reload_and_abort(
            entry,
            unique_id=unique_id,
            data_updates={CONF_API_KEY: api_key, CONF_BASE_URL: base_url},
        )


def _without_key(user_input: dict[str, Any] | None) -> dict[str, Any]:
    """What the user typed, to show again after an error; never the key itself."""
    return {k: v for k, v in (user_input or {}).items() if k != CONF_API_KEY}


class AuraOptionsFlow(OptionsFlow):
    """Change the default voice, the chime, pronunciations and the low-balance warning.

    None of them needs a reload: each message reads them.
    """

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick the voice, the chime, the pronunciations and the balance to warn below."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"line": ""}
        options = self.config_entry.options
        voice = options.get(CONF_VOICE, DEFAULT_VOICE_ID)
        chime = options.get(CONF_CHIME, CHIME_OFF)
        pronunciations = options.get(CONF_PRONUNCIATIONS, "")
        warn_below = float(options.get(CONF_WARN_BELOW, DEFAULT_WARN_BELOW))
        if user_input is not None:
            voice = user_input[CONF_VOICE].strip()
            chime = user_input[CONF_CHIME]
            pronunciations = user_input.get(CONF_PRONUNCIATIONS, "")
            warn_below = float(user_input[CONF_WARN_BELOW])
            if parse_voice_id(voice) is None:
                errors[CONF_VOICE] = "invalid_voice"
            try:
                rules = parse_pronunciations(pronunciations)
            except PronunciationError as err:
                errors[CONF_PRONUNCIATIONS] = "invalid_pronunciation"
                placeholders["line"] = str(err.line)
            if not errors:
                return self.async_create_entry(
                    data={
                        **options,
                        CONF_VOICE: voice,
                        CONF_CHIME: chime,
                        # Written the one way, so spacing alone never changes the cache key.
                        CONF_PRONUNCIATIONS: format_pronunciations(rules),
                        CONF_WARN_BELOW: warn_below,
                    }
                )
        return self.async_show_form(
            step_id="init",
            data_schema=_options_schema(voice, chime, pronunciations, warn_below),
            errors=errors,
            description_placeholders=placeholders,
        )

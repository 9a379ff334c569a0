"""Config flow for Aura TTS: API key (checked before anything is stored), then a voice."""

from __future__ import annotations

from collections.abc import Mapping
import hashlib
import logging
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryData,
    ConfigSubentryFlow,
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
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from yarl import URL

from .aura import (
    DEFAULT_BASE_URL,
    DEFAULT_VOICE_ID,
    AccountCheck,
    AuraClient,
    AuraError,
    is_local_host,
    parse_voice_id,
)
from .const import (
    CONF_BASE_URL,
    CONF_VOICE,
    CONF_WARN_BELOW,
    DEFAULT_WARN_BELOW,
    DOMAIN,
    SECTION_ADVANCED,
    SUBENTRY_PROFILE,
)
from .profile_flow import (
    VOICE_SELECTOR,
    ProfileSubentryFlow,
    profile_data,
    profile_name,
)
from .schema import vol
from .user_errors import UNEXPECTED, row_for

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


_VOICE_SCHEMA = vol.Schema({vol.Required(CONF_VOICE, default=DEFAULT_VOICE_ID): VOICE_SELECTOR})
_OPTIONS_SCHEMA = vol.Schema({vol.Required(CONF_WARN_BELOW): _WARN_BELOW_SELECTOR})


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

    # 2: voices live in profiles (subentries); version 1 entries are migrated on set-up.
    VERSION = 2

    def __init__(self) -> None:
        """Start with nothing checked."""
        self._data: dict[str, str] = {}
        self._title = "Aura TTS"
        self._warned_url: str | None = None  # a plain-http server the user was warned about

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> AuraOptionsFlow:
        """Change the low-balance warning."""
        return AuraOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Voice profiles: "Add voice profile" on the entry."""
        return {SUBENTRY_PROFILE: ProfileSubentryFlow}

    async def _check(self, api_key: str, base_url: str) -> dict[str, str]:
        """Check the key against the server; return form errors (empty when fine).

        A key with a zero balance is a good key: the entry is made, and a repair issue says
        to top up (set-up raises it).
        """
        client = AuraClient(async_get_clientsession(self.hass), api_key, base_url)
        try:
            check = await client.async_validate_key(synthesize_if_unknown=True)
        except AuraError as err:
            key = row_for(err).check_key
            if key == UNEXPECTED:
                _LOGGER.debug("Unexpected answer while checking the key: %s", err)
            return {"base": key}
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
        """Pick the voice of the first profile (named after it; renamed under the entry)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            voice_id = user_input[CONF_VOICE].strip()
            if parse_voice_id(voice_id) is None:
                errors[CONF_VOICE] = "invalid_voice"
            else:
                profile = ConfigSubentryData(
                    subentry_type=SUBENTRY_PROFILE,
                    title=profile_name(voice_id),
                    data=profile_data(voice_id),
                    unique_id=None,
                )
                return self.async_create_entry(
                    title=self._title, data=self._data, subentries=[profile]
                )
        return self.async_show_form(step_id="voice", data_schema=_VOICE_SCHEMA, errors=errors)

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
        """Store a checked key; its fingerprint becomes the entry's unique ID.

        A loaded entry's update listener reloads it when the key or server changed (Home
        Assistant 2026.12 refuses a flow's reload of an entry with a listener). An entry that
        is not loaded (its key was refused at start) has no listener: the flow reloads it.
        """
        unique_id = key_fingerprint(api_key)
        for other in self._async_current_entries(include_ignore=False):
            if other.entry_id != entry.entry_id and other.unique_id == unique_id:
                return self.async_abort(reason="already_configured")
        changes = {CONF_API_KEY: api_key, CONF_BASE_URL: base_url}
        if entry.state is ConfigEntryState.LOADED:
            return self.async_update_and_abort(entry, unique_id=unique_id, data_updates=changes)
        return self.async_update_reload_and_abort(entry, unique_id=unique_id, data_updates=changes)


def _without_key(user_input: dict[str, Any] | None) -> dict[str, Any]:
    """What the user typed, to show again after an error; never the key itself."""
    return {k: v for k, v in (user_input or {}).items() if k != CONF_API_KEY}


class AuraOptionsFlow(OptionsFlow):
    """Change the balance to warn below (voices are set in their profiles)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The low-balance warning; compared again at once, no reload."""
        if user_input is not None:
            warn_below = float(user_input[CONF_WARN_BELOW])
            return self.async_create_entry(
                data={**self.config_entry.options, CONF_WARN_BELOW: warn_below}
            )
        warn_below = float(self.config_entry.options.get(CONF_WARN_BELOW, DEFAULT_WARN_BELOW))
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                _OPTIONS_SCHEMA, {CONF_WARN_BELOW: warn_below}
            ),
        )

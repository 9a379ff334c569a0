"""The flows of Aura TTS: the entry, its options, and its voice profiles (subentries).

The entry: which account (the AI/ML API or Deepgram), its API key, checked before anything
is stored, then a voice. A profile is its own TTS entity (and device), named after it, so
Assist pipelines and automations pick a voice by name. What the forms ask, and how answers
are stored, is in flow_forms.py.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    SubentryFlowResult,
)
from homeassistant.const import CONF_API_KEY, CONF_NAME
from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er

from .aura import (
    AuraError,
    Catalogue,
    DeepgramClient,
    PronunciationError,
    SpeechClient,
    format_pronunciations,
    parse_pronunciations,
    parse_voice_id,
)
from .connection import BUILT_IN_VOICES, DEFAULT_URLS, SERVICE_NAMES, new_client, service_of
from .const import (
    CONF_BASE_URL,
    CONF_FALLBACK,
    CONF_PRONUNCIATIONS,
    CONF_SERVICE,
    CONF_SPEED,
    CONF_VOICE,
    CONF_WARN_BELOW,
    DEFAULT_WARN_BELOW,
    DOMAIN,
    SECTION_ADVANCED,
    SERVICE_AIMLAPI,
    SERVICE_DEEPGRAM,
    SUBENTRY_PROFILE,
)
from .flow_forms import (
    KEY_SELECTOR,
    OPTIONS_SCHEMA,
    entry_title,
    insecure,
    key_fingerprint,
    key_schema,
    normalized_url,
    profile_data,
    profile_from_form,
    profile_name,
    profile_schema,
    voice_schema,
    without_key,
)
from .models import AuraRuntimeData
from .schema import vol
from .user_errors import UNEXPECTED, row_for, worded

_LOGGER = logging.getLogger(__name__)


class AuraConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add, re-authenticate and reconfigure an AI/ML API or Deepgram account."""

    # 2: voices live in profiles (subentries); version 1 entries are migrated on set-up.
    VERSION = 2

    def __init__(self) -> None:
        """Start with nothing checked."""
        self._data: dict[str, str] = {}
        self._title = "Aura TTS"
        self._catalogue: Catalogue | None = None  # the checked account's voices
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

    async def _check(self, api_key: str, base_url: str, service: str) -> dict[str, str]:
        """Check the key against the server; return form errors (empty when fine).

        A key with a zero balance is a good key: the entry is made, and a repair issue says
        to top up (set-up raises it). A Deepgram account's voices are read here too (free),
        so the voice list is the account's own.
        """
        client = new_client(self.hass, api_key, base_url, service)
        try:
            check = await client.async_validate_key(synthesize_if_unknown=True)
        except AuraError as err:
            key = row_for(err).check_key
            if key == UNEXPECTED:
                _LOGGER.debug("Unexpected answer while checking the key: %s", err)
            return {"base": worded(key, service, form=True)}
        self._title = entry_title(check, base_url, service, DEFAULT_URLS[service])
        self._catalogue = await _read_catalogue(client)
        return {}

    def _server_errors(self, base_url: str | None) -> dict[str, str]:
        """Form errors of the server URL, before the key is sent anywhere."""
        if base_url is None:
            return {"base": "invalid_url"}
        if insecure(base_url) and self._warned_url != base_url:
            self._warned_url = base_url  # the same URL submitted again is the user's choice
            return {"base": "insecure_url"}
        return {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Which account the key is for."""
        return self.async_show_menu(
            step_id="user", menu_options=[SERVICE_AIMLAPI, SERVICE_DEEPGRAM]
        )

    async def async_step_aimlapi(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """An AI/ML API key (and, under Advanced, the server)."""
        return await self._async_key_step(SERVICE_AIMLAPI, user_input)

    async def async_step_deepgram(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A Deepgram key (and, under Advanced, the server: a proxy or a self-hosted one)."""
        return await self._async_key_step(SERVICE_DEEPGRAM, user_input)

    async def _async_key_step(
        self, service: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = user_input[CONF_API_KEY].strip()
            # A key already set up is refused before it is sent anywhere.
            await self.async_set_unique_id(key_fingerprint(api_key))
            self._abort_if_unique_id_configured()
            base_url = normalized_url(user_input[SECTION_ADVANCED][CONF_BASE_URL])
            errors = self._server_errors(base_url)
            if not errors:
                assert base_url is not None
                errors = await self._check(api_key, base_url, service)
            if not errors:
                assert base_url is not None
                self._data = {CONF_API_KEY: api_key, CONF_BASE_URL: base_url}
                if service != SERVICE_AIMLAPI:  # entries without it are the AI/ML API's
                    self._data[CONF_SERVICE] = service
                return await self.async_step_voice()
        suggested = self.add_suggested_values_to_schema(
            key_schema(DEFAULT_URLS[service]), without_key(user_input)
        )
        return self.async_show_form(step_id=service, data_schema=suggested, errors=errors)

    async def async_step_voice(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick the voice of the first profile (named after it; renamed under the entry)."""
        errors: dict[str, str] = {}
        catalogue = self._catalogue or BUILT_IN_VOICES[service_of(self._data)]
        if user_input is not None:
            voice_id = user_input[CONF_VOICE].strip()
            if catalogue.voice(voice_id) is None:
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
        return self.async_show_form(
            step_id="voice", data_schema=voice_schema(catalogue), errors=errors
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The key was rejected: ask for a new one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check and store the new key; the voice and server stay as they were."""
        entry = self._get_reauth_entry()
        service = service_of(entry.data)
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = user_input[CONF_API_KEY].strip()
            errors = await self._check(api_key, entry.data[CONF_BASE_URL], service)
            if not errors:
                return self._update_key(entry, api_key, entry.data[CONF_BASE_URL])
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): KEY_SELECTOR}),
            errors=errors,
            description_placeholders={"service": SERVICE_NAMES[service]},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the key or the server; an empty key field keeps the saved key."""
        entry = self._get_reconfigure_entry()
        service = service_of(entry.data)
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = (user_input.get(CONF_API_KEY) or "").strip() or entry.data[CONF_API_KEY]
            base_url = normalized_url(user_input[SECTION_ADVANCED][CONF_BASE_URL])
            errors = self._server_errors(base_url)
            if not errors:
                assert base_url is not None
                errors = await self._check(api_key, base_url, service)
            if not errors:
                assert base_url is not None
                return self._update_key(entry, api_key, base_url)
        schema = key_schema(entry.data[CONF_BASE_URL], key_required=False)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, without_key(user_input)),
            errors=errors,
            description_placeholders={"service": SERVICE_NAMES[service]},
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
                OPTIONS_SCHEMA, {CONF_WARN_BELOW: warn_below}
            ),
        )


class ProfileSubentryFlow(ConfigSubentryFlow):
    """Add a voice profile, or change one."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """A new profile."""
        return await self._async_form("user", user_input, editing=None)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a profile's name, voice, chime, pronunciations or fallback."""
        return await self._async_form(
            "reconfigure", user_input, editing=self._get_reconfigure_subentry().subentry_id
        )

    async def _async_form(
        self, step_id: str, user_input: dict[str, Any] | None, editing: str | None
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        placeholders = {"line": ""}
        if user_input is None:
            values: dict[str, Any] = {}
            if editing is not None:
                subentry = self._get_reconfigure_subentry()
                values = {**subentry.data, CONF_NAME: subentry.title}
        else:
            values = dict(user_input)
            name = str(values[CONF_NAME]).strip()
            voice_id = str(values[CONF_VOICE]).strip()
            fallback = values.get(CONF_FALLBACK) or None
            if not name:
                errors[CONF_NAME] = "name_missing"
            elif self._name_taken(name, editing):
                errors[CONF_NAME] = "name_taken"
            if parse_voice_id(voice_id) is None:
                errors[CONF_VOICE] = "invalid_voice"
            elif float(values.get(CONF_SPEED) or 1.0) != 1.0 and not self._paced(voice_id):
                errors[CONF_SPEED] = "speed_not_supported"
            try:
                rules = parse_pronunciations(values.get(CONF_PRONUNCIATIONS) or "")
            except PronunciationError as err:
                errors[CONF_PRONUNCIATIONS] = "invalid_pronunciation"
                placeholders["line"] = str(err.line)
            if fallback is not None and self._is_aura(fallback):
                errors[CONF_FALLBACK] = "fallback_is_aura"
            if not errors:
                data = profile_from_form(values, voice_id, format_pronunciations(rules), fallback)
                if editing is None:
                    return self.async_create_entry(title=name, data=data)
                return self.async_update_and_abort(
                    self._get_entry(), self._get_reconfigure_subentry(), title=name, data=data
                )
        return self.async_show_form(
            step_id=step_id,
            data_schema=profile_schema(values, self._catalogue, speed=self._deepgram),
            errors=errors,
            description_placeholders=placeholders,
        )

    @property
    def _deepgram(self) -> bool:
        """Whether the profile's account is Deepgram's (the one that can change the pace)."""
        return service_of(self._get_entry().data) == SERVICE_DEEPGRAM

    @property
    def _catalogue(self) -> Catalogue:
        """The account's voices: its client's, or the built-in list of its service."""
        entry = self._get_entry()
        if entry.state is ConfigEntryState.LOADED:
            runtime: AuraRuntimeData = entry.runtime_data
            return runtime.client.catalogue
        return BUILT_IN_VOICES[service_of(entry.data)]

    def _paced(self, voice_id: str) -> bool:
        """Whether a speed can be set for ``voice_id`` on this account."""
        voice = self._catalogue.voice(voice_id)
        return self._deepgram and voice is not None and voice.can_change_speed

    def _name_taken(self, name: str, editing: str | None) -> bool:
        """Another profile of this entry has the name (in any case): two would look alike."""
        return any(
            subentry.title.casefold() == name.casefold()
            for subentry in self._get_entry().subentries.values()
            if subentry.subentry_id != editing
        )

    def _is_aura(self, entity_id: str) -> bool:
        """An Aura TTS entity cannot stand in: it fails whenever this one does."""
        entity = er.async_get(self.hass).async_get(entity_id)
        return entity is not None and entity.platform == DOMAIN


async def _read_catalogue(client: SpeechClient) -> Catalogue:
    """The account's voices; a Deepgram account's read from its server when it can be."""
    if isinstance(client, DeepgramClient):
        try:
            await client.async_refresh_catalogue()
        except AuraError as err:
            _LOGGER.debug(
                "Deepgram's voice list could not be read, using the built-in one: %s", err
            )
    return client.catalogue

"""Voice profiles: config subentries, each one voice with its chime, pronunciations and fallback.

A profile is its own TTS entity (and device), named after it, so Assist pipelines and
automations pick a voice by name. Adding, editing and removing them happen on the entry.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME, Platform
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from .aura import (
    CHIME_NAMES,
    CHIME_OFF,
    DEFAULT_VOICE_ID,
    VOICES,
    PronunciationError,
    format_pronunciations,
    parse_pronunciations,
    parse_voice_id,
)
from .const import (
    CONF_CHIME,
    CONF_FALLBACK,
    CONF_PRONUNCIATIONS,
    CONF_VOICE,
    DOMAIN,
)
from .schema import vol

VOICE_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[SelectOptionDict(value=v.voice_id, label=v.label) for v in VOICES.values()],
        mode=SelectSelectorMode.DROPDOWN,
        custom_value=True,
    )
)
_CHIME_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=list(CHIME_NAMES), mode=SelectSelectorMode.DROPDOWN, translation_key=CONF_CHIME
    )
)
_FALLBACK_SELECTOR = EntitySelector(EntitySelectorConfig(domain=Platform.TTS))


def profile_name(voice_id: str) -> str:
    """A first name for a profile: its voice's name ("Thalia")."""
    voice = parse_voice_id(voice_id)
    return voice.name.capitalize() if voice is not None else voice_id


def _profile_schema(values: dict[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_NAME, default=values.get(CONF_NAME, "")): TextSelector(),
            vol.Required(CONF_VOICE, default=values.get(CONF_VOICE, DEFAULT_VOICE_ID)): (
                VOICE_SELECTOR
            ),
            vol.Required(CONF_CHIME, default=values.get(CONF_CHIME, CHIME_OFF)): _CHIME_SELECTOR,
            vol.Optional(
                CONF_PRONUNCIATIONS,
                description={"suggested_value": values.get(CONF_PRONUNCIATIONS, "")},
            ): TextSelector(TextSelectorConfig(multiline=True)),
            vol.Optional(
                CONF_FALLBACK, description={"suggested_value": values.get(CONF_FALLBACK)}
            ): _FALLBACK_SELECTOR,
        }
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
            try:
                rules = parse_pronunciations(values.get(CONF_PRONUNCIATIONS) or "")
            except PronunciationError as err:
                errors[CONF_PRONUNCIATIONS] = "invalid_pronunciation"
                placeholders["line"] = str(err.line)
            if fallback is not None and self._is_aura(fallback):
                errors[CONF_FALLBACK] = "fallback_is_aura"
            if not errors:
                data = profile_data(
                    voice_id, values[CONF_CHIME], format_pronunciations(rules), fallback
                )
                if editing is None:
                    return self.async_create_entry(title=name, data=data)
                return self.async_update_and_abort(
                    self._get_entry(), self._get_reconfigure_subentry(), title=name, data=data
                )
        return self.async_show_form(
            step_id=step_id,
            data_schema=_profile_schema(values),
            errors=errors,
            description_placeholders=placeholders,
        )

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


def profile_data(
    voice_id: str, chime: str = CHIME_OFF, pronunciations: str = "", fallback: str | None = None
) -> dict[str, Any]:
    """A profile's settings as stored: only what is set, so the cache keys stay short."""
    data: dict[str, Any] = {CONF_VOICE: voice_id, CONF_CHIME: chime}
    if pronunciations:
        data[CONF_PRONUNCIATIONS] = pronunciations
    if fallback:
        data[CONF_FALLBACK] = fallback
    return data

"""The fallback voice is a TTS entity, so it needs a config entry: made from the YAML."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

DOMAIN = "e2e_speaker"


class E2eSpeakerFlow(ConfigFlow, domain=DOMAIN):
    """One entry, made at start-up (import) or by hand."""

    VERSION = 1

    async def async_step_import(self, import_data: dict[str, Any]) -> ConfigFlowResult:
        """From ``e2e_speaker:`` in configuration.yaml."""
        return await self.async_step_user({})

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Make the entry; there is nothing to ask."""
        await self.async_set_unique_id(DOMAIN)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title="E2E fallback voice", data={})

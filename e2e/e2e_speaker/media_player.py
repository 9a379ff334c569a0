"""One media player, ``media_player.test_speaker``, that remembers what it was told to play.

The demo integration would do, but it sets up dozens of platforms whose requirements a
``--skip-pip`` Home Assistant does not have. This player is all the tests need.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components import media_source
from homeassistant.components.media_player import (
    MediaPlayerEntity,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback


async def async_setup_platform(
    hass: HomeAssistant,
    config: dict[str, Any],
    async_add_entities: AddEntitiesCallback,
    discovery_info: Any = None,
) -> None:
    """Add the speaker."""
    async_add_entities([TestSpeaker()])


class TestSpeaker(MediaPlayerEntity):
    """Accepts media-source IDs (what tts.speak sends) and plays nothing."""

    _attr_name = "Test speaker"
    _attr_unique_id = "e2e-test-speaker"
    _attr_state = MediaPlayerState.IDLE
    _attr_supported_features = (
        MediaPlayerEntityFeature.PLAY_MEDIA | MediaPlayerEntityFeature.BROWSE_MEDIA
    )

    async def async_play_media(
        self, media_type: MediaType | str, media_id: str, **kwargs: Any
    ) -> None:
        """Take the media as a real speaker does: resolve media-source IDs to a URL."""
        if media_source.is_media_source_id(media_id):
            await media_source.async_resolve_media(self.hass, media_id, self.entity_id)
        self._attr_media_content_id = media_id
        self._attr_media_content_type = media_type
        self._attr_state = MediaPlayerState.PLAYING
        self.async_write_ha_state()

"""What a speaker was playing before an announcement, played again after it.

Speakers with announcements (MEDIA_ANNOUNCE: Sonos, Music Assistant, ESPHome) duck and
resume their music themselves and are not touched. Others (Cast, DLNA and the like) play
the announcement as their media, which stops the music: when they were playing something
that can be played again (an http(s) URL or a media-source ID), it is played again after
the announcement and, if the speaker can seek and the media has a length (not a live
stream), from where it was. A paused speaker is left as it is; so is anything else that
cannot be resumed, with a debug line saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
import logging

from homeassistant.components import media_source
from homeassistant.components.media_player.const import (
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    ATTR_MEDIA_DURATION,
    ATTR_MEDIA_POSITION,
    ATTR_MEDIA_POSITION_UPDATED_AT,
    ATTR_MEDIA_SEEK_POSITION,
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    SERVICE_PLAY_MEDIA,
    MediaPlayerEntityFeature,
    MediaPlayerState,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, SERVICE_MEDIA_SEEK
from homeassistant.core import Context, HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Resumable:
    """A speaker's media, to play again after an announcement."""

    entity_id: str
    content_id: str
    content_type: str
    position: float | None  # where to seek to; None: from its start or live point


def resumable(hass: HomeAssistant, entity_id: str) -> Resumable | None:
    """What ``entity_id`` plays now that can be played again after an announcement."""
    state = hass.states.get(entity_id)
    if state is None:
        return None
    features = state.attributes.get(ATTR_SUPPORTED_FEATURES, 0)
    if features & MediaPlayerEntityFeature.MEDIA_ANNOUNCE:
        return None  # it resumes its own music
    if state.state == MediaPlayerState.PAUSED:
        _LOGGER.debug("%s was paused: left paused after the announcement", entity_id)
        return None
    if state.state != MediaPlayerState.PLAYING:
        return None
    content_id = state.attributes.get(ATTR_MEDIA_CONTENT_ID)
    content_type = state.attributes.get(ATTR_MEDIA_CONTENT_TYPE)
    if not isinstance(content_id, str) or not content_type or not _can_replay(content_id):
        _LOGGER.debug("%s plays %r, which cannot be played again", entity_id, content_id)
        return None
    return Resumable(entity_id, content_id, str(content_type), _position(state, features))


def _can_replay(content_id: str) -> bool:
    return content_id.startswith(("http://", "https://")) or media_source.is_media_source_id(
        content_id
    )


def _position(state: State, features: int) -> float | None:
    """Where the media is now; None when it cannot be sought (a live stream, no seek)."""
    position = state.attributes.get(ATTR_MEDIA_POSITION)
    duration = state.attributes.get(ATTR_MEDIA_DURATION)
    if not features & MediaPlayerEntityFeature.SEEK or not isinstance(position, (int, float)):
        return None
    if not duration:
        _LOGGER.debug("%s plays a live stream: it resumes at the live point", state.entity_id)
        return None
    updated = state.attributes.get(ATTR_MEDIA_POSITION_UPDATED_AT)
    if updated is not None:
        position += (dt_util.utcnow() - updated).total_seconds()
    return min(float(position), float(duration))


async def async_resume(hass: HomeAssistant, media: Resumable, context: Context | None) -> None:
    """Play ``media`` again on its speaker, from where it was."""
    try:
        await hass.services.async_call(
            MEDIA_PLAYER_DOMAIN,
            SERVICE_PLAY_MEDIA,
            {
                ATTR_ENTITY_ID: media.entity_id,
                ATTR_MEDIA_CONTENT_ID: media.content_id,
                ATTR_MEDIA_CONTENT_TYPE: media.content_type,
            },
            blocking=True,
            context=context,
        )
        if media.position:
            await hass.services.async_call(
                MEDIA_PLAYER_DOMAIN,
                SERVICE_MEDIA_SEEK,
                {ATTR_ENTITY_ID: media.entity_id, ATTR_MEDIA_SEEK_POSITION: media.position},
                blocking=True,
                context=context,
            )
    except HomeAssistantError as err:
        _LOGGER.warning("Could not resume what %s was playing: %s", media.entity_id, err)

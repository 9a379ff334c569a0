"""Two media players that take play_media as real speakers do, and write down what they did.

``media_player.test_speaker`` announces (like Sonos: an announcement plays over whatever it
plays, and its state does not change); ``media_player.kitchen_speaker`` does not (like a
Cast player: the announcement is its media, playing, then idle; it can seek). Both have a
volume. Either can be "playing music" (``play_music``): an http(s) URL it is not given the
audio of, with a position and a length (none for a live stream), as a radio or song would.

Each fetches the audio it is given over HTTP, as a real speaker does, "plays" it for as
long as it lasts (mutagen reads the length), and lists in its attributes every volume it
was set to and every play, with times, so a test can tell what happened when. The length
of what it played is what ffmpeg decodes (not the announcement's own reckoning).

The demo integration would do, but it sets up dozens of platforms whose requirements a
``--skip-pip`` Home Assistant does not have. The harness tests (tests/) use these players
too, with ``fetch`` reading the audio from Home Assistant's TTS streams instead of HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import time
from typing import Any

from homeassistant.components import media_source
from homeassistant.components.media_player import MediaPlayerEntity
from homeassistant.components.media_player.const import (
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.network import get_url
from homeassistant.util import dt as dt_util
from yarl import URL

type Fetch = Callable[[HomeAssistant, str], AsyncIterator[bytes]]

BASIC = MediaPlayerEntityFeature.PLAY_MEDIA | MediaPlayerEntityFeature.BROWSE_MEDIA


async def fetch_over_http(hass: HomeAssistant, url: str) -> AsyncIterator[bytes]:
    """The audio at ``url`` (a path on Home Assistant's own server, or a full URL)."""
    if url.startswith("/"):
        url = get_url(hass) + url
    async with async_get_clientsession(hass).get(url) as response:
        response.raise_for_status()
        async for chunk in response.content.iter_any():
            yield chunk


async def decoded_seconds(audio: bytes) -> float:
    """How long ``audio`` plays, as ffmpeg decodes it (16-bit mono at 24 kHz); 0 if it cannot.

    tests/audio_checks.py has the same measure, but this runs inside Home Assistant's own
    process, where the repository's tests package cannot be imported.
    """
    decode = ["-v", "quiet", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", "24000", "pipe:1"]
    ffmpeg = await asyncio.create_subprocess_exec(
        "ffmpeg", *decode, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    pcm, _ = await ffmpeg.communicate(audio)
    return len(pcm) / 48000 if ffmpeg.returncode == 0 else 0.0


async def async_setup_platform(
    hass: HomeAssistant,
    config: dict[str, Any],
    async_add_entities: AddEntitiesCallback,
    discovery_info: Any = None,
) -> None:
    """Add the speakers."""
    async_add_entities(speakers(fetch_over_http))


def speakers(fetch: Fetch) -> list[Speaker]:
    """The announcing speaker (volume 0.3) and the plain one (volume 0.5)."""
    return [
        Speaker(
            "Test speaker",
            BASIC | MediaPlayerEntityFeature.VOLUME_SET | MediaPlayerEntityFeature.MEDIA_ANNOUNCE,
            0.3,
            fetch,
        ),
        Speaker(
            "Kitchen speaker",
            BASIC
            | MediaPlayerEntityFeature.VOLUME_SET
            | MediaPlayerEntityFeature.SEEK
            | MediaPlayerEntityFeature.STOP,
            0.5,
            fetch,
        ),
    ]


class Speaker(MediaPlayerEntity):
    """Accepts media-source IDs (what tts.speak sends), fetches the audio and plays it."""

    _attr_state = MediaPlayerState.IDLE

    def __init__(
        self, name: str, features: MediaPlayerEntityFeature, volume: float, fetch: Fetch
    ) -> None:
        """A speaker called ``name`` at ``volume``."""
        self._attr_name = name
        self._attr_unique_id = f"e2e-{name.lower().replace(' ', '-')}"
        self._attr_supported_features = features
        self._attr_volume_level = volume
        self._fetch = fetch
        self.volumes: list[tuple[float, float]] = []  # (time, level) of each volume_set
        self.plays: list[dict[str, Any]] = []
        self.received: list[bytes] = []  # the audio of each play
        self.playing: asyncio.Task[None] | None = None
        self.seeks: list[float] = []  # each media_seek's position

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """What the speaker did, for the tests (copies: a state keeps what it was given)."""
        return {
            "volume_history": list(self.volumes),
            "plays": [dict(p) for p in self.plays],
            "seeks": list(self.seeks),
        }

    def play_music(
        self, url: str, position: int, duration: int | None, *, paused: bool = False
    ) -> None:
        """Be playing (or paused in) ``url`` at ``position`` s; no duration: a live stream."""
        self._attr_media_content_id = url
        self._attr_media_content_type = MediaType.MUSIC
        self._attr_media_position = position
        self._attr_media_position_updated_at = dt_util.utcnow()
        self._attr_media_duration = duration
        self._attr_state = MediaPlayerState.PAUSED if paused else MediaPlayerState.PLAYING
        self.async_write_ha_state()

    async def async_media_stop(self) -> None:
        """Stop the music (an announcement being played ends on its own)."""
        self._attr_state = MediaPlayerState.IDLE
        self.async_write_ha_state()

    async def async_media_seek(self, position: float) -> None:
        """Take the position, and note it."""
        self.seeks.append(position)
        self._attr_media_position = round(position)
        self._attr_media_position_updated_at = dt_util.utcnow()
        self.async_write_ha_state()

    async def async_set_volume_level(self, volume: float) -> None:
        """Take the volume, and note when."""
        self._attr_volume_level = volume
        self.volumes.append((time.time(), volume))
        self.async_write_ha_state()

    async def async_play_media(
        self, media_type: MediaType | str, media_id: str, **kwargs: Any
    ) -> None:
        """Take the media as a real speaker does: resolve media-source IDs to a URL."""
        url = media_id
        if media_source.is_media_source_id(media_id):
            url = (await media_source.async_resolve_media(self.hass, media_id, self.entity_id)).url
        announce = bool(kwargs.get("announce"))
        play = {
            "media_id": media_id,
            "announce": announce,
            "volume": self.volume_level,
            "told": time.time(),
        }
        for earlier in self.plays:  # an announcement still playing is cut off by this play
            if "ended" not in earlier and "music" not in earlier:
                earlier["cut"] = play["told"]
        self.plays.append(play)
        if not media_source.is_media_source_id(media_id) and not media_id.startswith("/"):
            # Music (a stream URL): not fetched. "?duration=180" makes it a song of that
            # length; without it, a live stream.
            duration = URL(media_id).query.get("duration")
            self.play_music(media_id, 0, int(duration) if duration else None)
            play["music"] = True
            self.async_write_ha_state()
            return
        if not announce:  # an announcement plays over the speaker's own media
            self._attr_media_content_id = media_id
            self._attr_media_content_type = media_type
            self._attr_state = MediaPlayerState.PLAYING
        self.async_write_ha_state()
        self.playing = self.hass.async_create_background_task(
            self._play(url, play, announce), f"{self.entity_id} playing"
        )

    async def _play(self, url: str, play: dict[str, Any], announce: bool) -> None:
        """Play from the first byte on, as a streaming speaker does; end when the audio does."""
        audio = bytearray()
        async for chunk in self._fetch(self.hass, url):
            play.setdefault("started", time.time())
            audio += chunk
        play["bytes"] = len(audio)
        self.received.append(bytes(audio))
        play["seconds"] = await decoded_seconds(bytes(audio))
        await asyncio.sleep(play.get("started", time.time()) + play["seconds"] - time.time())
        play["ended"] = time.time()
        if not announce:
            self._attr_state = MediaPlayerState.IDLE
        self.async_write_ha_state()

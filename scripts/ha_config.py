"""Writes a Home Assistant configuration directory for development and the end-to-end tests.

Run with the ``ha`` venv's Python (Home Assistant 2026.11). The HTTP settings (127.0.0.1
only, a chosen port) are written the way Home Assistant 2026.11 keeps them: as its confirmed
("stable") HTTP config in ``.storage/http``, with the YAML migration marked done. Written to
configuration.yaml instead, they would be a *pending* config that Home Assistant reverts,
restarting itself, five minutes after start unless someone confirms it.

    python scripts/ha_config.py CONFIG_DIR PORT [--extra-yaml TEXT]
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
import json
from pathlib import Path

from homeassistant.components.http.config import (
    HTTP_STORAGE_SCHEMA,
    STORAGE_KEY,
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
)

REPO = Path(__file__).resolve().parent.parent
BASE_YAML = """\
# Written by scripts/ha_config.py. What a user's default_config brings that TTS needs.
homeassistant:
  internal_url: http://127.0.0.1:{port}
frontend:
config:
media_source:
logger:
  default: {log_level}
  logs:
    custom_components.aura_tts: debug
"""


def http_storage(port: int) -> dict[str, object]:
    """Home Assistant's own storage document for a confirmed HTTP config."""
    conf = dict(HTTP_STORAGE_SCHEMA({"server_host": ["127.0.0.1"], "server_port": port}))
    conf = {key: getattr(value, "value", value) for key, value in conf.items()}  # enums
    conf |= {"created_at": datetime.now(UTC).isoformat(), "error": None, "error_message": None}
    return {
        "version": STORAGE_VERSION,
        "minor_version": STORAGE_MINOR_VERSION,
        "key": STORAGE_KEY,
        "data": {"stable": conf, "pending": None, "yaml_migration_done": True},
    }


def write_config(
    config_dir: Path, port: int, *, extra_yaml: str = "", log_level: str = "warning"
) -> None:
    """A configuration with this working tree's integration, listening on 127.0.0.1:port."""
    components = config_dir / "custom_components"
    components.mkdir(parents=True, exist_ok=True)
    link = components / "aura_tts"
    if not link.is_symlink():
        link.symlink_to(REPO / "custom_components" / "aura_tts")
    yaml_file = config_dir / "configuration.yaml"
    if not yaml_file.exists():
        yaml_file.write_text(BASE_YAML.format(port=port, log_level=log_level) + extra_yaml)
    storage = config_dir / ".storage"
    storage.mkdir(exist_ok=True)
    (storage / STORAGE_KEY).write_text(json.dumps(http_storage(port), indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_dir", type=Path)
    parser.add_argument("port", type=int)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    write_config(args.config_dir, args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()

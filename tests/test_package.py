"""What hassfest and the HACS action check on GitHub, checked here offline.

Manifest keys and order, hacs.json keys, translations in step with strings.json and with
the keys the code uses, icons for translated entities, brand images, the quality scale.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import struct
from typing import Any

from awesomeversion import AwesomeVersion
import pytest
import yaml  # type: ignore[import-untyped]

from custom_components.aura_tts import user_errors
from custom_components.aura_tts.aura.chime import CHIME_NAMES
from custom_components.aura_tts.const import SERVICE_DEEPGRAM
from custom_components.aura_tts.services import ANNOUNCE_SCHEMA

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components" / "aura_tts"
MANIFEST = json.loads((PACKAGE / "manifest.json").read_text())
STRINGS = json.loads((PACKAGE / "strings.json").read_text())
SOURCE = "\n".join(path.read_text() for path in sorted(PACKAGE.glob("*.py")))

IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "hacs",
    "persistent_directory",
    "render_readme",
}


def leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Every string of a translation tree by its dotted path."""
    found: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            found |= leaves(value, path + ".")
        else:
            found[path] = value
    return found


def test_manifest_has_hassfest_keys_in_hassfest_order() -> None:
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    required = {"codeowners", "config_flow", "documentation", "iot_class", "version"}
    assert required <= set(keys)
    assert MANIFEST["domain"] == PACKAGE.name
    assert MANIFEST["iot_class"] in IOT_CLASSES
    assert AwesomeVersion(MANIFEST["version"]).valid
    # Custom integrations may give ranges (hassfest insists on == only for core ones): a
    # range lets Home Assistant's own pin of a shared library satisfy ours.
    assert all(
        re.fullmatch(r"[A-Za-z0-9._-]+(==|>=|~=)[0-9][\w.]*(,<[0-9][\w.]*)?", r)
        for r in MANIFEST["requirements"]
    )
    assert all(owner.startswith("@") for owner in MANIFEST["codeowners"])


# hassfest's rule: an integration that imports homeassistant.components.X must list X in
# dependencies or after_dependencies, unless X is always there or is one of its own platforms.
HASSFEST_ALLOWED_USED = {"diagnostics", "homeassistant", "persistent_notification", "repairs"}


def test_every_component_imported_is_a_dependency() -> None:
    imported = set(re.findall(r"homeassistant\.components\.(\w+)", SOURCE))
    own_platforms = {path.stem for path in PACKAGE.glob("*.py")}
    listed = set(MANIFEST.get("dependencies", [])) | set(MANIFEST.get("after_dependencies", []))
    missing = imported - listed - own_platforms - HASSFEST_ALLOWED_USED
    assert not missing, f"Using component {missing} but it's not in 'dependencies'"
    assert "ffmpeg" in imported  # the rule is really checked against our imports


def test_one_version_number() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{MANIFEST["version"]}"' in pyproject
    assert MANIFEST["loggers"] == ["custom_components.aura_tts"]


def test_hacs_json_has_only_known_keys_and_our_minimum_version() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"] == MANIFEST["name"]
    assert AwesomeVersion(hacs["homeassistant"]) == AwesomeVersion("2026.3.0")
    if hacs.get("zip_release"):
        assert hacs["filename"] == "aura_tts.zip"
        release = (ROOT / ".github" / "workflows" / "release.yml").read_text()
        assert hacs["filename"] in release


def test_english_translation_is_strings_json() -> None:
    english = json.loads((PACKAGE / "translations" / "en.json").read_text())
    assert english == STRINGS


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "translations").glob("*.json")), ids=lambda p: p.name
)
def test_every_translation_has_every_key_and_placeholder(path: Path) -> None:
    theirs = leaves(json.loads(path.read_text()))
    ours = leaves(STRINGS)
    assert set(theirs) == set(ours)
    for key, text in ours.items():
        placeholders = set(re.findall(r"\{(\w+)\}", text))
        assert set(re.findall(r"\{(\w+)\}", theirs[key])) == placeholders, key


@pytest.mark.parametrize("name", ["strings.json", "translations/en.json", "translations/es.json"])
def test_every_exception_has_a_message(name: str) -> None:
    """Home Assistant reads exceptions.<key>.message; a bare string is never shown."""
    exceptions = json.loads((PACKAGE / name).read_text())["exceptions"]
    shapes = {
        key: sorted(value) if isinstance(value, dict) else value
        for key, value in exceptions.items()
    }
    assert shapes == {key: ["message"] for key in exceptions}


def test_every_translation_key_in_the_code_exists() -> None:
    exceptions = set(STRINGS["exceptions"])
    used = set(re.findall(r'translation_key="(\w+)"', SOURCE))
    table = user_errors.ERROR_TABLE
    # set-up raises the key check's keys of the errors it fails on
    used |= {row.speech_key for row in table} | {row.check_key for row in table}
    used |= {user_errors.UNEXPECTED, user_errors.RETIRED_KEY}
    # a Deepgram account's own wording of some of them (user_errors.worded)
    used |= {user_errors.worded(key, SERVICE_DEEPGRAM) for key in set(used)}
    entities = {key for platform in STRINGS["entity"].values() for key in platform}
    used |= set(re.findall(r'_attr_translation_key = "(\w+)"', SOURCE))
    assert used <= exceptions | set(STRINGS["issues"]) | entities
    assert exceptions <= used, "translations nobody raises"
    assert entities <= used, "entity names no entity has"

    errors = set(re.findall(r'errors\[[^]]+\] = "(\w+)"', SOURCE))
    errors |= set(re.findall(r'return \{"base": "(\w+)"\}', SOURCE))
    errors |= {row.check_key for row in user_errors.ERROR_TABLE} | {user_errors.UNEXPECTED}
    errors |= {user_errors.worded(key, SERVICE_DEEPGRAM, form=True) for key in set(errors)}
    assert errors
    profile = STRINGS["config_subentries"]["profile"]
    assert errors <= set(STRINGS["config"]["error"]) | set(profile["error"])
    aborts = set(re.findall(r'reason="(\w+)"', SOURCE))
    assert aborts <= set(STRINGS["config"]["abort"])
    # Home Assistant's own abort of a subentry Edit form: async_update_and_abort.
    assert set(profile["abort"]) == {"reconfigure_successful"}


def test_translated_entities_have_icons() -> None:
    icons = json.loads((PACKAGE / "icons.json").read_text())
    assert set(icons["entity"]) == set(STRINGS["entity"])
    for platform, entities in STRINGS["entity"].items():
        assert set(icons["entity"][platform]) == set(entities)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_brand_images_have_the_sizes_home_assistant_wants() -> None:
    brand = PACKAGE / "brand"
    assert png_size(brand / "icon.png") == (256, 256)
    assert png_size(brand / "icon@2x.png") == (512, 512)
    assert 128 <= min(png_size(brand / "logo.png")) <= 256
    assert 256 <= min(png_size(brand / "logo@2x.png")) <= 512


def test_quality_scale_is_complete() -> None:
    rules = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text())["rules"]
    for name, rule in rules.items():
        status = rule if isinstance(rule, str) else rule["status"]
        assert status in {"done", "exempt"}, f"{name}: {status}"
        if status == "exempt":
            assert rule["comment"], name
    platinum = {"async-dependency", "inject-websession", "strict-typing"}
    assert platinum <= set(rules)
    assert len(rules) >= 50


def test_every_action_is_described_translated_and_has_an_icon() -> None:
    """services.yaml, the translations and icons.json name the same actions and fields (as
    hassfest checks), and the chime choices are the bundled chimes."""
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text())
    icons = json.loads((PACKAGE / "icons.json").read_text())
    assert set(services) == set(STRINGS["services"]) == set(icons["services"]) == {"announce"}
    for name, service in services.items():
        assert set(service["fields"]) == set(STRINGS["services"][name]["fields"])
        assert set(ANNOUNCE_SCHEMA.schema) >= set(service["fields"])
    chimes = services["announce"]["fields"]["chime"]["selector"]["select"]["options"]
    assert tuple(chimes) == CHIME_NAMES
    assert set(chimes) == set(STRINGS["selector"]["chime"]["options"])


def test_every_test_the_readme_names_exists() -> None:
    """A README claim names the test that shows it: fails when a named file is gone (moved
    without the README) or a named test is not in the file the README says."""
    readme = (ROOT / "README.md").read_text()
    # "tests/x.py: test_a, test_b; e2e/y.py: test_c": each path owns the names after it.
    segments = re.split(r"(?=\b(?:tests|e2e)/[\w/]+\.py)", readme)
    checked = 0
    for segment in segments:
        if not (match := re.match(r"((?:tests|e2e)/[\w/]+\.py)", segment)):
            continue
        path = ROOT / match.group(1)
        assert path.is_file(), match.group(1)
        claim = segment[match.end() :].split(")", 1)[0]
        source = path.read_text()
        for name in re.findall(r"\btest_\w+", claim):
            assert f"def {name}(" in source, f"{match.group(1)} has no {name}"
            checked += 1
    assert checked > 20

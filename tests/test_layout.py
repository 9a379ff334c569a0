"""The house rules of the layout: the library half (``aura/``) knows nothing of Home
Assistant or of the integration around it, and the integration reaches it only through its
front door (``aura/__init__.py``).

Fails when a library module imports ``homeassistant`` (or the integration's own modules), or
an integration module imports a library module by its inner path (``from .aura.client``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from custom_components.aura_tts import aura

PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / "aura_tts"
LIBRARY = PACKAGE / "aura"


def imports_of(path: Path) -> list[tuple[int, str | None, int]]:
    """(level, module, line) of every import in ``path``, nested ones included."""
    found: list[tuple[int, str | None, int]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(0, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module, node.lineno))
    return found


LIBRARY_FILES = sorted(LIBRARY.rglob("*.py"))
INTEGRATION_FILES = sorted(PACKAGE.glob("*.py"))


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_library_imports_nothing_of_home_assistant_or_the_integration(path: Path) -> None:
    depth = len(path.relative_to(LIBRARY).parts) - 1  # 0 for aura/x.py, 1 for aura/join/x.py
    for level, module, line in imports_of(path):
        where = f"{path.relative_to(PACKAGE)}:{line}"
        if level == 0:
            root = (module or "").split(".")[0]
            assert root not in {"homeassistant", "custom_components"}, where
        else:
            assert level <= depth + 1, f"{where} reaches out of the library package"


@pytest.mark.parametrize("path", INTEGRATION_FILES, ids=lambda p: p.name)
def test_the_integration_uses_the_library_through_its_front_door(path: Path) -> None:
    for level, module, line in imports_of(path):
        inner = (level == 1 and (module or "").startswith("aura.")) or (
            level == 0 and (module or "").startswith("custom_components.aura_tts.aura.")
        )
        assert not inner, f"{path.name}:{line} imports {module} past the front door"


def test_the_front_door_lists_what_it_offers() -> None:
    assert sorted(aura.__all__) == sorted(set(aura.__all__))
    for name in aura.__all__:
        assert hasattr(aura, name), name
    assert LIBRARY_FILES  # the rules above looked at something
    assert len(INTEGRATION_FILES) > 10


TESTS = Path(__file__).resolve().parent
LIBRARY_TESTS = sorted((TESTS / "aura").glob("*.py"))
# What a library test may lean on besides the library: HA-free helpers of the test suite.
HA_FREE_HELPERS = ("tests.aura", "tests.fake_aimlapi", "tests.fake_deepgram", "tests.audio_checks")


@pytest.mark.parametrize("path", LIBRARY_TESTS, ids=lambda p: p.name)
def test_the_library_tests_need_no_home_assistant(path: Path) -> None:
    """Fails when a test under tests/aura/ imports Home Assistant, the test harness, the
    integration's Home Assistant half, or a test helper that does (tests.helpers)."""
    for level, module, line in imports_of(path):
        name = module or ""
        where = f"tests/aura/{path.name}:{line} imports {name}"
        assert level == 0, where  # absolute imports only: the rule reads full names
        root = name.split(".")[0]
        assert root not in {"homeassistant", "pytest_homeassistant_custom_component", "e2e"}
        if root == "custom_components":
            assert name == "custom_components.aura_tts.aura" or name.startswith(
                "custom_components.aura_tts.aura."
            ), where
        if root == "tests":
            assert name.startswith(HA_FREE_HELPERS), where
    assert len(LIBRARY_TESTS) > 8

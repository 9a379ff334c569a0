"""Say X as Y: replacements applied to the text before it is spoken (no Home Assistant).

For names of rooms, people and devices that Aura says wrong. The user writes one rule a
line, ``written = spoken``. A rule replaces whole words only (never part of a longer word).
A rule written in lower case matches any case ("nas" is also "NAS" and "Nas"); a rule with
a capital letter matches only that spelling ("US = United States" leaves "us" alone).
All rules apply in one pass, longest first, so a replacement is never replaced again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
import re
from typing import Final

SEPARATOR: Final = "="
MAX_RULES: Final = 200


class PronunciationError(ValueError):
    """A line that is not a rule; ``line`` is its number (from 1)."""

    def __init__(self, line: int, text: str) -> None:
        """Say which line is wrong."""
        super().__init__(f"line {line} is not 'written = spoken': {text!r}")
        self.line = line


@dataclass(frozen=True, slots=True)
class Pronunciation:
    """Say ``written`` as ``spoken``."""

    written: str
    spoken: str

    @property
    def any_case(self) -> bool:
        """Whether the rule matches the word in any case (it is written in lower case)."""
        return self.written == self.written.lower()


def parse_pronunciations(text: str) -> tuple[Pronunciation, ...]:
    """The rules of ``text``, one a line; blank lines are skipped.

    Raises PronunciationError for a line without ``=``, with nothing on a side, or a
    written side that appears twice.
    """
    rules: dict[str, Pronunciation] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        written, separator, spoken = line.partition(SEPARATOR)
        written, spoken = " ".join(written.split()), " ".join(spoken.split())
        key = written.lower() if written == written.lower() else written
        if not separator or not written or not spoken or key in rules or len(rules) >= MAX_RULES:
            raise PronunciationError(number, line)
        rules[key] = Pronunciation(written, spoken)
    return tuple(rules.values())


def format_pronunciations(rules: tuple[Pronunciation, ...]) -> str:
    """The rules as the user writes them (one ``written = spoken`` a line)."""
    return "\n".join(f"{rule.written} {SEPARATOR} {rule.spoken}" for rule in rules)


class Pronouncer:
    """Applies a set of rules to text."""

    def __init__(self, rules: tuple[Pronunciation, ...]) -> None:
        """Compile ``rules`` into one pattern."""
        self._exact = {rule.written: rule.spoken for rule in rules if not rule.any_case}
        self._any_case = {rule.written: rule.spoken for rule in rules if rule.any_case}
        # Longest first: "living room lamp" wins over "living room".
        ordered = sorted(rules, key=lambda rule: len(rule.written), reverse=True)
        words = [
            f"(?i:{_spaced(rule.written)})" if rule.any_case else _spaced(rule.written)
            for rule in ordered
        ]
        # Whole words: no letter, digit or underscore right before or after.
        self._pattern = re.compile(rf"(?<!\w)(?:{'|'.join(words)})(?!\w)") if words else None

    def __call__(self, text: str) -> str:
        """``text`` with every rule applied."""
        if self._pattern is None:
            return text
        return self._pattern.sub(self._replacement, text)

    def _replacement(self, match: re.Match[str]) -> str:
        found = " ".join(match.group(0).split())
        return self._exact.get(found) or self._any_case[found.lower()]


def _spaced(written: str) -> str:
    """``written`` as a pattern in which each space matches any run of white space."""
    return r"\s+".join(re.escape(word) for word in written.split(" "))


@lru_cache(maxsize=16)
def pronouncer(text: str) -> Pronouncer:
    """The rules written in ``text``, compiled (once for each text)."""
    return Pronouncer(parse_pronunciations(text))

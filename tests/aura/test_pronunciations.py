"""Pronunciation rules ("say X as Y"): parsing, matching, writing back."""

from __future__ import annotations

import pytest

from custom_components.aura_tts.aura.pronunciations import (
    Pronouncer,
    PronunciationError,
    format_pronunciations,
    parse_pronunciations,
)


def say(rules: str, text: str) -> str:
    return Pronouncer(parse_pronunciations(rules))(text)


def test_whole_words_only() -> None:
    """Fails if a rule replaces part of a longer word."""
    rules = "nas = N A S\nsalón = sala"
    assert say(rules, "The nas is full; the nasal spray is not.") == (
        "The N A S is full; the nasal spray is not."
    )
    assert say(rules, "El salón, ¿listo? Los salones no.") == "El sala, ¿listo? Los salones no."


def test_lower_case_rules_match_any_case_capitals_only_themselves() -> None:
    assert say("nas = N A S", "NAS, Nas and nas.") == "N A S, N A S and N A S."
    assert say("US = United States", "Tell us about the US.") == (
        "Tell us about the United States."
    )


def test_longest_first_and_never_twice() -> None:
    """Fails if a shorter rule wins over a longer one, or a replacement is replaced again."""
    rules = "living room = lounge\nliving room lamp = reading lamp\nlounge = parlour"
    text = "Living room lamp on, living  room\nlamp? No: living\troom off."
    assert say(rules, text) == "reading lamp on, reading lamp? No: lounge off."


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Siobhan = Shivawn\nno separator here", 2),
        ("= nothing written", 1),
        ("nothing spoken =", 1),
        ("nas = N A S\n\nnas = Nass", 3),  # the same rule twice
    ],
)
def test_lines_that_are_not_rules(text: str, line: int) -> None:
    with pytest.raises(PronunciationError) as raised:
        parse_pronunciations(text)
    assert raised.value.line == line


def test_written_back_one_way() -> None:
    rules = parse_pronunciations("  Siobhan=Shivawn \n\n living   room =  lounge")
    assert format_pronunciations(rules) == "Siobhan = Shivawn\nliving room = lounge"
    assert parse_pronunciations(format_pronunciations(rules)) == rules

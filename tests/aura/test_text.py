"""Cleaning and cutting text (pure functions), with property tests."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.aura_tts.aura.text import first_clause_end, sentences, split_text


def test_split_keeps_short_text_whole() -> None:
    assert split_text("One. Two. Three.", 2000) == ["One. Two. Three."]
    assert sentences("First one. Second one!") == ["First one.", "Second one!"]


def test_split_falls_back_to_clauses_then_words_then_characters() -> None:
    clause = "alpha beta, gamma delta, " * 10
    pieces = split_text(clause, 40)
    assert all(len(p) <= 40 for p in pieces)
    assert all(p.endswith(",") for p in pieces[:-1])
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_split_never_separates_joined_characters() -> None:
    family = "👨\u200d👩\u200d👧"
    pieces = split_text(family * 10, 7)
    assert "".join(pieces) == family * 10
    for piece in pieces:
        assert not piece.startswith("\u200d")
        assert not piece.endswith("\u200d")
    accented = "e\u0301" * 20
    assert all(not p.startswith("\u0301") for p in split_text(accented, 5))


_TEXT = st.lists(
    st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from([" ", ". ", "! ", "\n"]),
    max_size=300,
).map("".join)


@given(text=_TEXT, limit=st.integers(min_value=5, max_value=300))
@settings(max_examples=200, deadline=None)
def test_split_loses_and_reorders_nothing(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)

    def squash(value: str) -> str:  # whitespace and markdown asterisks are not spoken
        return re.sub(r"[\s*]", "", value)

    assert squash("".join(pieces)) == squash(text)


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("The kitchen lights are on and the blinds are down, so", "down, "),
        ("The kitchen lights are on and the blinds are down,", None),  # no space yet
        ("Short, and then a much longer clause that keeps going; then", "going; "),
        ("It costs 1,000 dollars and arrives at 10:30 tomorrow morning, ok", "morning, "),
        ("The well-known recipe uses e.g. butter and other things - like", "things - "),
        ("Las luces del salón están apagadas y las persianas bajadas, así", "bajadas, "),
        (
            "客厅的灯已经关了窗帘也拉下来了所以房子已经准备好过夜了现在可以休息了吗好的谢谢你\uff0c明天见",
            "谢谢你\uff0c",
        ),
    ],
)
def test_first_clause_end_never_cuts_a_word_number_or_abbreviation(
    text: str, end: str | None
) -> None:
    """Fails if the first clause ends inside a number (1,000; 10:30), a hyphenated word or
    an abbreviation, before 40 characters, or before the space that shows it is over."""
    cut = first_clause_end(text, 40)
    if end is None:
        assert cut is None
    else:
        assert cut is not None
        assert text[:cut].endswith(end)
        assert cut >= 40

"""Text to request-sized pieces, cut where a reader would pause (pure functions).

Sentences come from ``sentence_stream``, the detector Home Assistant's own streaming TTS
engines use. What it lacks is added here: Deepgram takes at most 2000 characters a request,
so sentences are packed into pieces under that limit, and a giant sentence is cut at a
clause, then a word, and only as a last resort between characters (never inside one: a
combining mark or an emoji sequence stays with its base character).
"""

from __future__ import annotations

from collections.abc import Iterator
import re
import unicodedata

from sentence_stream import stream_to_sentences

# Where a clause ends: a comma, semicolon or colon before a space (so never inside "1,000"
# or "10:30"), a dash between spaces (never inside "well-known"), or a CJK clause mark.
_CLAUSE_END = re.compile(
    r"(?:[,;:](?=\s)|(?<=\s)[-\u2013\u2014](?=\s)|[\u3001\uff0c\uff1b\uff1a])\s*"
)
# C0 and C1 control characters, except tab, line feed and carriage return (spacing).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Aura reads text, not SSML: tags written for other engines would be read out or refused.
_SSML_TAG = re.compile(
    r"</?(?:speak|break|prosody|emphasis|say-as|phoneme|sub|voice|audio|mark|lang|p|s|w"
    r"|amazon:[\w-]+)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
_ZERO_WIDTH_JOINER = "\u200d"


def clean_text(text: str) -> str:
    """``text`` without control characters and SSML-like tags (their words are kept)."""
    return _CONTROL.sub(" ", _SSML_TAG.sub(" ", text))


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped, none empty."""
    return [sentence for sentence in stream_to_sentences([text]) if sentence.strip()]


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at the best boundaries.

    Sentences are packed together up to the limit, so short messages stay one request.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    current = ""
    for sentence in sentences(text):
        for part in _fit(sentence, limit):
            joined = f"{current} {part}" if current else part
            if len(joined) <= limit:
                current = joined
            else:
                pieces.append(current)
                current = part
    if current:
        pieces.append(current)
    return pieces


def _fit(sentence: str, limit: int) -> Iterator[str]:
    """Yield parts of one sentence, each at most ``limit`` characters."""
    while len(sentence) > limit:
        cut = best_cut(sentence, limit)
        head, sentence = sentence[:cut].rstrip(), sentence[cut:].lstrip()
        if head:
            yield head
    if sentence:
        yield sentence


def first_clause_end(text: str, minimum: int) -> int | None:
    """Where the first clause of ``text`` at least ``minimum`` characters long ends.

    None while no such clause end is known: a comma, semicolon or colon counts only once the
    space after it has arrived, so a word, a number or an abbreviation is never cut.
    """
    match = _CLAUSE_END.search(text, max(0, minimum - 1))
    return None if match is None else match.end()


def best_cut(text: str, limit: int) -> int:
    """Index at which to cut ``text`` so the head fits in ``limit`` characters."""
    window = text[: limit + 1]
    # Prefer the last clause end, then the last space, in the second half of the window
    # (cutting very early would make many tiny requests).
    for pattern in (_CLAUSE_END, _SPACE):
        ends = [m.end() for m in pattern.finditer(window) if limit // 2 <= m.end() <= limit]
        if ends:
            return ends[-1]
    return _safe_character_cut(text, limit)


def _safe_character_cut(text: str, limit: int) -> int:
    """The largest cut <= limit that does not separate a character from what joins it."""
    cut = limit
    while cut > 1 and _joins_previous(text, cut):
        cut -= 1
    return cut


def _joins_previous(text: str, index: int) -> bool:
    """Whether the character at ``index`` belongs with the one before it."""
    char, previous = text[index], text[index - 1]
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char) in {"Mn", "Me", "Mc"}
        or _ZERO_WIDTH_JOINER in {char, previous}
        or 0xFE00 <= ord(char) <= 0xFE0F  # variation selectors
        or 0x1F3FB <= ord(char) <= 0x1F3FF  # skin tone modifiers
        or (0xDC00 <= ord(char) <= 0xDFFF)  # a lone low surrogate never starts a piece
    )

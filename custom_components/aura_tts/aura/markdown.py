"""Markdown (and emoji) to what a person reading the text aloud would say (no Home Assistant).

Language models answer in Markdown; read as it is, Aura says "asterisk asterisk", spells out
URLs and names emoji. This pass keeps the words and drops the markup:

- emphasis and strike markers (``*``, ``**``, ``_``, ``__``, ``~~``) go, their words stay;
- headings, list items and table rows become sentences (no "dash", no "one dot"); table
  cells are joined by commas; rules, table separators and fenced code blocks go;
- a link is read as its text, an image as its alt text, a bare URL as its host
  ("example.com"), inline code as its text;
- emoji and pictographs go.

Plain text is left as it is: a marker only counts when it is used as Markdown uses it (an
emphasis marker must close, an ``_`` inside a word never does, ``5 * 3`` has spaces around
its star, ``#1`` has no space after its hash).

Streaming: :class:`MarkdownToSpeech` takes the text in deltas (an Assist answer arrives a few
characters at a time) and gives out what is final as soon as it is: a whole line, or the
start of a line up to a space that no open construct spans. The result of any split into
deltas equals :func:`markdown_to_speech` of the whole text, and no more than the open
construct (a word, a link, an emphasised phrase) waits.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable
import re
from typing import Final
from urllib.parse import urlsplit

from .errors import MessageTooLongError

_FENCE: Final = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING: Final = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)")
_HEADING_END: Final = re.compile(r"[ \t]+#+[ \t]*$")
_LIST_ITEM: Final = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")
_QUOTE: Final = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+")
_RULE: Final = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_TABLE_ROW: Final = re.compile(r"^[ \t]*\|.*\|[ \t]*$")
_TABLE_SEPARATOR: Final = re.compile(
    r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$"
)
# What decides how a line starts; a line shorter than this (and unfinished) waits.
_PREFIX_CHARS: Final = frozenset(" \t#>|-*+_~`0123456789.)")

_IMAGE: Final = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK: Final = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_AUTOLINK: Final = re.compile(r"<((?:https?://|www\.)[^>\s]+)>")
_URL: Final = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")
_CODE: Final = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
# Emphasis: the opener followed by a non-space, the closer after one; "_" never inside a word.
_EMPHASIS: Final = (
    re.compile(r"(?<![\w*])\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*(?![\w*])"),
    re.compile(r"(?<!\*)\*\*(?=[^\s*])(.+?)(?<=[^\s*])\*\*(?!\*)"),
    re.compile(r"(?<![\w_])__(?=[^\s_])(.+?)(?<=[^\s_])__(?![\w_])"),
    re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"),
    re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])"),
    re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"),
)
# A marker that may still be closed (or a link or code still being written).
_MAY_OPEN: Final = re.compile(
    r"(?<![\w*])\*+(?=[^\s*])|(?<!\*)\*\*+(?=[^\s*])|(?<![\w_])_+(?=[^\s_])|~~(?=\S)|`|\[|<(?:h|w)"
)
_EMOJI: Final = re.compile(
    "(?:[\U0001f000-\U0001faff\U00002600-\U000027bf\U00002b00-\U00002bff"
    "\U0001f1e6-\U0001f1ff\ufe0f\u200d\u20e3\U000e0020-\U000e007f])+[ \t]?"
)
_CUT_TRIES: Final = 8
_SENTENCE_END: Final = ".!?:;,\u2026\u3002\uff01\uff1f"


async def spoken_text(
    deltas: AsyncIterable[str], max_length: int | None = None
) -> AsyncGenerator[str]:
    """An answer's deltas as speech text, each part as soon as it is final.

    ``max_length`` counts the text as written: one over it is refused before any part of it
    goes on (a part given out early would be paid for).
    """
    converter = MarkdownToSpeech()
    written = 0
    async for delta in deltas:
        written += len(delta)
        if max_length is not None and written > max_length:
            raise MessageTooLongError(f"the message is over {max_length} characters", max_length)
        if part := converter.feed(delta):
            yield part
    if rest := converter.finish():
        yield rest


def markdown_to_speech(text: str) -> str:
    """``text`` as it should be read aloud (see the module's description)."""
    converter = MarkdownToSpeech()
    return converter.feed(text) + converter.finish()


class MarkdownToSpeech:
    """Markdown in deltas, speech text out as soon as it is final."""

    def __init__(self) -> None:
        """Start at the beginning of a line, outside a code block."""
        self._line = ""  # the current line, not given out yet (from _kind's start)
        self._kind: str | None = None  # how the current line is read, once known
        self._fence: str | None = None  # the marker of the code block we are in
        self._said = ""  # the last character given out of the current line

    def feed(self, delta: str) -> str:
        """Take the next characters; return the speech text that is final now."""
        out: list[str] = []
        self._line += delta
        while "\n" in self._line:
            line, self._line = self._line.split("\n", 1)
            out.append(self._whole_line(line))
            self._kind, self._said = None, ""
        out.append(self._partial_line())
        return "".join(out)

    def finish(self) -> str:
        """The text is complete: the rest of the last line."""
        line, self._line = self._line, ""
        out = self._whole_line(line, last=True) if line or self._said else ""
        self._kind, self._said = None, ""
        return out

    def _whole_line(self, line: str, *, last: bool = False) -> str:
        """The rest of a line, now that it has ended."""
        kind = self._kind or self._line_kind(line, whole=True)
        # A line given out in part has had its block markers taken off already.
        body = line if self._kind is not None else _block_text(kind, line)
        end = "" if last else "\n"
        if kind in ("code", "drop"):
            return ""
        if kind in ("heading", "item", "row"):
            # A sentence of its own: it ends with a stop unless it has one.
            spoken = _inline(body).rstrip()
            said = spoken[-1:] or self._said
            if said and said not in _SENTENCE_END:
                spoken += "."
            return spoken + end if said else ""
        return _inline(body) + end

    def _partial_line(self) -> str:
        """The start of the unfinished line that is final already."""
        if self._kind is None:
            kind = self._line_kind(self._line, whole=False)
            if kind is None:
                return ""
            self._kind = kind
            if kind in ("item", "quote", "plain"):
                self._line = _block_text(kind, self._line)
        if self._kind not in ("item", "quote", "plain"):
            return ""  # headings, rows and code wait for their line's end
        # An item ends with a stop added after its last word: its spaces wait for the end.
        cut = _safe_cut(self._line, with_space=self._kind != "item")
        if not cut:
            return ""
        done, self._line = self._line[:cut], self._line[cut:]
        spoken = _inline(done)
        self._said = spoken.rstrip()[-1:] or self._said
        return spoken

    def _line_kind(self, line: str, *, whole: bool) -> str | None:  # noqa: PLR0911 - a table
        """How ``line`` is read; None while it is too short to tell."""
        if self._fence is not None:
            if (
                whole
                and line.strip().startswith(self._fence)
                and not line.strip(self._fence[0]).strip()
            ):
                self._fence = None
            return "code" if whole else None
        if match := _FENCE.match(line):
            if whole:
                self._fence = match.group(1)
                return "code"
            return None
        stripped = line.lstrip(" \t")
        if not whole and (len(line) - len(stripped) > 3 or all(c in _PREFIX_CHARS for c in line)):
            return None  # only markers so far: a list item, a heading, a rule, a fence...
        if _RULE.match(line) or _TABLE_SEPARATOR.match(line):
            return "drop" if whole else None
        if _HEADING.match(line):
            return "heading" if whole else None
        if stripped.startswith("|"):
            if not whole:
                return None
            return "row" if _TABLE_ROW.match(line) else "plain"
        if _LIST_ITEM.match(line):
            return "item"
        if _QUOTE.match(line):
            return "quote"
        return "plain"


def _block_text(kind: str | None, line: str) -> str:
    """The line without its block markers."""
    if kind == "heading":
        return _HEADING_END.sub("", _HEADING.sub("", line, count=1))
    if kind == "item":
        return _LIST_ITEM.sub("", _QUOTE.sub("", line, count=1), count=1)
    if kind == "quote":
        return _QUOTE.sub("", line, count=1)
    if kind == "row":
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        return ", ".join(cell for cell in cells if cell)
    return line


def _inline(text: str) -> str:
    """Inline markup of a span with no construct open at either end."""
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(lambda m: _host(m.group(1)), text)
    text = _URL.sub(lambda m: _host(m.group(0)), text)
    text = _CODE.sub(lambda m: m.group(2).strip(), text)
    for pattern in _EMPHASIS:
        while True:
            changed = pattern.sub(r"\1", text)
            if changed == text:
                break
            text = changed
    return _EMOJI.sub("", text)


def _host(url: str) -> str:
    """A URL as it is said: its host, without ``www.``."""
    host = urlsplit(url if "://" in url else f"http://{url}").hostname or url
    return host.removeprefix("www.")


def _safe_cut(line: str, *, with_space: bool) -> int:
    """Where the longest start of ``line`` that no open construct crosses ends.

    At a space that follows a word (just after it, ``with_space``; else just before it),
    outside any marker still to be closed; 0 when there is no such place.
    """
    position = len(line)
    # The last few spaces only: each try converts the line so far, and a marker open early
    # in a long line would otherwise make every delta cost the whole line again and again.
    for _ in range(_CUT_TRIES):
        if (position := line.rfind(" ", 0, position)) <= 0:
            break
        before = line[position - 1]
        if before in " \t" or _EMOJI.match(before):
            continue
        if not _MAY_OPEN.search(_inline(line[:position])):
            return position + with_space
    return 0

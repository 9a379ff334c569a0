"""Voices, text splitting and WAV helpers (pure functions), with property tests."""

from __future__ import annotations

import json
from pathlib import Path
import re

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.aura_tts.aura.audio import (
    UNKNOWN_SIZE,
    AudioFormat,
    parse_wav_header,
    plan_output,
    wav_header,
)
from custom_components.aura_tts.aura.errors import BadResponseError
from custom_components.aura_tts.aura.join.wav import WavJoiner
from custom_components.aura_tts.aura.text import first_clause_end, sentences, split_text
from custom_components.aura_tts.aura.voices import (
    VOICES,
    Generation,
    parse_voice_id,
    supported_languages,
    voices_for_language,
)

SEEDS = Path(__file__).parent / "fake_aimlapi" / "openapi"


def seed_ids() -> list[str]:
    """Every "#g1_..." model ID of the published legacy-style schemas."""
    ids: list[str] = []
    for name in ("aura.legacy-model-ids.json", "aura-2.legacy-model-ids.json"):
        spec = json.loads((SEEDS / name).read_text())
        schema = spec["paths"]["/v1/tts"]["post"]["requestBody"]["content"]["application/json"]
        ids += [m for m in schema["schema"]["properties"]["model"]["enum"] if m.startswith("#")]
    return ids


def test_catalog_has_every_documented_voice_once() -> None:
    documented = set(seed_ids()) | {"#g1_aura-2-draco-en"}  # draco: seed page, newer API
    assert documented <= set(VOICES)
    assert len(VOICES) == 56 == len(set(VOICES))
    assert sum(v.generation is Generation.AURA for v in VOICES.values()) == 12


def test_labels_and_languages() -> None:
    thalia = VOICES["#g1_aura-2-thalia-en"]
    assert thalia.label == "Thalia — Aura 2 · English (US) · feminine"
    assert "older" in VOICES["#g1_aura-asteria-en"].label
    assert VOICES["#g1_aura-2-celeste-es"].language == "es-CO"
    assert {"en", "en-US", "en-GB", "en-AU", "es", "es-MX"} <= set(supported_languages())


def test_voices_for_language() -> None:
    assert {v.base_language for v in voices_for_language("es")} == {"es"}
    british = voices_for_language("en-GB")
    assert [v.language for v in british[:4]] == ["en-GB"] * 4
    assert voices_for_language("fr") == []


def test_parse_voice_id() -> None:
    assert parse_voice_id("#g1_aura-2-thalia-en") is VOICES["#g1_aura-2-thalia-en"]
    future = parse_voice_id("#g1_aura-2-nova-fr")
    assert future is not None
    assert (future.name, future.language, future.generation) == ("nova", "fr", Generation.AURA_2)
    assert future.label.startswith("Nova — Aura 2 · fr")
    assert parse_voice_id("thalia") is None


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


@given(
    lengths=st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=6),
    rate=st.sampled_from([8000, 16000, 24000]),
    chunk=st.integers(min_value=1, max_value=97),
)
def test_wav_joiner_joins_pieces_into_one_stream(lengths: list[int], rate: int, chunk: int) -> None:
    """Pieces arriving in any chunking: one header, then every piece's audio in order."""
    pieces = [
        wav_header(rate, data_size=2 * n) + bytes([i % 256]) * 2 * n for i, n in enumerate(lengths)
    ]
    joiner = WavJoiner()
    out = b""
    for piece in pieces:
        for start in range(0, len(piece), chunk):
            out += joiner.feed(piece[start : start + chunk])
        joiner.end_piece()
    info = parse_wav_header(out)
    assert (info.sample_rate, info.channels, info.sample_width) == (rate, 1, 2)
    assert info.data_size == UNKNOWN_SIZE  # a stream: the length is not known up front
    assert out[info.data_offset :] == b"".join(p[44:] for p in pieces)


def test_wav_joiner_passes_a_single_piece_through() -> None:
    piece = wav_header(16000, data_size=4) + b"abcd"
    joiner = WavJoiner()
    joiner.single = True
    assert joiner.feed(piece) == piece


def test_wav_joiner_refuses_what_is_not_wav() -> None:
    with pytest.raises(BadResponseError, match="not WAV"):
        WavJoiner().feed(b"ID3 an mp3 file")


def test_wav_errors_and_streaming_header() -> None:
    with pytest.raises(ValueError, match="RIFF"):
        parse_wav_header(b"ID3 not a wav")
    streamed = parse_wav_header(wav_header(16000))
    assert streamed.data_size == UNKNOWN_SIZE
    with pytest.raises(ValueError, match="no data chunk"):
        parse_wav_header(b"RIFF\0\0\0\0WAVE")


def test_audio_format_rules() -> None:
    assert AudioFormat("mp3").request_fields() == {"encoding": "mp3"}
    assert AudioFormat("linear16", "none", 8000).extension == "pcm"
    assert AudioFormat("mulaw", "none").extension == "mulaw"
    with pytest.raises(ValueError, match="sample rate"):
        AudioFormat("mp3", sample_rate=16000).validate()
    with pytest.raises(ValueError, match="container"):
        AudioFormat("flac", "wav").validate()
    with pytest.raises(ValueError, match="unknown encoding"):
        AudioFormat("speex").validate()


@pytest.mark.parametrize(
    ("wanted", "encoding", "convert"),
    [
        ((None,), "mp3", False),
        (("wav", 16000, 1, 2), "linear16", False),
        (("wav", 44100), "linear16", True),
        (("wav", 16000, 2), "linear16", True),
        (("wav", 16000, 1, 4), "linear16", True),
        (("mp3", 22050), "mp3", False),
        (("mp3", 44100), "linear16", True),
        (("ogg",), "opus", False),
        (("flac",), "flac", False),
        (("flac", 48000, 1, 2), "flac", False),  # Voice PE
        (("flac", 44100), "linear16", True),
        (("flac", 16000, 1, 4), "linear16", True),
        (("aac",), "aac", False),
    ],
)
def test_plan_output(wanted: tuple[object, ...], encoding: str, convert: bool) -> None:
    plan = plan_output(*wanted)  # type: ignore[arg-type]
    assert plan.request.encoding == encoding
    assert plan.convert is convert
    assert plan.extension == (wanted[0] or "mp3")


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

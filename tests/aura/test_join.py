"""The joiners (join/) with real encoder output: pieces made by ffmpeg, results decoded by
ffmpeg (and FLAC by the reference ``flac --test``).

Each piece is a whole file, as Aura sends it, written to disk so the encoders add what they
add to files (ID3 tags, the Xing/LAME frame, Ogg end-of-stream pages, FLAC seek tables).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
import struct
import subprocess

import pytest

from custom_components.aura_tts.aura.audio import AudioFormat
from custom_components.aura_tts.aura.errors import BadResponseError
from custom_components.aura_tts.aura.join import Joiner, RawJoiner, joiner_for
from custom_components.aura_tts.aura.join.adts import adts_frame
from custom_components.aura_tts.aura.join.flac import (
    FlacJoiner,
    frame_is_whole,
    parse_frame_header,
    renumbered,
)
from custom_components.aura_tts.aura.join.mp3 import mp3_frame
from custom_components.aura_tts.aura.join.ogg import packet_samples
from tests.audio_checks import flac_test, ogg_pages

# format -> (what Aura is asked for, ffmpeg's encoder options, muxer)
FORMATS: dict[str, tuple[AudioFormat, list[str], str]] = {
    "flac": (AudioFormat("flac"), ["-c:a", "flac"], "flac"),
    "mp3": (AudioFormat("mp3"), ["-c:a", "libmp3lame", "-b:a", "48k"], "mp3"),
    "ogg": (AudioFormat("opus", "ogg"), ["-c:a", "libopus", "-b:a", "24k"], "ogg"),
    "aac": (AudioFormat("aac"), ["-c:a", "aac", "-b:a", "48k"], "adts"),
    "wav": (AudioFormat("linear16", "wav"), ["-c:a", "pcm_s16le"], "wav"),
}
# Different lengths, one of near-digital silence (FLAC's tiny constant frames), one very short.
PIECES = (("sine", 440, 1.03), ("sine", 660, 0.41), ("silence", 0, 0.7), ("sine", 520, 0.05))


def encode(tmp_path: Path, fmt: str, rate: int, source: str, tone: int, seconds: float) -> bytes:
    """One whole file, as an encoder writes it to disk."""
    _, options, muxer = FORMATS[fmt]
    lavfi = (
        f"sine=frequency={tone}:sample_rate={rate}:duration={seconds}"
        if source == "sine"
        else f"anullsrc=sample_rate={rate}:channel_layout=mono:duration={seconds}"
    )
    path = tmp_path / f"{fmt}-{rate}-{tone}-{seconds}.{muxer}"
    extra = ["-write_id3v1", "1"] if fmt == "mp3" and tone == 660 else []
    command = ["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i", lavfi, "-ac", "1"]
    subprocess.run([*command, *options, *extra, "-f", muxer, str(path)], check=True)
    return path.read_bytes()


def join(joiner: Joiner, pieces: Iterable[bytes], chunk: int) -> bytes:
    """Feed every piece in chunks of ``chunk`` bytes, as the network would."""
    out = bytearray()
    for piece in pieces:
        for start in range(0, len(piece), chunk):
            out += joiner.feed(piece[start : start + chunk])
        out += joiner.end_piece()
    return bytes(out + joiner.finish())


def decode(audio: bytes, rate: int) -> tuple[int, str]:
    """Samples ffmpeg decodes (at ``rate``, mono) and everything it reported."""
    command = ["ffmpeg", "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ar", str(rate), "pipe:1"]
    result = subprocess.run(command, input=audio, capture_output=True, check=False)
    return len(result.stdout) // 2, result.stderr.decode(errors="replace")


def probe_duration(audio: bytes, path: Path) -> str:
    """The duration ffprobe reports for the file (read whole, as a player of the cached
    file would): what a player shows."""
    path.write_bytes(audio)
    command = ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"]
    return subprocess.run([*command, str(path)], capture_output=True, check=True).stdout.decode()


def packet_count(audio: bytes) -> int:
    """Audio packets (frames) ffmpeg's demuxer finds; an mp3's Xing frame is not one."""
    command = ["ffprobe", "-v", "error", "-count_packets", "-show_entries"]
    command += ["stream=nb_read_packets", "-of", "csv=p=0", "pipe:0"]
    return int(subprocess.run(command, input=audio, capture_output=True, check=True).stdout)


@pytest.mark.parametrize(
    ("fmt", "rate"),
    [
        ("flac", 48000),  # Voice PE
        ("flac", 16000),
        ("mp3", 22050),  # Aura's mp3 (MPEG-2, 576 samples a frame)
        ("mp3", 44100),  # MPEG-1, 1152
        ("ogg", 48000),
        ("aac", 22050),
        ("aac", 48000),
        ("wav", 24000),
    ],
)
@pytest.mark.parametrize("chunk", [1, 997])
def test_pieces_join_into_one_stream_of_the_summed_length(
    tmp_path: Path, fmt: str, rate: int, chunk: int
) -> None:
    """Fails if the joined stream does not decode cleanly, is shorter or longer than its
    pieces, or tells a player another length (a chained Ogg, a kept Xing frame)."""
    pieces = [encode(tmp_path, fmt, rate, *piece) for piece in PIECES]
    joined = join(joiner_for(FORMATS[fmt][0]), pieces, chunk)
    samples, problems = decode(joined, rate)
    assert problems == ""
    if fmt == "flac":
        flac_test(joined)
        assert samples == sum(round(seconds * rate) for *_, seconds in PIECES)
    elif fmt in ("mp3", "aac"):
        # Without their Xing frames, pieces decode to whole frames: the joined stream holds
        # each piece's frames, each piece keeps its encoder delay and padding.
        per_frame = 1024 if fmt == "aac" else 1152 if rate >= 32000 else 576
        frames = sum(packet_count(piece) for piece in pieces) * per_frame
        assert abs(samples - frames) <= per_frame
    elif fmt == "ogg":
        # Every packet decodes (20 ms each from ffmpeg's libopus); only the first piece's
        # pre-skip is trimmed (see join/ogg.py).
        pre_skip = struct.unpack_from("<H", pieces[0], pieces[0].index(b"OpusHead") + 10)[0]
        packets = sum(packet_count(piece) for piece in pieces) * 960
        assert samples == packets - pre_skip
        own = sum(decode(piece, rate)[0] for piece in pieces)
        assert own <= samples <= own + len(pieces) * (pre_skip + 960)
        pages = ogg_pages(joined)
        assert {serial for _, _, serial, _ in pages} == {pages[0][2]}
        assert [sequence for *_, sequence in pages] == list(range(len(pages)))
        assert [flags & 0x06 for flags, *_ in pages] == [0x02] + [0] * (len(pages) - 2) + [0x04]
        granules = [granule for _, granule, *_ in pages if granule != -1]
        assert granules == sorted(granules)
    else:
        assert samples == sum(round(seconds * rate) for *_, seconds in PIECES)
    if fmt in ("mp3", "ogg"):
        duration = probe_duration(joined, tmp_path / f"joined.{fmt}")
        assert float(duration) == pytest.approx(samples / rate, abs=0.03)


@pytest.mark.parametrize("fmt", ["flac", "mp3", "ogg", "aac", "wav"])
def test_a_single_piece_passes_through_unchanged(tmp_path: Path, fmt: str) -> None:
    """Fails if the one file Aura made is altered when nothing needs joining."""
    piece = encode(tmp_path, fmt, 22050 if fmt in ("mp3", "aac") else 48000, "sine", 440, 0.6)
    joiner = joiner_for(FORMATS[fmt][0])
    joiner.single = True
    assert join(joiner, [piece], 333) == piece


@pytest.mark.parametrize(
    ("fmt", "rate"), [("flac", 48000), ("mp3", 22050), ("ogg", 48000), ("aac", 22050)]
)
def test_a_piece_cut_short_is_an_error_and_what_went_out_decodes(
    tmp_path: Path, fmt: str, rate: int
) -> None:
    """Fails if a piece that stops inside a frame (or page) passes silently, or if the
    frames sent before it are not a clean stream."""
    whole = encode(tmp_path, fmt, rate, "sine", 440, 1.5)
    second = encode(tmp_path, fmt, rate, "sine", 660, 1.0)
    joiner = joiner_for(FORMATS[fmt][0])
    sent = join(joiner, [whole], 512)
    sent += joiner.feed(second[: len(second) * 2 // 3 + 1])
    with pytest.raises(BadResponseError, match="cut short"):
        joiner.end_piece()
    samples, problems = decode(sent, rate)
    assert problems == ""
    assert samples > round(1.5 * rate)
    if fmt == "flac":
        flac_test(sent)


@pytest.mark.parametrize(
    ("fmt", "first", "second"),
    [("flac", 48000, 16000), ("mp3", 22050, 44100), ("aac", 22050, 48000)],
)
def test_pieces_of_different_formats_are_refused(
    tmp_path: Path, fmt: str, first: int, second: int
) -> None:
    """Fails if pieces that cannot make one stream are joined anyway."""
    pieces = [encode(tmp_path, fmt, rate, "sine", 440, 0.3) for rate in (first, second)]
    with pytest.raises(BadResponseError, match="different formats"):
        join(joiner_for(FORMATS[fmt][0]), pieces, 4096)


@pytest.mark.parametrize("fmt", ["flac", "mp3", "ogg", "aac"])
def test_what_is_not_the_format_is_refused(fmt: str) -> None:
    """Fails if an HTML error page or another format passes as audio."""
    with pytest.raises(BadResponseError):
        join(joiner_for(FORMATS[fmt][0]), [b"<html><body>Bad gateway</body></html>" * 9], 64)


def test_a_joined_flac_stream_joins_again(tmp_path: Path) -> None:
    """Pieces whose frames already carry sample numbers (variable block size) join too.

    Fails if the joiner only understands frame-numbered (fixed block size) input."""
    pieces = [encode(tmp_path, "flac", 16000, *piece) for piece in PIECES]
    variable = join(FlacJoiner(), pieces[:2], 4096)
    joined = join(FlacJoiner(), [variable, *pieces[2:]], 4096)
    flac_test(joined)
    assert decode(joined, 16000) == (sum(round(s * 16000) for *_, s in PIECES), "")


def test_renumbering_keeps_every_frame_checksum_right(tmp_path: Path) -> None:
    """The CRC-16 derived from the old one (without reading the audio) equals a full one.

    Fails if the header swap in renumbered() computes a wrong checksum for any length."""
    piece = encode(tmp_path, "flac", 48000, "sine", 440, 2.0)
    frames_start = piece.index(b"\xff\xf8", 42)
    data = piece[frames_start:]
    checked = 0
    while data:
        header = parse_frame_header(data)
        assert header is not None
        following = data.find(b"\xff\xf8", header.length)
        frame = data if following == -1 else data[:following]
        for first_sample in (0, 127, 128, 4096, 2**20 + 7, 2**35 + 3):
            assert frame_is_whole(renumbered(frame, header, first_sample))
        checked += 1
        data = data[len(frame) :]
    assert checked > 20


@pytest.mark.parametrize(
    ("toc_and_count", "samples"),
    [
        (b"\x00", 480),  # SILK 10 ms, one frame
        (b"\x0b\x03", 960 * 3),  # SILK 20 ms, code 3: a count byte says three frames
        (b"\x0b", 0),  # code 3 without its count byte: nothing decodable
        (b"\xf8", 960),  # CELT 20 ms
        (b"\xf9", 1920),  # CELT 20 ms, two frames
        (b"\x80", 120),  # CELT 2.5 ms
        (b"", 0),
    ],
)
def test_opus_packet_lengths_come_from_the_toc_byte(toc_and_count: bytes, samples: int) -> None:
    """Fails if granule positions would be counted wrong for some Opus frame layout."""
    assert packet_samples(toc_and_count) == samples


def test_raw_pcm_joins_as_it_is() -> None:
    """Headerless PCM (container none) has nothing to join but the bytes."""
    joiner = joiner_for(AudioFormat("linear16", "none", 16000))
    assert isinstance(joiner, RawJoiner)
    assert join(joiner, [b"\x01\x02", b"\x03\x04"], 1) == b"\x01\x02\x03\x04"


def flac_piece(tmp_path: Path, frame_size: int, seconds: float = 0.5) -> bytes:
    """A 16 kHz FLAC file whose blocks have ``frame_size`` samples."""
    path = tmp_path / f"blocks-{frame_size}-{seconds}.flac"
    lavfi = f"sine=frequency=300:sample_rate=16000:duration={seconds}"
    command = ["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i", lavfi, "-c:a", "flac"]
    subprocess.run([*command, "-frame_size", str(frame_size), str(path)], check=True)
    return path.read_bytes()


def test_flac_pieces_with_different_block_sizes_join(tmp_path: Path) -> None:
    """Blocks of 192, 576, 1152 and 4096 samples (each a different header code) in one stream.

    Fails if a block-size code is read wrong (the next header would not be found where the
    frame numbers say, or the decoded length would be off)."""
    pieces = [flac_piece(tmp_path, size) for size in (192, 576, 1152, 4096, 1000)]
    joined = join(FlacJoiner(), pieces, 1500)
    flac_test(joined)
    assert decode(joined, 16000) == (5 * 8000, "")


def test_a_flac_block_larger_than_the_stream_declares_is_refused(tmp_path: Path) -> None:
    """Fails if a later piece's block, larger than the first STREAMINFO allows, goes out
    (decoders such as Voice PE's allocate by the declared maximum)."""
    pieces = [flac_piece(tmp_path, 1024), flac_piece(tmp_path, 8192, 1.0)]
    with pytest.raises(BadResponseError, match="larger than declared"):
        join(FlacJoiner(), pieces, 4096)


STREAMINFO_16K = bytes.fromhex(
    "0010100000000000000003e800f00000000000000000000000000000000000000000"
)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"fX", "not FLAC"),
        (b"fLaC\x80\x00\x00\x0a" + bytes(10), "short STREAMINFO"),
        (b"fLaC\x81\x00\x00\x04" + bytes(4), "without STREAMINFO"),
        (b"fLaC\x04\x7f\xff\xff", "too large"),
        (b"fLaC\x80\x00\x00\x22" + STREAMINFO_16K + bytes(40), "damaged FLAC frame"),
        (b"fLaC\x80\x00\x00\x22" + STREAMINFO_16K, "without frames"),
    ],
)
def test_broken_flac_is_refused(data: bytes, error: str) -> None:
    """Fails if a damaged or foreign answer is passed on as FLAC."""
    with pytest.raises(BadResponseError, match=error):
        join(FlacJoiner(), [data], 7)


@pytest.mark.parametrize(
    "header",
    [
        b"\xff\xf8\x69\x08\xc0\x00\x00",  # a two-byte number whose second byte is not 10xxxxxx
        b"\xff\xf8\x69\x08\xff\x80\x80",  # no number starts with eight one bits
        b"\xff\xf8\x09\x08\x00\x00\x00",  # block size code 0 is reserved
        b"\xff\xf8\x69\x08\x00\x00\x00",  # a CRC-8 that does not match
    ],
)
def test_what_only_looks_like_a_flac_frame_header_is_not_one(header: bytes) -> None:
    """Fails if bytes inside audio data could be taken for the next frame's header."""
    assert parse_frame_header(header) is None


def test_mp3_between_frames_junk_and_tags_go(tmp_path: Path) -> None:
    """An ID3 tag and junk (with sync-like bytes) between frames are dropped; a tag larger
    than speech ever has is refused. Fails if junk reaches the listener or resync fails."""
    piece = encode(tmp_path, "mp3", 22050, "sine", 440, 0.5)
    frames = join(joiner_for(FORMATS["mp3"][0]), [piece], 4096)
    junk = b"\x00\xff\x12\xffjunk" * 20 + b"ID3\x04\x00\x00\x00\x00\x00\x05hello"
    first = mp3_frame(frames, 0)
    assert first is not None
    dirty = frames[: first.length] + junk + frames[first.length :]
    assert join(joiner_for(FORMATS["mp3"][0]), [dirty], 100) == frames
    huge_tag = b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f"
    with pytest.raises(BadResponseError, match="too large"):
        join(joiner_for(FORMATS["mp3"][0]), [huge_tag + piece], 100)


def test_ogg_with_a_header_spanning_pages_and_mismatched_pieces(tmp_path: Path) -> None:
    """OpusTags over several pages (a long comment) joins; a stereo piece after a mono one,
    Vorbis instead of Opus, and a piece of headers only are refused."""
    lavfi = "sine=frequency=300:sample_rate=48000:duration=0.5"
    base = ["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i", lavfi]

    def ogg(name: str, *options: str) -> bytes:
        path = tmp_path / f"{name}.ogg"
        subprocess.run([*base, *options, "-f", "ogg", str(path)], check=True)
        return path.read_bytes()

    long_comment = ogg("tags", "-c:a", "libopus", "-metadata", "comment=" + "x" * 70_000)
    mono = ogg("mono", "-c:a", "libopus")
    joined = join(joiner_for(FORMATS["ogg"][0]), [long_comment, mono], 5000)
    samples, problems = decode(joined, 48000)
    assert problems == ""
    assert samples > 48000 - 960
    stereo = ogg("stereo", "-c:a", "libopus", "-ac", "2")
    with pytest.raises(BadResponseError, match="different formats"):
        join(joiner_for(FORMATS["ogg"][0]), [mono, stereo], 5000)
    vorbis = ogg("vorbis", "-c:a", "libvorbis")
    with pytest.raises(BadResponseError, match="not Opus"):
        join(joiner_for(FORMATS["ogg"][0]), [vorbis], 5000)
    headers_only = mono[: mono.index(b"OggS", mono.index(b"OpusTags"))]
    with pytest.raises(BadResponseError, match="without Opus packets"):
        join(joiner_for(FORMATS["ogg"][0]), [headers_only], 5000)


def test_a_wav_header_cut_short_is_an_error() -> None:
    """Fails if a piece that ends inside its WAV header passes silently."""
    joiner = joiner_for(FORMATS["wav"][0])
    joiner.feed(b"RIFF\x00\x00")
    with pytest.raises(BadResponseError, match="incomplete WAV header"):
        joiner.end_piece()


def test_adts_frames_with_reserved_rates_are_not_frames() -> None:
    """Fails if an ADTS-like header with a reserved sample rate index is taken for a frame."""
    assert adts_frame(b"\xff\xf1\x3c\x80\x02\x00\x00", 0) is None  # rate index 15
    assert adts_frame(b"\xff\xf1\x50\x80\x00\x1f\xfc", 0) is None  # shorter than its header

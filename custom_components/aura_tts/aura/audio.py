"""Audio formats Aura can produce, and WAV helpers (pure functions, no I/O).

Deepgram's output options (``encoding``, ``container``, ``sample_rate``) allow only some
combinations; :data:`ENCODINGS` lists them, so the integration asks only for what Aura can
make and lets Home Assistant convert the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
import struct

WAV_HEADER_SIZE = 44
# A streamed WAV does not know its length: players take the maximum as "until the end".
UNKNOWN_SIZE = 0xFFFFFFFF
_FORMAT_PCM = 1
_FORMAT_ALAW = 6
_FORMAT_MULAW = 7


@dataclass(frozen=True, slots=True)
class EncodingSpec:
    """What Deepgram accepts for one encoding."""

    containers: tuple[str, ...]  # first is Deepgram's default; () when not configurable
    sample_rates: tuple[int, ...]  # first is the default; one entry when fixed
    rate_configurable: bool
    extension: str  # file extension of the default container


ENCODINGS: dict[str, EncodingSpec] = {
    "linear16": EncodingSpec(
        ("wav", "none"), (24000, 8000, 16000, 32000, 48000), rate_configurable=True, extension="wav"
    ),
    "mulaw": EncodingSpec(("wav", "none"), (8000, 16000), rate_configurable=True, extension="wav"),
    "alaw": EncodingSpec(("wav", "none"), (8000, 16000), rate_configurable=True, extension="wav"),
    "mp3": EncodingSpec((), (22050,), rate_configurable=False, extension="mp3"),
    "opus": EncodingSpec(("ogg",), (48000,), rate_configurable=False, extension="ogg"),
    "flac": EncodingSpec(
        (), (48000, 8000, 16000, 22050, 32000), rate_configurable=True, extension="flac"
    ),
    "aac": EncodingSpec((), (22050,), rate_configurable=False, extension="aac"),
}


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """One output format to ask Aura for."""

    encoding: str = "linear16"
    container: str | None = None  # None: Deepgram's default for the encoding
    sample_rate: int | None = None  # None: Deepgram's default for the encoding

    @property
    def spec(self) -> EncodingSpec:
        """Deepgram's rules for this encoding."""
        return ENCODINGS[self.encoding]

    @property
    def effective_sample_rate(self) -> int:
        """The sample rate the audio will have."""
        return self.sample_rate or self.spec.sample_rates[0]

    @property
    def effective_container(self) -> str | None:
        """The container the audio will have (None for encodings without one)."""
        return self.container or (self.spec.containers[0] if self.spec.containers else None)

    @property
    def extension(self) -> str:
        """File extension Home Assistant should give the audio."""
        if self.effective_container == "none":
            return "pcm" if self.encoding == "linear16" else self.encoding
        return self.spec.extension

    def request_fields(self) -> dict[str, str]:
        """The body fields that ask Aura for this format (only what differs from defaults)."""
        fields = {"encoding": self.encoding}
        if self.container is not None:
            fields["container"] = self.container
        if self.sample_rate is not None and self.spec.rate_configurable:
            fields["sample_rate"] = str(self.sample_rate)
        return fields

    def validate(self) -> None:
        """Raise ValueError if Deepgram does not allow this combination."""
        if self.encoding not in ENCODINGS:
            raise ValueError(f"unknown encoding {self.encoding!r}")
        spec = self.spec
        if self.container is not None and self.container not in spec.containers:
            raise ValueError(f"{self.encoding} cannot be put in container {self.container!r}")
        if self.sample_rate is not None and self.sample_rate not in spec.sample_rates:
            raise ValueError(f"{self.encoding} cannot have sample rate {self.sample_rate}")


WAV_PCM = AudioFormat("linear16", "wav")


@dataclass(frozen=True, slots=True)
class WavInfo:
    """What a WAV header says."""

    audio_format: int  # 1 PCM, 6 A-law, 7 mu-law
    channels: int
    sample_rate: int
    sample_width: int  # bytes per sample
    data_offset: int
    data_size: int  # UNKNOWN_SIZE when streamed

    @property
    def bytes_per_second(self) -> int:
        """Bytes of audio per second."""
        return self.sample_rate * self.channels * self.sample_width


def wav_header(
    sample_rate: int,
    channels: int = 1,
    sample_width: int = 2,
    data_size: int | None = None,
    audio_format: int = _FORMAT_PCM,
) -> bytes:
    """A 44-byte canonical WAV header; ``data_size=None`` means a stream of unknown length."""
    size = UNKNOWN_SIZE if data_size is None else data_size
    riff_size = UNKNOWN_SIZE if data_size is None else 36 + data_size
    byte_rate = sample_rate * channels * sample_width
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        riff_size,
        b"WAVE",
        b"fmt ",
        16,
        audio_format,
        channels,
        sample_rate,
        byte_rate,
        channels * sample_width,
        sample_width * 8,
        b"data",
        size,
    )


def parse_wav_header(data: bytes) -> WavInfo:
    """Parse a WAV header (any chunk order before ``data``). Raise ValueError if invalid."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    offset = 12
    fmt: tuple[int, ...] | None = None
    while offset + 8 <= len(data):
        chunk_id, chunk_size = struct.unpack_from("<4sI", data, offset)
        body = offset + 8
        if chunk_id == b"fmt ":
            if chunk_size < 16 or body + 16 > len(data):
                raise ValueError("truncated fmt chunk")
            fmt = struct.unpack_from("<HHIIHH", data, body)
        elif chunk_id == b"data":
            if fmt is None:
                raise ValueError("data chunk before fmt chunk")
            audio_format, channels, sample_rate, _, _, bits = fmt
            if channels == 0 or sample_rate == 0 or bits % 8:
                raise ValueError("invalid fmt chunk")
            return WavInfo(audio_format, channels, sample_rate, bits // 8, body, chunk_size)
        offset = body + chunk_size + (chunk_size & 1)
    raise ValueError("no data chunk in the WAV header")


FORMATS: tuple[str, ...] = ("mp3", "wav", "ogg", "opus", "aac", "flac")
SAMPLE_RATES = range(8000, 96001)  # what ffmpeg makes for any speaker that asks
SAMPLE_CHANNELS = (1, 2)
SAMPLE_BYTES = (1, 2, 4)


class UnsupportedOutputError(ValueError):
    """A listener asked for an audio format or setting no speaker would need."""

    def __init__(self, option: str, value: object) -> None:
        """Name the option and the value that cannot be served."""
        super().__init__(f"{option}={value!r} is not supported")
        self.option = option
        self.value = value


@dataclass(frozen=True, slots=True)
class OutputPlan:
    """How to give a listener the format it asked for."""

    request: AudioFormat  # what to ask Aura for
    extension: str  # what the listener gets
    convert: bool  # True when Aura cannot make it and ffmpeg must turn ``request`` into it


def plan_output(
    preferred_format: str | None,
    sample_rate: int | None = None,
    channels: int | None = None,
    sample_bytes: int | None = None,
) -> OutputPlan:
    """Choose what to ask Aura for, so the audio needs no conversion whenever possible.

    With no preferred format the target is mp3, Home Assistant's own default. Aura speaks
    mono only, 16-bit only for PCM and FLAC. Raises UnsupportedOutputError for a format or
    setting outside what any speaker uses.
    """
    wanted = (preferred_format or "mp3").lower()
    for option, value, allowed in (
        ("preferred_format", wanted, FORMATS),
        ("preferred_sample_rate", sample_rate, SAMPLE_RATES),
        ("preferred_sample_channels", channels, SAMPLE_CHANNELS),
        ("preferred_sample_bytes", sample_bytes, SAMPLE_BYTES),
    ):
        if value is not None and value not in allowed:
            raise UnsupportedOutputError(option, value)
    mono = channels in (None, 1)
    rate_ok: dict[str, tuple[int, ...]] = {
        "wav": ENCODINGS["linear16"].sample_rates,
        "mp3": ENCODINGS["mp3"].sample_rates,
        "ogg": ENCODINGS["opus"].sample_rates,
        "opus": ENCODINGS["opus"].sample_rates,
        "aac": ENCODINGS["aac"].sample_rates,
        "flac": ENCODINGS["flac"].sample_rates,
    }
    native = {
        "wav": AudioFormat("linear16", "wav", sample_rate),
        "mp3": AudioFormat("mp3"),
        "ogg": AudioFormat("opus", "ogg"),
        "opus": AudioFormat("opus", "ogg"),
        "aac": AudioFormat("aac"),
        "flac": AudioFormat("flac", None, sample_rate),
    }
    if (
        wanted in native
        and mono
        and (sample_rate is None or sample_rate in rate_ok[wanted])
        and (sample_bytes in (None, 2) or wanted not in ("wav", "flac"))
    ):
        return OutputPlan(native[wanted], wanted, convert=False)
    return OutputPlan(WAV_PCM, wanted, convert=True)

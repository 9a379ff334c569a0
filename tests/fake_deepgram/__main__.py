"""Run the fake Deepgram.

python -m tests.fake_deepgram --port 8098 [--ttfb-ms 200] [--rtf 3]
"""

from tests.fake_aimlapi.cli import main

from .server import FakeDeepgram

if __name__ == "__main__":
    main(FakeDeepgram, "Deepgram", "tests.fake_deepgram", 8098)

"""Run the fake AI/ML API.

python -m tests.fake_aimlapi --port 8099 [--ttfb-ms 200] [--rtf 3] [--shape json]
"""

from .cli import main
from .server import FakeAimlApi

if __name__ == "__main__":
    main(FakeAimlApi, "AI/ML API", "tests.fake_aimlapi", 8099, shapes=["audio", "json"])

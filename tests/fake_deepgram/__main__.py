"""Run the fake Deepgram API.

python -m tests.fake_deepgram --port 8098 [--ttfb-ms 200] [--rtf 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import FakeDeepgram, start


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeDeepgram(
        keys={args.key: args.balance},
        ttfb=args.ttfb_ms / 1000,
        rtf=args.rtf,
        chunk_size=args.chunk_size,
    )
    runner, url = await start(fake, args.host, args.port)
    print(f"Fake Deepgram at {url} (API key: {args.key})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m tests.fake_deepgram", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8098)
    parser.add_argument("--key", default="test-key", help="the API key it accepts")
    parser.add_argument("--balance", type=float, default=42.5, help="USD; 0 means no credit")
    parser.add_argument("--ttfb-ms", type=float, default=0.0, help="time to first byte")
    parser.add_argument("--rtf", type=float, default=None, help="audio seconds per second")
    parser.add_argument("--chunk-size", type=int, default=4096)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()

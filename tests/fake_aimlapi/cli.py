"""The command line both fakes share: ``python -m tests.fake_aimlapi`` / ``tests.fake_deepgram``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import contextlib

from .server import FakeAimlApi, start


async def _serve(args: argparse.Namespace, make: Callable[..., FakeAimlApi], name: str) -> None:
    shape = {"response_shape": args.shape} if "shape" in args else {}
    fake = make(
        keys={args.key: args.balance},
        ttfb=args.ttfb_ms / 1000,
        rtf=args.rtf,
        chunk_size=args.chunk_size,
        **shape,
    )
    runner, url = await start(fake, args.host, args.port)
    print(f"Fake {name} at {url} (API key: {args.key})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(
    make: Callable[..., FakeAimlApi],
    name: str,
    module: str,
    port: int,
    shapes: list[str] | None = None,
) -> None:
    """Parse the command line and serve ``make``'s fake until interrupted.

    ``shapes``: the answer shapes the fake can give (the AI/ML API's: audio or JSON).
    """
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=f"The fake {name}.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--key", default="test-key", help="the API key it accepts")
    parser.add_argument("--balance", type=float, default=42.5, help="USD; 0 means no credit")
    parser.add_argument("--ttfb-ms", type=float, default=0.0, help="time to first byte")
    parser.add_argument("--rtf", type=float, default=None, help="audio seconds per second")
    parser.add_argument("--chunk-size", type=int, default=4096)
    if shapes:
        parser.add_argument("--shape", choices=shapes, default=shapes[0])
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(parser.parse_args(), make, name))

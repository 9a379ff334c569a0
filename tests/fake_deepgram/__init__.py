"""A fake of Deepgram's API (speak, models, projects, balances) for tests and development."""

from .server import FakeDeepgram, start

__all__ = ["FakeDeepgram", "start"]

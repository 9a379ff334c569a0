"""A fake AI/ML API server for tests, benchmarks and offline development."""

from .server import FakeAimlApi, Fault, RecordedRequest, start

__all__ = ["FakeAimlApi", "Fault", "RecordedRequest", "start"]

"""voluptuous, typed as the running Home Assistant serves it.

Home Assistant 2026.10+ serves voluptuous through probatio, whose types its APIs use;
2026.3 (the oldest supported) has plain voluptuous. The API is the same either way.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import probatio as vol
else:
    import voluptuous as vol

__all__ = ["vol"]

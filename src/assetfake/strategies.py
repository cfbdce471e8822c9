"""Kept so that ``from assetfake.strategies import ...`` goes on working; the strategies live
in :mod:`assetfake.testing.strategies` (they need hypothesis, a test dependency)."""

from __future__ import annotations

from assetfake.testing.strategies import *  # noqa: F403
from assetfake.testing.strategies import __all__ as __all__

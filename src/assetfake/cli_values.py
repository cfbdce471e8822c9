"""The values the ``assetfake`` command line takes (ports, clock speeds, seeds, folders): each
parses one argument or raises :class:`argparse.ArgumentTypeError` with a one-line reason."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

MAX_SEED = 2**63 - 1
MAX_SPEED = 1e6  # the scenario format's bound on clock.speed


def port_number(text: str) -> int:
    """A TCP port, 0 (a free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {port}")
    return port


def clock_speed(text: str) -> float:
    """A realtime clock speed: a finite number above 0, at most 1e6."""
    try:
        speed = float(text)
    except ValueError:
        speed = math.nan
    if not (math.isfinite(speed) and 0 < speed <= MAX_SPEED):
        raise argparse.ArgumentTypeError(
            f"expected a number above 0 and at most {MAX_SPEED:g}, got {text!r}"
        )
    return speed


def seed_number(text: str) -> int:
    """A seed: a whole number from 0 to 2**63 - 1."""
    digits = text.strip()
    if not digits.isdigit() or len(digits) > len(str(MAX_SEED)) or int(digits) > MAX_SEED:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 0 to 2**63 - 1, got {shown!r}"
        )
    return int(digits)


def scenarios_folder(text: str) -> Path:
    """A folder of scenarios that exists."""
    folder = Path(text)
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"not a folder: {text!r}")
    return folder

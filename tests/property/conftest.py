"""The ``lifecycle_long`` marker: the long run of the lifecycle state machine, skipped unless
selected.

``pytest -m lifecycle_long tests/property`` runs it (2,000 examples, a minute or more); the
default run has the short form of the same machine (100 examples, a few seconds).
"""

from __future__ import annotations

import pytest

LONG_MARKER = "lifecycle_long"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{LONG_MARKER}: the long run of the lifecycle state machine (2,000 examples); "
        f"skipped unless selected with -m {LONG_MARKER}",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if LONG_MARKER in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason=f"a long run: select it with -m {LONG_MARKER}")
    for item in items:
        if LONG_MARKER in item.keywords:
            item.add_marker(skip)

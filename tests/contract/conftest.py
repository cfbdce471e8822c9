"""The ``schemathesis_long`` marker: the long Schemathesis runs, skipped unless selected.

``pytest -m schemathesis_long tests/contract`` runs them (each takes a minute or more); the
default run has the short forms of the same tests.
"""

from __future__ import annotations

import pytest

LONG_MARKER = "schemathesis_long"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{LONG_MARKER}: a long Schemathesis run (at least 200 examples per operation); "
        f"skipped unless selected with -m {LONG_MARKER}",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if LONG_MARKER in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason=f"a long run: select it with -m {LONG_MARKER}")
    for item in items:
        if LONG_MARKER in item.keywords:
            item.add_marker(skip)

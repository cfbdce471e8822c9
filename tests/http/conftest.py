"""The ``soak_long`` marker: the long soak (60 s), skipped unless selected.

``pytest -m soak_long tests/http/test_soak.py -s`` runs it; the default run has the 10 s form.
"""

from __future__ import annotations

import pytest

SOAK_MARKER = "soak_long"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{SOAK_MARKER}: the 60 s soak of a live server; skipped unless selected with "
        f"-m {SOAK_MARKER}",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = config.getoption("markexpr", "") or ""
    if SOAK_MARKER in selected and f"not {SOAK_MARKER}" not in selected:
        return
    skip = pytest.mark.skip(reason=f"a long run: select it with -m {SOAK_MARKER}")
    for item in items:
        if SOAK_MARKER in item.keywords:
            item.add_marker(skip)

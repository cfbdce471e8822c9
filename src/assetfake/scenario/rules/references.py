"""What other sections refer to: the declared assets (with their partitions) and operations."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from assetfake.domain.partitions import Partitions
from assetfake.scenario.nodes import Location
from assetfake.scenario.operations import OPERATIONS
from assetfake.scenario.rules.reporting import Report


@dataclass(slots=True)
class Declared:
    """The declared assets: their partition sets as the domain built them (``None`` if the
    asset is unpartitioned or its partitions are invalid), and which are partitioned."""

    partitions: dict[str, Partitions | None] = field(default_factory=dict)
    partitioned: set[str] = field(default_factory=set)

    def __contains__(self, key: str) -> bool:
        return key in self.partitions


def check_asset_ref(asset: str, declared: Declared, location: Location, report: Report) -> bool:
    """Whether ``asset`` is declared (reported when it is not)."""
    if asset in declared:
        return True
    known = ", ".join(declared.partitions) or "none"
    hint = _did_you_mean(asset, declared.partitions)
    report(location, f"asset {asset!r} is not declared in assets{hint} (declared: {known})")
    return False


def not_a_partition(asset: str, key: str, partitions: Partitions) -> str:
    if partitions.kind == "static":
        allowed = ", ".join(partitions.keys)
    else:
        allowed = f"{partitions.start} to {partitions.end}"
    return f"{key!r} is not a partition of asset {asset!r} ({partitions.kind}: {allowed})"


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest known name, or nothing."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if not close:
        close = [k for k in known if k.lower() == name.lower()]
    return f" (did you mean {close[0]!r}?)" if close else ""


def operation_ids(
    operation: str | tuple[str, ...] | None, location: Location, report: Report
) -> tuple[str, ...] | None:
    """The known operationIds named (``None``: any operation); unknown ones are reported."""
    if operation is None:
        return None
    if isinstance(operation, str):
        named: list[tuple[Location, str]] = [(location, operation)]
    else:
        named = [((*location, index), name) for index, name in enumerate(operation)]
    known: list[str] = []
    for where, name in named:
        if name in OPERATIONS:
            known.append(name)
        else:
            report(
                where,
                f"unknown operation {name!r}{_did_you_mean(name, OPERATIONS)}; "
                f"expected one of {', '.join(OPERATIONS)}",
            )
    return tuple(known)

"""The rules of ``assets``: unique keys, partition sets (built by the domain), fail partitions.

Each asset's partition set is built here, once, by :mod:`assetfake.domain.partitions`; its
problems are reported at the bound or key they name, and the sets built are what the world's
configuration keeps.
"""

from __future__ import annotations

from collections.abc import Sequence

from assetfake.domain.partitions import Partitions, PartitionsError
from assetfake.scenario.nodes import Location
from assetfake.scenario.rules.references import Declared, not_a_partition
from assetfake.scenario.rules.reporting import Report
from assetfake.scenario.schema import AssetSpec, PartitionsSpec


def check_assets(assets: Sequence[AssetSpec], report: Report) -> Declared:
    """The declared assets, with every problem of their declarations reported."""
    declared = Declared()
    first: dict[str, int] = {}
    for index, asset in enumerate(assets):
        location: Location = ("assets", index)
        if asset.key in first:
            report(
                (*location, "key"),
                f"duplicate asset key {asset.key!r} (first at {{related}})",
                ("assets", first[asset.key], "key"),
            )
            continue
        first[asset.key] = index
        if any(not part for part in asset.key.split("/")):
            report(
                (*location, "key"),
                f"an asset key is components joined by '/', with no empty component; "
                f"got {asset.key!r}",
            )
        partitions = None
        if asset.partitions is not None:
            declared.partitioned.add(asset.key)
            partitions = _partitions(asset.partitions, (*location, "partitions"), report)
        declared.partitions[asset.key] = partitions
        _check_fail_partitions(asset, partitions, location, report)
    return declared


def _partitions(spec: PartitionsSpec, location: Location, report: Report) -> Partitions | None:
    given = [name for name in ("daily", "hourly", "static") if getattr(spec, name) is not None]
    if len(given) != 1:
        report(
            location,
            "expected exactly one of daily, hourly, static"
            + (f"; got {', '.join(given)}" if given else ""),
        )
        return None
    where: Location = (*location, given[0])
    try:
        if spec.daily is not None:
            return Partitions.daily(spec.daily.start, spec.daily.end)
        if spec.hourly is not None:
            return Partitions.hourly(spec.hourly.start, spec.hourly.end)
        return Partitions.static(spec.static or ())
    except PartitionsError as error:
        for problem in error.problems:
            report(where if problem.at is None else (*where, problem.at), problem.message)
        return None


def _check_fail_partitions(
    asset: AssetSpec, partitions: Partitions | None, location: Location, report: Report
) -> None:
    for index, key in enumerate(asset.run.fail_partitions):
        where: Location = (*location, "run", "fail_partitions", index)
        if asset.partitions is None:
            report(where, f"asset {asset.key!r} is not partitioned, so it has no partition {key!r}")
            return
        if partitions is not None and key not in partitions:
            report(where, not_a_partition(asset.key, key, partitions))

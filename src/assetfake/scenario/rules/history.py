"""The rules of ``history``: declared assets and partitions, before the clock's start."""

from __future__ import annotations

from assetfake.domain.timestamps import format_ms
from assetfake.scenario.nodes import Location
from assetfake.scenario.rules.references import Declared, check_asset_ref, not_a_partition
from assetfake.scenario.rules.reporting import Report, timestamp
from assetfake.scenario.schema import HistoryRunSpec, HistorySpec


def check_history(
    history: HistorySpec, declared: Declared, start_ms: int | None, report: Report
) -> None:
    for index, run in enumerate(history.runs):
        _check_run(run, ("history", "runs", index), declared, start_ms, report)
    for index, generate in enumerate(history.generate):
        check_asset_ref(generate.asset, declared, ("history", "generate", index, "asset"), report)


def _check_run(
    run: HistoryRunSpec,
    location: Location,
    declared: Declared,
    start_ms: int | None,
    report: Report,
) -> None:
    if check_asset_ref(run.asset, declared, (*location, "asset"), report):
        _check_partition(run, location, declared, report)
    created = timestamp(run.created_at, (*location, "created_at"), report)
    if created is not None and start_ms is not None and created >= start_ms:
        report(
            (*location, "created_at"),
            f"history must be before the clock start ({format_ms(start_ms)}), got {run.created_at}",
        )
    if run.error_message is not None and run.status != "FAILED":
        report(
            (*location, "error_message"),
            f"only a FAILED run has an error; status is {run.status}",
        )


def _check_partition(
    run: HistoryRunSpec, location: Location, declared: Declared, report: Report
) -> None:
    partitions = declared.partitions[run.asset]
    partitioned = run.asset in declared.partitioned
    if run.partition is None and partitioned:
        report(location, f"missing required key 'partition': asset {run.asset!r} is partitioned")
    elif run.partition is not None and not partitioned:
        report((*location, "partition"), f"asset {run.asset!r} is not partitioned")
    elif run.partition is not None and partitions is not None and run.partition not in partitions:
        report((*location, "partition"), not_a_partition(run.asset, run.partition, partitions))

"""What a backfill asks for: explicit keys, an inclusive range, or every partition."""

from __future__ import annotations

from dataclasses import dataclass

from assetfake.domain.errors import InvalidRequest
from assetfake.domain.partitions import Partitions


@dataclass(frozen=True, slots=True)
class PartitionSelection:
    """Exactly one of ``keys``, ``range`` (start, end) or ``all`` is set."""

    keys: tuple[str, ...] | None = None
    range: tuple[str, str] | None = None
    all: bool = False

    def __post_init__(self) -> None:
        given = (self.keys is not None) + (self.range is not None) + bool(self.all)
        if given != 1:
            raise ValueError("a selection has exactly one of keys, range or all")

    def echo(self) -> dict[str, object]:
        """The request's own form, as ``partition_selection`` shows it."""
        if self.keys is not None:
            return {"partition_keys": list(self.keys)}
        if self.range is not None:
            return {"partition_range": {"start": self.range[0], "end": self.range[1]}}
        return {"all_partitions": True}

    def resolve(self, partitions: Partitions, asset_key: str) -> tuple[str, ...]:
        """The selected keys in partition order; ``InvalidRequest`` when the selection does
        not fit the asset's partitions or is empty."""
        if self.all:
            return partitions.keys
        if self.range is not None:
            start, end = self.range
            for bound in (start, end):
                if bound not in partitions:
                    raise InvalidRequest(
                        f"'{bound}' is not a partition of asset '{asset_key}'",
                        code="unknown_partition",
                    )
            if partitions.position(start) > partitions.position(end):
                raise InvalidRequest(
                    f"partition_range start '{start}' is after its end '{end}'",
                    code="invalid_range",
                )
            return partitions.select_range(start, end)
        keys = self.keys or ()
        if not keys:
            raise InvalidRequest(
                "the selection is empty: give at least one partition key", code="empty_selection"
            )
        unknown = [key for key in keys if key not in partitions]
        if unknown:
            raise InvalidRequest(
                f"not partitions of asset '{asset_key}': {', '.join(map(repr, unknown[:5]))}",
                code="unknown_partition",
            )
        if len(set(keys)) != len(keys):
            raise InvalidRequest("partition_keys lists a key twice", code="duplicate_partition")
        return tuple(sorted(keys, key=partitions.position))

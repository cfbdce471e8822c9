"""The world before the clock's start: immutable, built once per configuration, and shared by
every world (namespace, reset) made from that configuration.

Every history run is terminal, so nothing here ever changes (but for a bounded memo of the
records made last, :data:`MADE`); live worlds layer their own records above it (their sequence
numbers start at :attr:`History.next_seq`).

History is kept as columns of machine integers, not as records: each index (an asset's runs,
its runs in one status, its materializations) is an array of sequence numbers (a ``range``
when they follow one another), and a record is made when a list reads it
(:class:`HistoryLayer`; the world's ``ResourceMemo`` keeps the resources read again). A
generated run is its place in its ``generate`` entry (:mod:`history_entries`); only the few
written runs (``history.runs``: tags, messages) are stored whole. Sequence numbers follow
creation (ties keep the declared order: written runs first, then each entry in turn);
materializations follow, one per SUCCEEDED run, ordered by when it ended (ties by run).
An id names its sequence number (:func:`ids.make_id`), so a run is found from its id.
"""

from __future__ import annotations

import bisect
import operator
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, compress, islice, repeat
from typing import Generic, TypeVar

from assetfake.domain import ids
from assetfake.domain.config import HistoryRun, WorldConfig
from assetfake.domain.history_entries import Generated, Timing
from assetfake.domain.records import MaterializationRecord, RunRecord, remember
from assetfake.domain.status import RunStatus
from assetfake.domain.timestamps import seconds_to_ms

T_co = TypeVar("T_co", covariant=True)
Seqs = Sequence[int]  # sequence numbers, ascending: an array('q') or a range

_NONE: Seqs = range(0)


class HistoryLayer(Generic[T_co]):
    """One list of history, oldest first: its sequence numbers, and how to make the record of
    each when it is read (``made``: the records made last, by seq). Reads as the live indexes
    do (``len``, ``bisect_key_left``, ``islice``, iteration), at O(log n) a bisect."""

    __slots__ = ("_made", "_make", "_seqs")

    def __init__(self, seqs: Seqs, make: Callable[[int], T_co], made: Mapping[int, T_co]) -> None:
        self._seqs = seqs
        self._make = make
        self._made = made

    def __len__(self) -> int:
        return len(self._seqs)

    def __iter__(self) -> Iterator[T_co]:
        return map(self._make, self._seqs)

    def bisect_key_left(self, seq: int) -> int:
        """How many of the records are older than ``seq``."""
        return bisect.bisect_left(self._seqs, seq)

    def islice(
        self, start: int | None = None, stop: int | None = None, reverse: bool = False
    ) -> Iterator[T_co]:
        """The records from ``start`` to ``stop`` (newest first if ``reverse``), made lazily."""
        seqs = self._seqs
        if start is None and stop is None:  # the whole list: not copied
            return map(self._make, reversed(seqs) if reverse else seqs)
        part = seqs[start:stop]
        made, make = self._made, self._make
        return (made.get(seq) or make(seq) for seq in (reversed(part) if reverse else part))


@dataclass(frozen=True, slots=True)
class AssetHistory:
    runs: HistoryLayer[RunRecord]
    runs_by_status: dict[RunStatus, HistoryLayer[RunRecord]]
    materializations: HistoryLayer[MaterializationRecord]


class History:
    """Built by :meth:`build`; read through the assets' layers and :meth:`run`."""

    __slots__ = (
        "_entries",
        "_explicit",
        "_first_mat",
        "_made_mats",
        "_made_runs",
        "_mat_runs",
        "_metadata",
        "_offsets",
        "_positions",
        "_tag",
        "assets",
        "materialization_count",
        "next_seq",
        "run_count",
    )

    def __init__(self, config: WorldConfig, entries: tuple[Generated, ...]) -> None:
        self._tag = ids.seed_tag(config.seed)
        self._entries = entries
        self._offsets = [entry.offset for entry in entries]
        self._metadata = {asset.key: asset.metadata for asset in config.assets}
        self._explicit: dict[int, RunRecord] = {}
        # The records made last, by seq: they never change, and any world may read them again.
        self._made_runs: dict[int, RunRecord] = {}
        self._made_mats: dict[int, MaterializationRecord] = {}
        self._positions: Seqs = _NONE  # seq - 1 -> the run's place among the planned runs
        self._mat_runs: Seqs = _NONE  # materialization seq - first -> its run's seq
        self.run_count = len(config.history_runs) + sum(entry.runs for entry in entries)
        self._first_mat = self.run_count + 1
        self.materialization_count = 0
        self.next_seq = self._first_mat
        self.assets: dict[str, AssetHistory] = {}

    @classmethod
    def build(cls, config: WorldConfig) -> History:
        _check(config)
        entries, offset = [], len(config.history_runs)
        for gen in config.history_generate:
            asset = config.asset(gen.asset)
            if gen.runs > 0 and asset is not None:
                entries.append(Generated.of(gen, asset, offset, config.start_ms))
                offset += gen.runs
        history = cls(config, tuple(entries))
        positions, seqs = _creation_order(config.history_runs, history._entries)
        history._positions = positions
        runs = _RunIndexes(config, history._first_mat)
        for position, run in enumerate(config.history_runs):
            history._explicit[seqs[position]] = runs.add_written(run, seqs[position])
        for entry in history._entries:
            runs.add_generated(entry, seqs[entry.offset : entry.offset + entry.runs])
        history._mat_runs, mats_of = runs.materializations()
        history.materialization_count = len(history._mat_runs)
        history.next_seq = history._first_mat + len(history._mat_runs)
        for key in dict.fromkeys(asset.key for asset in config.assets):
            history.assets[key] = runs.asset(key, mats_of.get(key, _NONE), history)
        return history

    def run(self, run_id: str) -> RunRecord | None:
        """The history run of this id, or ``None`` (another kind, tag or number: a live one)."""
        seq = _seq_of(run_id, ids.RUN, self._tag)
        if seq is None or not 1 <= seq <= self.run_count:
            return None
        return self.run_record(seq)

    def run_record(self, seq: int) -> RunRecord:
        """The record of history run ``seq`` (made, unless among the last :data:`MADE` made)."""
        made = self._explicit.get(seq) or self._made_runs.get(seq)
        if made is None:
            position = self._positions[seq - 1]
            entries = self._entries
            index = 0 if len(entries) == 1 else _entry_at(self._offsets, position)
            entry = entries[index]
            run_id = ids.make_id(ids.RUN, self._tag, seq)
            made = entry.record(seq, run_id, position - entry.offset)
            remember(self._made_runs, seq, made, MADE)
        return made

    def materialization(self, seq: int) -> MaterializationRecord:
        """The record of history materialization ``seq``."""
        made = self._made_mats.get(seq)
        if made is None:
            run = self.run_record(self._mat_runs[seq - self._first_mat])
            ended = run.ended_ms if run.ended_ms is not None else run.created_ms
            made = MaterializationRecord.of_run(
                seq, self._tag, run, ended, self._metadata[run.asset]
            )
            remember(self._made_mats, seq, made, MADE)
        return made


#: How many records of each kind a history keeps once made (a page read again makes none).
MADE = 4096


def _entry_at(offsets: list[int], position: int) -> int:
    return bisect.bisect_right(offsets, position) - 1


def _seq_of(text: str, kind: str, tag: str) -> int | None:
    prefix = f"{kind}_{tag}"
    digits = text[len(prefix) :]
    if not text.startswith(prefix) or not (digits.isascii() and digits.isdigit()):
        return None
    seq = int(digits)
    return seq if ids.make_id(kind, tag, seq) == text else None


def _check(config: WorldConfig) -> None:
    """The first planned run (in creation order) that cannot be history, refused."""
    problems: list[tuple[int, int, str]] = []
    for position, run in enumerate(config.history_runs):
        problem = None
        if not run.status.terminal:
            problem = f"history runs must be terminal, not {run.status.value}"
        elif run.created_at_ms > config.start_ms:
            problem = "history runs must be created no later than the clock's start"
        elif config.asset(run.asset) is None:
            problem = f"history names an unknown asset '{run.asset}'"
        if problem is not None:
            problems.append((run.created_at_ms, position, problem))
    position = len(config.history_runs)
    for gen in config.history_generate:
        if gen.runs > 0 and config.asset(gen.asset) is None:
            first = config.start_ms - max(1, seconds_to_ms(gen.spread_seconds))
            problems.append((first, position, f"history names an unknown asset '{gen.asset}'"))
        position += gen.runs
    if problems:
        raise ValueError(min(problems)[2])


def _creation_order(
    written: Sequence[HistoryRun], entries: Sequence[Generated]
) -> tuple[Seqs, Seqs]:
    """Each seq's place among the planned runs (written runs first, then each entry's), and
    each place's seq: sorted by creation, ties in planned order."""
    total = len(written) + sum(entry.runs for entry in entries)
    in_order = range(total), range(1, total + 1)
    if not written and len(entries) <= 1:
        return in_order
    created = [run.created_at_ms for run in written]
    for entry in entries:
        created += entry.created_column()
    shift = total.bit_length()  # a key: (created, place) packed in one integer
    keys = list(map(operator.or_, map(operator.lshift, created, repeat(shift)), range(total)))
    del created
    if all(map(operator.lt, keys, islice(keys, 1, None))):
        return in_order
    keys.sort()
    positions = array("q", map(operator.and_, keys, repeat((1 << shift) - 1)))
    del keys
    return positions, _inverse(positions, 1, total)


def _inverse(values: Seqs, first: int, size: int) -> array[int]:
    """``out[values[i]] == first + i`` (``values``: distinct, each less than ``size``)."""
    out = array("q", bytes(8 * size))
    deque(map(out.__setitem__, values, range(first, first + len(values))), maxlen=0)
    return out


_Ends = Callable[[], list[int]]  # when each SUCCEEDED run of a piece ended, computed if needed


class _RunIndexes:
    """The history's indexes as they are built, piece by piece (each ascending): per asset,
    per asset and status, and the SUCCEEDED runs with when they ended (what orders the
    materializations)."""

    def __init__(self, config: WorldConfig, first_mat: int) -> None:
        self._config = config
        self._tag = ids.seed_tag(config.seed)
        self._first_mat = first_mat
        self._pieces: dict[tuple[str, RunStatus | None], list[Seqs]] = {}
        self._ended: list[tuple[Seqs, _Ends]] = []

    def add_written(self, run: HistoryRun, seq: int) -> RunRecord:
        """A ``history.runs`` entry: its record, made now and kept."""
        config = self._config
        asset = config.asset(run.asset)
        if asset is None:  # refused by _check already
            raise ValueError(f"history names an unknown asset '{run.asset}'")
        record = Timing.of(asset, config.start_ms).finished(
            seq,
            ids.make_id(ids.RUN, self._tag, seq),
            run.asset,
            run.partition,
            dict(run.tags),
            run.created_at_ms,
            run.status,
            run.error_message,
        )
        self._add(run.asset, None, [seq])
        self._add(run.asset, run.status, [seq])
        if run.status is RunStatus.SUCCEEDED:
            ended = record.ended_ms if record.ended_ms is not None else record.created_ms
            self._ended.append(([seq], lambda: [ended]))
        return record

    def add_generated(self, entry: Generated, seqs: Seqs) -> None:
        """A ``history.generate`` entry whose runs are numbered ``seqs``."""
        ok = entry.succeeded_column()
        succeeded: Seqs = seqs
        failed: Seqs = _NONE
        if not all(ok):
            succeeded = array("q", compress(seqs, ok))
            failed = array("q", compress(seqs, map(operator.not_, ok)))
        self._add(entry.asset, None, seqs)
        self._add(entry.asset, RunStatus.SUCCEEDED, succeeded)
        self._add(entry.asset, RunStatus.FAILED, failed)

        def ends() -> list[int]:
            return entry.timing.succeeded_ends(list(compress(entry.created_column(), ok)))

        if succeeded:
            self._ended.append((succeeded, ends))

    def _add(self, asset: str, status: RunStatus | None, seqs: Seqs) -> None:
        if seqs:
            self._pieces.setdefault((asset, status), []).append(seqs)

    def merged(self, asset: str, status: RunStatus | None) -> Seqs:
        """The seqs of an asset's runs (in one status), ascending."""
        pieces = self._pieces.get((asset, status), [])
        if len(pieces) == 1:
            return pieces[0]
        merged = array("q", sorted(chain.from_iterable(pieces)))
        if pieces:
            self._pieces[(asset, status)] = [merged]
        return merged

    def materializations(self) -> tuple[Seqs, dict[str, Seqs]]:
        """Each materialization's run (by materialization seq, from the first), and each
        asset's materialization seqs: by when the run ended, ties by run."""
        first = self._first_mat
        keys = list(dict.fromkeys(asset.key for asset in self._config.assets))
        succeeded = {key: self.merged(key, RunStatus.SUCCEEDED) for key in keys}
        with_runs = [key for key in keys if succeeded[key]]
        if len(with_runs) <= 1:  # one asset: its runs end in seq order (one timing)
            runs = succeeded[with_runs[0]] if with_runs else _NONE
            return runs, {key: range(first, first + len(runs)) for key in with_runs}
        shift = first.bit_length()  # a key: (ended, run seq) packed in one integer
        ordered: list[int] = []
        for seqs, ends in self._ended:
            ordered += map(operator.or_, map(operator.lshift, ends(), repeat(shift)), seqs)
        ordered.sort()
        runs = array("q", map(operator.and_, ordered, repeat((1 << shift) - 1)))
        del ordered
        mat_of_run = _inverse(runs, first, first)
        return runs, {
            key: array("q", sorted(map(mat_of_run.__getitem__, succeeded[key])))
            for key in with_runs
        }

    def asset(self, key: str, mats: Seqs, history: History) -> AssetHistory:
        """An asset's layers, reading records from ``history``."""
        run, runs_made = history.run_record, history._made_runs
        by_status = {
            status: HistoryLayer(seqs, run, runs_made)
            for status in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELED)
            if (seqs := self.merged(key, status))
        }
        runs = HistoryLayer(self.merged(key, None), run, runs_made)
        mats_layer = HistoryLayer(mats, history.materialization, history._made_mats)
        return AssetHistory(runs, by_status, mats_layer)

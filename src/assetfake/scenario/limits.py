"""The bounds on a scenario, in one place (docs/scenario-format.md, "Limits", lists them).

Each bound is checked where the input is read, and going over it is a :class:`ScenarioError`
located at the file, line, column and path where it happens, never ``ValueError``,
``RecursionError`` or ``MemoryError``. They are the same for every way a scenario arrives (a
file, ``AssetFake(...)``, ``assetfake validate``, ``PUT /_fake/scenario``).
"""

from __future__ import annotations

#: Bytes in one document (UTF-8): a file, each file it ``extends``, a control API body.
MAX_DOCUMENT_BYTES = 1 << 20

#: Nodes (mappings, lists, keys and scalars) after YAML alias expansion, the files of an
#: ``extends`` chain together; an alias bomb is refused from its composed graph, before it is
#: ever expanded.
MAX_NODES = 1_000_000

#: Levels of nested mappings and lists (the document itself is level 1), aliases expanded.
MAX_DEPTH = 64

#: Digits of an integer (in either sign). 640 is the least that Python's limit on converting
#: integers to and from text (``sys.set_int_max_str_digits``) can be set to, so that no integer
#: of a scenario ever meets that limit; fields have their own, far smaller, bounds.
MAX_INT_DIGITS = 640

#: Files one scenario ``extends``, directly or not (the length of its chain, itself aside).
MAX_EXTENDS_FILES = 16

#: Runs of history in total: ``history.runs`` entries plus every ``history.generate`` entry's
#: ``runs``, across the ``extends`` chain (and so each entry's own bound, in the schema). The
#: largest history builds in about 0.2 s and 10 MB as one entry, under 1.5 s and 60 MB spread
#: over many assets (history is kept as columns: :mod:`assetfake.domain.history`).
MAX_HISTORY_RUNS = 1_000_000

#: Partitions of all assets together (one asset holds at most a million of its own, a bound of
#: the domain): building a million takes about 3 s.
MAX_PARTITIONS_TOTAL = 1_000_000

#: The smallest integer too large to be written with :data:`MAX_INT_DIGITS` digits.
INT_CEILING = 10**MAX_INT_DIGITS


def describe_bytes(count: int) -> str:
    """``1 MiB (1048576 bytes)`` for the byte bound, as the messages and the docs write it."""
    if count % (1 << 20) == 0:
        return f"{count >> 20} MiB ({count} bytes)"
    return f"{count} bytes"


class NodeBudget:
    """What is left of :data:`MAX_NODES` for the documents of one scenario (a file and those it
    ``extends`` share one budget)."""

    __slots__ = ("remaining",)

    def __init__(self, remaining: int = MAX_NODES) -> None:
        self.remaining = remaining

    @property
    def untouched(self) -> bool:
        return self.remaining == MAX_NODES

    def spend(self, count: int) -> None:
        self.remaining -= count

    def too_many(self, hint: str = "too many aliases?") -> str:
        """The message for a document that needs more nodes than are left."""
        if self.untouched:
            return f"the document expands to more than {MAX_NODES} nodes ({hint})"
        return (
            f"the document expands to more than the {self.remaining} nodes left of the "
            f"{MAX_NODES} the files of an extends chain may hold together ({hint})"
        )


def integer_too_large() -> str:
    """The message for an integer over :data:`MAX_INT_DIGITS`."""
    return f"integer too large: at most {MAX_INT_DIGITS} digits"


def nested_too_deeply() -> str:
    """The message for a mapping or list past :data:`MAX_DEPTH`."""
    return f"nested deeper than {MAX_DEPTH} levels of mappings and lists"

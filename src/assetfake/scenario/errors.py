"""``ScenarioError``: a problem in a scenario, located by file, line, column and path."""

from __future__ import annotations

from collections.abc import Sequence

#: The ``file`` of a scenario given as a Python mapping.
DICT_FILE = "<dict>"

#: The ``path`` of the document as a whole (its root).
ROOT_PATH = "$"


class ScenarioError(Exception):
    """A scenario that cannot be loaded.

    ``str()`` is ``file:line:col: path: message``; when the line is unknown (a scenario given as
    a dict, an unreadable file) it is ``file: path: message``. ``line`` and ``column`` are
    1-based. ``path`` looks like ``faults[2].match.call``; ``$`` is the document itself.

    One exception may carry every problem found in a file: ``errors`` lists them in document
    order, and the exception's own attributes are those of the first.
    """

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    errors: list[ScenarioError]

    def __init__(
        self,
        message: str,
        *,
        file: str = DICT_FILE,
        line: int | None = None,
        column: int | None = None,
        path: str = ROOT_PATH,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column if line is not None else None
        self.path = path
        self.message = message
        self.errors = [self]
        super().__init__(self.format())

    @classmethod
    def collect(cls, errors: Sequence[ScenarioError]) -> ScenarioError:
        """One exception for several problems: the first one's, with ``errors`` set to all."""
        if not errors:
            raise ValueError("collect() needs at least one error")
        first = errors[0]
        combined = cls(
            first.message, file=first.file, line=first.line, column=first.column, path=first.path
        )
        combined.errors = [error for group in errors for error in group.errors]
        return combined

    def format(self) -> str:
        """This error alone, as ``file:line:col: path: message``."""
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}"

    def format_all(self) -> str:
        """Every error carried, one per line (what ``assetfake validate`` prints)."""
        return "\n".join(error.format() for error in self.errors)

    def to_dict(self) -> dict[str, str | int | None]:
        """This error as JSON-ready data (for the control API's 400 answers)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }

    def __str__(self) -> str:
        return self.format()

    def __reduce__(self) -> tuple[object, ...]:
        details = [error.to_dict() for error in self.errors]
        return (_rebuild, (details,))


def _rebuild(details: list[dict[str, str | int | None]]) -> ScenarioError:
    errors = [
        ScenarioError(
            str(d["message"]),
            file=str(d["file"]),
            line=_int_or_none(d["line"]),
            column=_int_or_none(d["column"]),
            path=str(d["path"]),
        )
        for d in details
    ]
    return ScenarioError.collect(errors)


def _int_or_none(value: str | int | None) -> int | None:
    return value if isinstance(value, int) else None

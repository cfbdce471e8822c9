"""One scenario document, text to marked containers: JSON when it parses as JSON (surrogate
escapes included), else YAML; at most :data:`~assetfake.scenario.limits.MAX_DOCUMENT_BYTES`
bytes of UTF-8. Every problem is a located :class:`ScenarioError`."""

from __future__ import annotations

from assetfake.scenario._json import NotJSON, parse_json
from assetfake.scenario._yaml import line_column, parse_yaml
from assetfake.scenario.errors import ScenarioError
from assetfake.scenario.limits import MAX_DOCUMENT_BYTES, NodeBudget, describe_bytes
from assetfake.scenario.nodes import MarkedDict, MarkedList


def parse_document(text: str, file: str, budget: NodeBudget | None = None) -> object:
    """The document in ``text`` (``None`` when it is empty), its nodes taken from ``budget``.
    A document that is a scalar is refused here, where its line is known."""
    _check_size(text, file)
    try:
        tree = parse_json(text, file, budget)
    except NotJSON:
        tree = parse_yaml(text, file, budget)
    if tree is None or isinstance(tree, MarkedDict | MarkedList):
        return tree
    kind = "a string" if isinstance(tree, str) else "a number or a boolean"
    message = f"a scenario is a mapping; the document is {kind}"
    raise ScenarioError(message, file=file, line=1, column=1)


def decode_document(data: bytes, file: str) -> str:
    """The text of a document read as bytes (at most ``MAX_DOCUMENT_BYTES`` + 1 of them)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_large(data, file)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        text = data[: error.start].decode("utf-8", "replace")
        line, column = line_column(text, len(text))
        raise ScenarioError(
            f"cannot read file: not UTF-8 ({error.reason})", file=file, line=line, column=column
        ) from None


def _check_size(text: str, file: str) -> None:
    if len(text) <= MAX_DOCUMENT_BYTES // 4:  # four bytes a character at most
        return
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_large(data, file)


def _too_large(data: bytes, file: str) -> ScenarioError:
    """Located at the first character past the bound."""
    text = data[:MAX_DOCUMENT_BYTES].decode("utf-8", "ignore")
    line, column = line_column(text, len(text))
    message = f"the document is larger than {describe_bytes(MAX_DOCUMENT_BYTES)}"
    return ScenarioError(message, file=file, line=line, column=column)

"""The OpenAPI 3.1 documents: the faked API's (``openapi.yaml``) and the control API's.

``openapi.yaml`` is the document of the real service: every operation needs a bearer token.
A fake instance serves the document that tells the truth about itself (CONTRACT, section 1):
``openapi_document(auth=False)`` is the same document without the bearer security scheme and
the operations' ``security`` requirements, for a scenario without an ``auth`` block.

The packaged file is read the first time it is asked for and kept for the life of the process.
``openapi_document`` hands out a deep copy each time, so a caller may change what it gets
without touching anyone else's; ``openapi_json`` is the cached JSON encoding (one per flag) that
``GET /openapi.json`` serves.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib.resources import files

import yaml

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_AUTH_PARAGRAPH = "**Errors.**"
_NO_AUTH_NOTE = (
    "**Authentication.** This instance needs no credentials, so it declares no security "
    "scheme. (The real service needs a bearer token; `assetfake openapi` prints its "
    "document.)\n\n"
)


@cache
def _packaged() -> dict[str, object]:
    text = (files("assetfake") / "openapi.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    if not isinstance(document, dict):
        raise RuntimeError("assetfake/openapi.yaml is not a YAML mapping")
    return document


def _without_auth(document: dict[str, object]) -> dict[str, object]:
    """The document of an instance without auth: no security scheme, no requirement."""
    out = copy.deepcopy(document)
    components = out.get("components")
    if isinstance(components, dict):
        components.pop("securitySchemes", None)
    out.pop("security", None)
    paths = out.get("paths")
    if isinstance(paths, dict):
        for item in paths.values():
            for method in _METHODS:
                operation = item.get(method) if isinstance(item, dict) else None
                if isinstance(operation, dict):
                    operation.pop("security", None)
    info = out.get("info")
    if isinstance(info, dict) and isinstance(info.get("description"), str):
        text: str = info["description"]
        at = text.find(_AUTH_PARAGRAPH)
        if at >= 0:
            info["description"] = text[:at] + _NO_AUTH_NOTE + text[at:]
    return out


@cache
def _document(auth: bool) -> dict[str, object]:
    return _packaged() if auth else _without_auth(_packaged())


def openapi_document(auth: bool = True) -> dict[str, object]:
    """The document of an instance whose scenario has (``auth=True``) or lacks an ``auth``
    block, as plain JSON-compatible data: a fresh deep copy on every call. ``auth=True`` is the
    real service's document (what ``assetfake openapi`` prints)."""
    return copy.deepcopy(_document(bool(auth)))


def load_openapi() -> dict[str, object]:
    """The real service's document (bearer security on every operation): a fresh deep copy."""
    return openapi_document(auth=True)


@cache
def _json(auth: bool) -> bytes:
    return json.dumps(_document(auth), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def openapi_json(auth: bool = True) -> bytes:
    """``openapi_document(auth)`` encoded as compact UTF-8 JSON, for ``GET /openapi.json``:
    the same bytes object every time for the same flag."""
    return _json(bool(auth))


@cache
def control_openapi_json() -> bytes:
    """The control API's own OpenAPI document (``control-openapi.yaml``), as JSON."""
    text = (files("assetfake") / "control-openapi.yaml").read_text(encoding="utf-8")
    return json.dumps(yaml.safe_load(text), separators=(",", ":")).encode()

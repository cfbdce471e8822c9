"""The packaged OpenAPI 3.1 document of the faked API (``openapi.yaml``), loaded once.

The document is read from package data the first time it is asked for and kept for the life of
the process. ``load_openapi`` hands out a deep copy each time, so a caller may change what it
gets without touching anyone else's; ``openapi_json`` is the cached JSON encoding that
``GET /openapi.json`` serves.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib.resources import files

import yaml


@cache
def _document() -> dict[str, object]:
    text = (files("assetfake") / "openapi.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    if not isinstance(document, dict):
        raise RuntimeError("assetfake/openapi.yaml is not a YAML mapping")
    return document


def load_openapi() -> dict[str, object]:
    """The OpenAPI document as plain JSON-compatible data: a fresh deep copy on every call."""
    return copy.deepcopy(_document())


@cache
def openapi_json() -> bytes:
    """The OpenAPI document encoded as compact UTF-8 JSON, for ``GET /openapi.json``."""
    return json.dumps(_document(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@cache
def control_openapi_json() -> bytes:
    """The control API's own OpenAPI document (``control-openapi.yaml``), as JSON."""
    text = (files("assetfake") / "control-openapi.yaml").read_text(encoding="utf-8")
    return json.dumps(yaml.safe_load(text), separators=(",", ":")).encode()

"""Helpers of the testing-layer tests: a small scenario, a two-client sender's answer, and a
checker of control answers against ``control-openapi.yaml``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import httpx
import yaml

#: A small scenario: one partitioned asset, one plain, a short lifecycle, no history.
SMALL: dict[str, Any] = {
    "version": 1,
    "name": "small",
    "seed": 5,
    "clock": {"start": "2030-01-01T00:00:00Z", "mode": "manual"},
    "assets": [
        {
            "key": "sales/daily",
            "partitions": {"daily": {"start": "2024-01-01", "end": "2024-01-03"}},
            "run": {"queued_seconds": 1, "starting_seconds": 1, "running_seconds": 3},
        },
        {"key": "customers", "run": {"running_seconds": 2}},
    ],
}


@dataclass(frozen=True, slots=True)
class Answer:
    """What both clients answer, the same way."""

    status: int
    headers: Mapping[str, str]
    body: Any


Send = Callable[..., Answer]


def decode_body(content: bytes) -> Any:
    """JSON as decoded; anything else (the dashboard's HTML) as text."""
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


class ControlDocument:
    """Checks control answers against ``control-openapi.yaml``: the status is documented for
    the operation, and the body matches its schema. A path or method that names no operation
    must have been answered 404."""

    def __init__(self) -> None:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.document = yaml.safe_load(
            (files("assetfake") / "control-openapi.yaml").read_text(encoding="utf-8")
        )
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(_URN, resource)
        self._paths = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"), template)
            for template in self.document["paths"]
        ]

    def check(self, method: str, url: str, status: int, content_type: str, body: Any) -> None:
        from jsonschema import Draft202012Validator

        path = httpx.URL(url).raw_path.decode().split("?", 1)[0]
        if re.match(r"^/_ns/[^/]+/_fake$", path):
            path = "/_ns/{namespace}/_fake"
        else:
            path = re.sub(r"^/_ns/[^/]+(?=/_fake)", "", path)
        operation = None
        for pattern, template in self._paths:
            if pattern.match(path) or path == template:
                operation = self.document["paths"][template].get(method.lower())
                pointer = f"/paths/{_escape(template)}/{method.lower()}"
                break
        if operation is None:
            assert status == 404, f"{method} {path} is not documented but answered {status}"
            return
        responses = operation["responses"]
        assert str(status) in responses, f"{method} {path}: {status} is not documented"
        response = responses[str(status)]
        pointer += f"/responses/{status}"
        if "$ref" in response:
            pointer = response["$ref"][1:]
            response = self._resolve(pointer)
        media = content_type.split(";")[0].strip()
        assert media in response["content"], f"{method} {path}: {media} is not documented"
        schema_pointer = f"{pointer}/content/{_escape(media)}/schema"
        validator = Draft202012Validator(
            {"$ref": f"{_URN}#{schema_pointer}"}, registry=self._registry
        )
        errors = sorted(validator.iter_errors(body), key=str)
        assert not errors, f"{method} {path} {status}: {errors[0].message}"

    def _resolve(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node


_URN = "urn:assetfake:control"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")

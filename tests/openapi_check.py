"""Validate the fake's responses against its own OpenAPI document.

``OpenAPIChecker.check`` finds the operation by the raw request path (the asset key is one raw
path segment, ``%2F`` and all), requires the status to be documented for it, and checks the
content type, the JSON body against the response schema and the documented required headers.
``validating_event_hook`` plugs it into an ``httpx.Client`` so that every response of a test is
checked.

Skipped: ``/openapi.json`` and the control API (``/_fake...``), after stripping an optional
``/_ns/{namespace}`` prefix. A path that matches no operation must have been answered 404 or 405
(with a problem document, as every error is, and ``Allow`` on a 405); anything else fails.
Responses marked ``X-Fake-Fault`` are checked like any other, except the body of a 2xx one (a
``network: malformed`` fault is broken on purpose); ``skip_faults=True`` skips them whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from assetfake.http.openapi import load_openapi

_BASE_URI = "urn:assetfake:openapi"
_NAMESPACE = re.compile(r"^/_ns/[^/]+(?=/|$)")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PROBLEM_POINTER = "/components/schemas/Problem"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _snippet(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "…"


def _packaged_document() -> Mapping[str, Any]:
    return load_openapi()


class OpenAPIChecker:
    """Checks responses against an OpenAPI 3.1 document (by default the packaged one)."""

    def __init__(
        self, document: Mapping[str, Any] | None = None, *, skip_faults: bool = False
    ) -> None:
        self.document = _packaged_document() if document is None else document
        self.skip_faults = skip_faults
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_BASE_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        # (method, compiled template, operationId, path pointer)
        self._routes: list[tuple[str, re.Pattern[str], str, str]] = []
        for template, item in self.document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
            for method in _METHODS:
                if method in item:
                    pointer = f"/paths/{_escape(template)}/{method}"
                    self._routes.append(
                        (method.upper(), pattern, item[method]["operationId"], pointer)
                    )

    # -- document access -----------------------------------------------------------------------

    def _resolve(self, pointer: str) -> tuple[str, Any]:
        """The object at ``pointer``, following ``$ref``s; returns its final pointer too."""
        for _ in range(20):
            node: Any = self.document
            for part in pointer.lstrip("/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            if not (isinstance(node, Mapping) and "$ref" in node):
                return pointer, node
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $refs are supported, got {ref!r}")
            pointer = ref[1:]
        raise ValueError(f"$ref chain too long at {pointer}")

    def _validator(self, pointer: str) -> Draft202012Validator:
        validator = self._validators.get(pointer)
        if validator is None:
            validator = Draft202012Validator(
                {"$ref": f"{_BASE_URI}#{pointer}"},
                registry=self._registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
            self._validators[pointer] = validator
        return validator

    def operation(self, method: str, path: str) -> tuple[str, str] | None:
        """``(operationId, pointer)`` of the operation at ``method path`` (a raw path), if any."""
        for route_method, pattern, operation_id, pointer in self._routes:
            if route_method == method.upper() and pattern.match(path):
                return operation_id, pointer
        return None

    # -- checking ------------------------------------------------------------------------------

    def check(
        self, method: str, raw_path: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> None:
        """Raise ``AssertionError`` unless the response conforms to the document."""
        path = _NAMESPACE.sub("", raw_path.split("?", 1)[0]) or "/"
        if path == "/openapi.json" or path == "/_fake" or path.startswith("/_fake/"):
            return
        if path == "/" and method.upper() == "GET":  # the landing page, for people
            return
        lowered = {name.lower(): value for name, value in headers.items()}
        found = self.operation(method, path)
        if found is None:
            where = f"{method.upper()} {raw_path}"
            if status not in (404, 405):
                raise AssertionError(f"{where}: no operation at this path, yet answered {status}")
            if status == 405 and "allow" not in lowered:
                raise AssertionError(f"{where}: a 405 must carry an Allow header")
            self._check_body(
                where, status, lowered, body, _PROBLEM_POINTER, "application/problem+json"
            )
            return
        operation_id, op_pointer = found
        where = f"{operation_id} ({method.upper()} {raw_path}) -> {status}"
        fault = "x-fake-fault" in lowered
        if fault and self.skip_faults:
            return
        responses = self._resolve(op_pointer + "/responses")[1]
        if str(status) not in responses:
            raise AssertionError(
                f"{where}: status {status} is not documented (documented: {', '.join(responses)})"
                f"\nbody: {_snippet(body)}"
            )
        response_pointer, response = self._resolve(f"{op_pointer}/responses/{status}")
        for name, header in response.get("headers", {}).items():
            header_pointer, header = self._resolve(f"{response_pointer}/headers/{_escape(name)}")
            self._check_header(where, name, header, header_pointer, lowered)
        if fault and status < 400:
            return  # a `network: malformed` fault: the body is broken on purpose
        content = response.get("content", {})
        if not content:
            if body:
                raise AssertionError(f"{where}: documented without a body, got {_snippet(body)}")
            return
        media_type = next(iter(content))
        schema_pointer = f"{response_pointer}/content/{_escape(media_type)}/schema"
        self._check_body(where, status, lowered, body, schema_pointer, media_type)

    def _check_header(
        self,
        where: str,
        name: str,
        header: Mapping[str, Any],
        pointer: str,
        headers: Mapping[str, str],
    ) -> None:
        value = headers.get(name.lower())
        if value is None:
            if header.get("required", False):
                raise AssertionError(f"{where}: required header {name} is missing")
            return
        instance: object = value
        if header.get("schema", {}).get("type") == "integer":
            if not re.fullmatch(r"\d+", value):
                raise AssertionError(f"{where}: header {name}: {value!r} is not an integer")
            instance = int(value)
        error = next(iter(self._validator(pointer + "/schema").iter_errors(instance)), None)
        if error is not None:
            raise AssertionError(f"{where}: header {name}: {value!r}: {error.message}")

    def _check_body(
        self,
        where: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        schema_pointer: str,
        media_type: str,
    ) -> None:
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type != media_type:
            raise AssertionError(
                f"{where}: content-type is {content_type or 'missing'!r}, expected {media_type!r}"
                f"\nbody: {_snippet(body)}"
            )
        try:
            instance = json.loads(body)
        except ValueError as exc:
            raise AssertionError(
                f"{where}: body is not JSON ({exc})\nbody: {_snippet(body)}"
            ) from None
        errors = sorted(
            self._validator(schema_pointer).iter_errors(instance),
            key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
        )
        if errors:
            lines = [f"  at {e.json_path}: {e.message}" for e in errors[:5]]
            more = f"\n  … and {len(errors) - 5} more" if len(errors) > 5 else ""
            raise AssertionError(
                f"{where}: body does not match {schema_pointer}:\n"
                + "\n".join(lines)
                + more
                + f"\nbody: {_snippet(body)}"
            )
        if media_type == "application/problem+json" and instance.get("status") != status:
            raise AssertionError(
                f"{where}: problem document says status {instance.get('status')!r}"
                f"\nbody: {_snippet(body)}"
            )


def _raw_path(response: httpx.Response) -> str:
    return response.request.url.raw_path.decode("ascii")


def validating_event_hook(checker: OpenAPIChecker) -> Callable[[httpx.Response], None]:
    """An ``httpx.Client(event_hooks={"response": [hook]})`` hook that checks every response."""

    def hook(response: httpx.Response) -> None:
        response.read()
        checker.check(
            response.request.method,
            _raw_path(response),
            response.status_code,
            response.headers,
            response.content,
        )

    return hook


def async_validating_event_hook(
    checker: OpenAPIChecker,
) -> Callable[[httpx.Response], Awaitable[None]]:
    """The same hook for an ``httpx.AsyncClient``."""

    async def hook(response: httpx.Response) -> None:
        await response.aread()
        checker.check(
            response.request.method,
            _raw_path(response),
            response.status_code,
            response.headers,
            response.content,
        )

    return hook

"""Fixtures of the testing-layer tests: a live server, namespaces, two HTTP clients."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
from control_support import Answer, ControlDocument, Send, decode_body

from assetfake.fake import AssetFake

_names = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """One live server per module; tests keep apart by using their own namespace."""
    with AssetFake().serve() as url:
        yield url


@pytest.fixture
def ns(server: str) -> str:
    """The base URL of a namespace no other test uses."""
    return f"{server}/_ns/t{next(_names)}"


@pytest.fixture(scope="session")
def httpx_client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:  # one for all: making one costs ~50 ms
        yield client


@pytest.fixture(scope="session")
def requests_session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(params=["httpx", "requests"])
def send(request: pytest.FixtureRequest, control_document: ControlDocument) -> Send:
    """``send(method, url, json=..., content=..., headers=...)`` through httpx or requests;
    every control answer is checked against the control API's OpenAPI document."""
    check = control_document.check
    if request.param == "httpx":
        client: httpx.Client = request.getfixturevalue("httpx_client")

        def via_httpx(
            method: str,
            url: str,
            *,
            json: Any = None,
            content: bytes | None = None,
            headers: dict[str, str] | None = None,
        ) -> Answer:
            response = client.request(method, url, json=json, content=content, headers=headers)
            answer = Answer(response.status_code, response.headers, decode_body(response.content))
            if "/_fake" in url:
                check(method, url, answer.status, response.headers["content-type"], answer.body)
            return answer

        return via_httpx
    session: requests.Session = request.getfixturevalue("requests_session")

    def via_requests(
        method: str,
        url: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        response = session.request(
            method, url, json=json, data=content, headers=headers, timeout=10
        )
        answer = Answer(response.status_code, response.headers, decode_body(response.content))
        if "/_fake" in url:
            check(method, url, answer.status, response.headers["content-type"], answer.body)
        return answer

    return via_requests


@pytest.fixture(scope="session")
def control_document() -> ControlDocument:
    return ControlDocument()

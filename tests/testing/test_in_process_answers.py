"""A whole answer through ``fake.client()`` / ``fake.async_client()`` reads as one read from a
socket would: streamed or not, its bytes, its size and its timing are there (the in-process
transport's common path hands httpx the body as one piece)."""

from __future__ import annotations

import asyncio

import pytest

from assetfake import AssetFake

PAGE = "/assets/customers/runs?max_results=20"
#: The test-wide OpenAPI check reads every response inside the transport, which would leave
#: nothing to stream here.
pytestmark = pytest.mark.no_openapi_check


def test_a_whole_answer_streams_reads_and_times_like_a_socket_answer() -> None:
    fake = AssetFake()
    with fake.client() as client:
        whole = client.get(PAGE)
        with client.stream("GET", PAGE) as streamed:
            raw = b"".join(streamed.iter_raw())
            assert streamed.num_bytes_downloaded == len(raw)
    assert whole.status_code == 200 and whole.json()["items"]
    assert raw == whole.content
    assert whole.num_bytes_downloaded == len(whole.content) == int(whole.headers["content-length"])
    assert whole.elapsed.total_seconds() >= 0
    assert whole.headers["x-request-id"].startswith("req_")


def test_a_whole_answer_reads_the_same_through_the_async_client() -> None:
    fake = AssetFake()

    async def both() -> tuple[bytes, bytes]:
        async with fake.async_client() as client:
            whole = await client.get(PAGE)
            async with client.stream("GET", PAGE) as streamed:
                raw = b"".join([piece async for piece in streamed.aiter_raw()])
            return whole.content, raw

    with fake.client() as client:
        expected = client.get(PAGE).content
    content, raw = asyncio.run(both())
    assert content == raw == expected

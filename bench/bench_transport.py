"""The in-process clients against their baselines (bench/inprocess.py):
``fake.async_client()`` against a bare Starlette route returning the same bytes through the
same httpx.ASGITransport, and ``fake.client()`` against Starlette's TestClient.

    python bench/bench_transport.py

bench/run.py measures the same pairs for issue 11's table.
"""

from __future__ import annotations

from inprocess import InProcess
from timing import paired


def main() -> None:
    clients = InProcess(requests=2000)
    clients.fake_sync()  # warm every path once
    pairs = [
        (
            "fake.async_client()",
            "bare route, httpx.ASGITransport",
            clients.fake_async,
            clients.bare_async,
        ),
        (
            "fake.client()",
            "starlette TestClient(fake.app)",
            clients.fake_sync,
            clients.testclient_sync,
        ),
    ]
    print(f"{'client':<22} {'µs/request':>11}   {'baseline':<34} {'µs/request':>11} {'ratio':>7}")
    for name, base_name, measure, baseline in pairs:
        ours, theirs, ratio = paired(measure, baseline, reps=3)
        print(f"{name:<22} {ours:>11.1f}   {base_name:<34} {theirs:>11.1f} {ratio:>6.2f}x")


if __name__ == "__main__":
    main()

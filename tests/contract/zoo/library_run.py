"""The zoo's workflow test, as a client author writes it: one workflow, one marker line, the
client's error type. ``test_client_matrix.py`` runs this file (not collected on its own: its
name is not ``test_*``) once per zoo client, named by ``ASSETFAKE_ZOO_CLIENT``, with
``--assetfake-report``, and compares the report card with the expected matrix.

``random`` is seeded before each run: the jittered back-off of stamina and backoff draws from
it, and the verdict must not depend on the draw of the day.
"""

from __future__ import annotations

import os
import random

import pytest
from clients import ClientError

from assetfake import AssetFake
from assetfake.remote import RemoteFake
from zoo.connection import Connection, in_process, live
from zoo.registry import ZOO, ZOO_CLIENT_VARIABLE
from zoo.workflow import workflow

CLIENT = ZOO[os.environ.get(ZOO_CLIENT_VARIABLE, "careful")]
LIBRARY = pytest.mark.assetfake(
    scenarios="library", client_errors=(ClientError,), patch_time=CLIENT.patch_time
)


def run_workflow(connection: Connection) -> None:
    random.seed(2024)
    client, close = CLIENT.make(connection)
    try:
        workflow(client)
    finally:
        close()


if CLIENT.in_process:

    @LIBRARY
    def test_in_process(assetfake: AssetFake) -> None:
        run_workflow(in_process(assetfake))


if CLIENT.live:

    @LIBRARY
    def test_live(assetfake_server: RemoteFake) -> None:
        run_workflow(live(assetfake_server))

"""The six operations. Each handler: parse, one domain call, serialise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from assetfake.domain.world import World
from assetfake.http.parsing import (
    idempotency_key,
    parse_backfill,
    parse_query,
    parse_trigger,
)
from assetfake.http.replies import Reply
from assetfake.http.routes import Route, location


@dataclass(frozen=True, slots=True)
class Call:
    """One API request, as the handlers see it."""

    route: Route
    query_string: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    prefix: str = ""  # "/_ns/{name}" when the request came through a namespace


Handler = Callable[[World, Call], Reply]


def list_runs(world: World, call: Call) -> Reply:
    q = parse_query(call.route.operation, call.query_string)
    page = world.list_runs(call.route.asset_key, q.status, q.max_results, q.page_token)
    return Reply(200, msgspec.json.encode(page))


def list_backfills(world: World, call: Call) -> Reply:
    q = parse_query(call.route.operation, call.query_string)
    page = world.list_backfills(call.route.asset_key, q.status, q.max_results, q.page_token)
    return Reply(200, msgspec.json.encode(page))


def list_materializations(world: World, call: Call) -> Reply:
    q = parse_query(call.route.operation, call.query_string)
    page = world.list_materializations(call.route.asset_key, q.max_results, q.page_token)
    return Reply(200, msgspec.json.encode(page))


def get_backfill(world: World, call: Call) -> Reply:
    parse_query(call.route.operation, call.query_string)
    backfill = world.get_backfill(call.route.asset_key, call.route.backfill_id or "")
    return Reply(200, msgspec.json.encode(backfill))


def create_backfill(world: World, call: Call) -> Reply:
    parse_query(call.route.operation, call.query_string)
    key = idempotency_key(call.headers.get("idempotency-key"))
    body = parse_backfill(call.body, call.headers.get("content-type"))
    backfill, _ = world.create_backfill(
        call.route.asset_key, body.selection, body.title, body.tags, key
    )
    where = location(call.prefix, backfill.asset_key, backfill.id)
    return Reply(201, msgspec.json.encode(backfill), {"Location": where})


def trigger_materialization(world: World, call: Call) -> Reply:
    parse_query(call.route.operation, call.query_string)
    key = idempotency_key(call.headers.get("idempotency-key"))
    body = parse_trigger(call.body, call.headers.get("content-type"))
    run, _ = world.trigger(call.route.asset_key, body.partition_key, body.tags, key)
    return Reply(202, msgspec.json.encode(run))


HANDLERS: dict[str, Handler] = {
    "listAssetRuns": list_runs,
    "listAssetBackfills": list_backfills,
    "listAssetMaterializations": list_materializations,
    "getAssetBackfill": get_backfill,
    "createAssetBackfill": create_backfill,
    "triggerAssetMaterialization": trigger_materialization,
}

"""The six operations. Each handler: parse, one domain call, serialise.

The table is keyed by the registry (:mod:`assetfake.operations`): each :class:`Endpoint` joins
an operation to its parser (the request shape, a 400 for anything wrong) and its action (one
domain call, serialised with the operation's success status).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Generic, Protocol, TypeVar

import msgspec

from assetfake.domain.status import RunStatus
from assetfake.domain.world import World
from assetfake.http.parsing import (
    BackfillBody,
    ListQuery,
    TriggerBody,
    backfill_body,
    idempotency_key,
    json_object,
    parse_query,
    trigger_body,
)
from assetfake.http.replies import Reply
from assetfake.http.routes import Route, location
from assetfake.operations import (
    CREATE_BACKFILL,
    GET_BACKFILL,
    LIST_BACKFILLS,
    LIST_MATERIALIZATIONS,
    LIST_RUNS,
    TRIGGER_MATERIALIZATION,
    Operation,
)


@dataclass(frozen=True, slots=True)
class Call:
    """One API request, as the handlers see it."""

    route: Route
    query_string: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    prefix: str = ""  # "/_ns/{name}" when the request came through a namespace


Handler = Callable[[World, Call], Reply]
Parsed = TypeVar("Parsed")


@dataclass(frozen=True, slots=True)
class Endpoint(Generic[Parsed]):
    """One operation's handler: ``parse`` the request's shape, then ``act`` on the world."""

    operation: Operation
    parse: Callable[[Operation, Call], Parsed]
    act: Callable[[World, Call, Parsed], Reply]

    def __call__(self, world: World, call: Call) -> Reply:
        return self.act(world, call, self.parse(self.operation, call))


@dataclass(frozen=True, slots=True)
class Write(Generic[Parsed]):
    """A POST's parsed request: its ``Idempotency-Key`` and its body."""

    key: str | None
    body: Parsed


#: Each status as the journal keeps it (an enum's ``.value`` is a slow property).
_TEXT = {status: status.value for status in RunStatus}


# --- parsers: the request shape (query, Idempotency-Key, JSON body), each problem a 400 -------


def page_request(operation: Operation, call: Call) -> ListQuery:
    return parse_query(operation, call.query_string)


def no_parameters(operation: Operation, call: Call) -> None:
    parse_query(operation, call.query_string)


def backfill_request(operation: Operation, call: Call) -> Write[BackfillBody]:
    parse_query(operation, call.query_string)
    key = idempotency_key(call.headers.get("idempotency-key"))
    data = json_object(call.body, call.headers.get("content-type"), operation.body)
    return Write(key, backfill_body(data))


def trigger_request(operation: Operation, call: Call) -> Write[TriggerBody]:
    parse_query(operation, call.query_string)
    key = idempotency_key(call.headers.get("idempotency-key"))
    data = json_object(call.body, call.headers.get("content-type"), operation.body)
    return Write(key, trigger_body(data))


# --- actions: one domain call, serialised --------------------------------------------------------


def list_runs(world: World, call: Call, q: ListQuery) -> Reply:
    page = world.list_runs(call.route.asset_key, q.status, q.max_results, q.page_token, shared=True)
    seen = tuple([(run.id, _TEXT[run.status]) for run in page.items])
    return Reply(LIST_RUNS.success, msgspec.json.encode(page), seen=seen)


def list_backfills(world: World, call: Call, q: ListQuery) -> Reply:
    page = world.list_backfills(
        call.route.asset_key, q.status, q.max_results, q.page_token, shared=True
    )
    seen = tuple([(backfill.id, _TEXT[backfill.status]) for backfill in page.items])
    return Reply(LIST_BACKFILLS.success, msgspec.json.encode(page), seen=seen)


def list_materializations(world: World, call: Call, q: ListQuery) -> Reply:
    page = world.list_materializations(
        call.route.asset_key, q.max_results, q.page_token, shared=True
    )
    return Reply(LIST_MATERIALIZATIONS.success, msgspec.json.encode(page))


def get_backfill(world: World, call: Call, _: None) -> Reply:
    backfill = world.get_backfill(call.route.asset_key, call.route.backfill_id or "")
    seen = ((backfill.id, backfill.status.value),)
    return Reply(GET_BACKFILL.success, msgspec.json.encode(backfill), seen=seen)


def create_backfill(world: World, call: Call, request: Write[BackfillBody]) -> Reply:
    body = request.body
    backfill, _ = world.create_backfill(
        call.route.asset_key, body.selection, body.title, body.tags, request.key
    )
    where = location(call.prefix, backfill.asset_key, backfill.id)
    encoded = msgspec.json.encode(backfill)
    seen = ((backfill.id, backfill.status.value),)
    return Reply(CREATE_BACKFILL.success, encoded, {"Location": where}, seen=seen)


def trigger_materialization(world: World, call: Call, request: Write[TriggerBody]) -> Reply:
    body = request.body
    run, _ = world.trigger(call.route.asset_key, body.partition_key, body.tags, request.key)
    seen = ((run.id, run.status.value),)
    return Reply(TRIGGER_MATERIALIZATION.success, msgspec.json.encode(run), seen=seen)


class _Keyed(Protocol):
    """What the table needs of an endpoint, whatever it parses."""

    @property
    def operation(self) -> Operation: ...

    def __call__(self, world: World, call: Call) -> Reply: ...


_ENDPOINTS: tuple[_Keyed, ...] = (
    Endpoint(LIST_BACKFILLS, page_request, list_backfills),
    Endpoint(CREATE_BACKFILL, backfill_request, create_backfill),
    Endpoint(GET_BACKFILL, no_parameters, get_backfill),
    Endpoint(LIST_MATERIALIZATIONS, page_request, list_materializations),
    Endpoint(TRIGGER_MATERIALIZATION, trigger_request, trigger_materialization),
    Endpoint(LIST_RUNS, page_request, list_runs),
)

#: The handler of each operation, by ``operationId`` (what ``Route.operation`` names).
HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {e.operation.operation_id: e for e in _ENDPOINTS}
)

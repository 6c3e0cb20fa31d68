"""Batch read and update: chunking, 207 merging, and narrowing refusals.

HubSpot takes at most 100 inputs per batch (50 when reading property
history). A partial failure comes back as 207 with ``errors`` naming the
ids; but a refusal of the whole request (400 for one bad option among 100
updates, 404 for one unknown id) names nobody. Then the chunk is split in
halves and retried until each refusal is pinned to its inputs, so the valid
inputs still go through and only the bad ones are reported. A refused
request changes nothing in HubSpot, so resending its halves is safe.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from talkapp.hubspot.errors import (
    HubSpotError,
    NotFoundError,
    ValidationError,
    find_invalid_option,
)
from talkapp.hubspot.models import (
    BatchError,
    BatchInput,
    BatchResult,
    parsed_contacts,
)

MAX_INPUTS = 100
MAX_INPUTS_WITH_HISTORY = 50

Call = Callable[..., Awaitable[Any]]
Send = Callable[[list[Any]], Awaitable[BatchResult]]


async def read(
    call: Call,
    ids: Iterable[str | int],
    properties: Sequence[str] | None,
    with_history: Sequence[str] | None,
    id_property: str | None,
) -> BatchResult:
    """Read contacts by id in as few requests as HubSpot allows."""

    async def send(chunk: list[str]) -> BatchResult:
        body: dict[str, Any] = {
            "properties": list(properties or []),
            "propertiesWithHistory": list(with_history or []),
            "inputs": [{"id": i} for i in chunk],
        }
        if id_property:
            body["idProperty"] = id_property
        path = "/crm/v3/objects/contacts/batch/read"
        return parse(await call("POST", path, kind="batch_read", body=body))

    size = MAX_INPUTS_WITH_HISTORY if with_history else MAX_INPUTS
    result = BatchResult()
    for chunk in chunks([str(i) for i in ids], size):
        part = await _narrowing(send, chunk, str, refusals=(NotFoundError,))
        result = result.merge(part)
    return result


async def update(
    call: Call,
    inputs: Iterable[BatchInput | tuple[str | int, Mapping[str, str]]],
    id_property: str | None,
) -> BatchResult:
    """Update contacts, 100 per request, reporting refused inputs by id."""

    async def send(chunk: list[BatchInput]) -> BatchResult:
        rows = []
        for item in chunk:
            row: dict[str, Any] = item.to_json()
            if id_property:
                row["idProperty"] = id_property
            rows.append(row)
        path = "/crm/v3/objects/contacts/batch/update"
        return parse(
            await call("POST", path, kind="batch_update", body={"inputs": rows})
        )

    items = [_as_input(i) for i in inputs]
    result = BatchResult()
    for chunk in chunks(items, MAX_INPUTS):
        part = await _narrowing(
            send, chunk, lambda i: i.id, refusals=(ValidationError, NotFoundError)
        )
        result = result.merge(part)
    return result


def parse(data: Mapping[str, Any] | None) -> BatchResult:
    """A 200 or 207 batch answer as a BatchResult."""
    data = data or {}
    return BatchResult(
        results=parsed_contacts(data.get("results")),
        errors=[
            _error_entry(e) for e in data.get("errors") or [] if isinstance(e, dict)
        ],
    )


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


async def _narrowing(
    send: Send,
    chunk: list[Any],
    id_of: Callable[[Any], str],
    *,
    refusals: tuple[type[HubSpotError], ...],
) -> BatchResult:
    """Send ``chunk``; if HubSpot refuses it whole, bisect to find who is at fault."""
    try:
        return await send(chunk)
    except refusals as error:
        if len(chunk) == 1:
            return BatchResult(errors=[_error_from(error, [id_of(chunk[0])])])
        middle = len(chunk) // 2
        first = await _narrowing(send, chunk[:middle], id_of, refusals=refusals)
        second = await _narrowing(send, chunk[middle:], id_of, refusals=refusals)
        return first.merge(second)


def _as_input(item: BatchInput | tuple[str | int, Mapping[str, str]]) -> BatchInput:
    if isinstance(item, BatchInput):
        return item
    contact_id, properties = item
    return BatchInput(id=str(contact_id), properties=dict(properties))


def _error_entry(entry: Mapping[str, Any]) -> BatchError:
    message = str(entry.get("message") or "")
    errors = [e for e in entry.get("errors") or [] if isinstance(e, dict)]
    context = entry.get("context") if isinstance(entry.get("context"), dict) else {}
    ids = context.get("ids") or []
    option = find_invalid_option(message, errors)
    return BatchError(
        category=str(entry.get("category") or "UNKNOWN"),
        message=" ".join(message.split()),
        ids=[str(i) for i in (ids if isinstance(ids, list) else [ids])],
        status=str(entry.get("status") or "error"),
        property_name=option.property_name if option else None,
        invalid_value=option.invalid_value if option else None,
        allowed_options=list(option.allowed_options) if option else [],
        errors=errors,
        context=context,
    )


def _error_from(error: HubSpotError, ids: list[str]) -> BatchError:
    option = error.invalid_option if isinstance(error, ValidationError) else None
    return BatchError(
        category=error.category or type(error).__name__,
        message=error.message,
        ids=ids,
        property_name=option.property_name if option else None,
        invalid_value=option.invalid_value if option else None,
        allowed_options=list(option.allowed_options) if option else [],
        errors=error.errors,
        context=error.context,
    )

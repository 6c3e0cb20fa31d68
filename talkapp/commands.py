"""The engine's commands for ``talkapp``: connect, sync, statuses, contacts...

Each handler opens the store in the data directory, runs one engine call and
prints the answer for a person or, with ``--json``, for a program.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from talkapp import paths
from talkapp.store.async_store import AsyncStore
from talkapp.store.models import Contact, Disposition, HistoryEntry, LogEntry
from talkapp.sync.engine import TOKEN_ENV, Role, SyncEngine

LOCK = "🔐"


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    connect = commands.add_parser("connect", help="connect to HubSpot (checks first)")
    connect.add_argument("--hubspot-url", required=True, metavar="URL")
    connect.add_argument("--token", help=f"private-app token (or set {TOKEN_ENV})")
    connect.set_defaults(handler=_connect)

    disconnect = commands.add_parser("disconnect", help="stop syncing; keep the list")
    disconnect.set_defaults(handler=_disconnect)

    direction = commands.add_parser("direction", help="show or set the sync direction")
    direction.add_argument(
        "value",
        nargs="?",
        metavar="DIRECTION",
        help="hubspot-to-aloware (default) or two-way",
    )
    direction.set_defaults(handler=_direction)

    sync = commands.add_parser("sync", help="run one sync cycle")
    sync.add_argument("--full", action="store_true", help="re-read every contact")
    sync.set_defaults(handler=_sync)

    statuses = commands.add_parser("statuses", help="the disposition list")
    statuses.add_argument("--json", action="store_true")
    statuses.set_defaults(handler=_statuses)
    edits = statuses.add_subparsers(dest="edit", metavar="EDIT")
    add = edits.add_parser("add", help="add a Talk-owned disposition (admin)")
    add.add_argument("value")
    add.add_argument("label")
    add.set_defaults(handler=_status_add)
    rename = edits.add_parser("rename", help="rename a Talk-owned disposition (admin)")
    rename.add_argument("value")
    rename.add_argument("label")
    rename.set_defaults(handler=_status_rename)
    remove = edits.add_parser("remove", help="remove a Talk-owned disposition (admin)")
    remove.add_argument("value")
    remove.set_defaults(handler=_status_remove)

    contacts = commands.add_parser("contacts", help="list contacts")
    contacts.add_argument("--json", action="store_true")
    contacts.add_argument("--search", metavar="TEXT")
    contacts.set_defaults(handler=_contacts)

    setd = commands.add_parser("set-disposition", help="set a contact's disposition")
    setd.add_argument("contact", type=int, metavar="CONTACT")
    setd.add_argument("value", metavar="VALUE")
    setd.set_defaults(handler=_set_disposition)

    history = commands.add_parser("history", help="a contact's disposition history")
    history.add_argument("contact", type=int, metavar="CONTACT")
    history.add_argument("--json", action="store_true")
    history.set_defaults(handler=_history)

    log = commands.add_parser("log", help="the sync log")
    log.add_argument("--json", action="store_true")
    log.add_argument("--limit", type=int, default=50)
    log.set_defaults(handler=_log)


def _with_engine(
    args: argparse.Namespace, work: Callable[[SyncEngine], Awaitable[int]]
) -> int:
    store = AsyncStore(paths.database(paths.data_dir(args.data_dir)))

    async def run() -> int:
        engine = SyncEngine(store)
        try:
            return await work(engine)
        finally:
            await engine.aclose()

    try:
        return asyncio.run(run())
    finally:
        store.close()


def _connect(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get(TOKEN_ENV, "")

    async def work(engine: SyncEngine) -> int:
        changes = await engine.connect(args.hubspot_url, token)
        integration = await engine.integration()
        print(
            f"Connected to HubSpot at {integration.hubspot_url} "
            f"(portal {integration.portal_id}); direction "
            f"{integration.direction.value}."
        )
        for line in changes:
            print(f"  {line}")
        return 0

    return _with_engine(args, work)


def _disconnect(args: argparse.Namespace) -> int:
    async def work(engine: SyncEngine) -> int:
        await engine.disconnect()
        print("Disconnected. The status list is kept, locked, and not syncing.")
        return 0

    return _with_engine(args, work)


def _direction(args: argparse.Namespace) -> int:
    async def work(engine: SyncEngine) -> int:
        if args.value:
            await engine.set_direction(args.value)
        print((await engine.direction()).value)
        return 0

    return _with_engine(args, work)


def _sync(args: argparse.Namespace) -> int:
    async def work(engine: SyncEngine) -> int:
        summary = await engine.sync_once(full=args.full)
        print(summary.line())
        return 0

    return _with_engine(args, work)


def status_json(d: Disposition, offered: set[str]) -> dict[str, Any]:
    return {
        "value": d.value,
        "label": d.label,
        "source": d.source.value,
        "locked": d.locked,
        "hidden": d.hidden,
        "offered": d.value in offered,
        "state": d.state.value,
        "display_order": d.display_order,
        "contacts": d.contacts,
    }


def _statuses(args: argparse.Namespace) -> int:
    async def work(engine: SyncEngine) -> int:
        statuses = await engine.statuses()
        offered = {d.value for d in await engine.offered()}
        unknown = await engine.unknown_values()
        if args.json:
            _print_json([status_json(d, offered) for d in statuses])
            return 0
        rows = [
            [
                LOCK if d.locked else "",
                d.label,
                d.value,
                d.source.value,
                "hidden" if d.hidden and d.state.value == "active" else d.state.value,
                "yes" if d.value in offered else "no",
                f"{d.contacts:,}",
            ]
            for d in statuses
        ]
        rows += [
            ["", "Unknown", raw, "-", "unknown", "no", f"{count:,}"]
            for raw, count in unknown
        ]
        _print_table(
            ["", "label", "value", "source", "state", "offered", "contacts"], rows
        )
        integration = await engine.integration()
        if integration.state == "disconnected":
            print("HubSpot is disconnected: the list is kept, locked, not syncing.")
        return 0

    return _with_engine(args, work)


def _status_add(args: argparse.Namespace) -> int:
    async def work(engine: SyncEngine) -> int:
        await engine.add_disposition(args.value, args.label, Role.ADMIN)
        print(f"Added “{args.label}” ({args.value}).")
        return 0

    return _with_engine(args, work)


def _status_rename(args: argparse.Namespace) -> int:
    async def work(engine: SyncEngine) -> int:
        await engine.rename_disposition(args.value, args.label, Role.ADMIN)
        print(f"Renamed {args.value} to “{args.label}”.")
        return 0

    return _with_engine(args, work)


def _status_remove(args: argparse.Namespace) -> int:
    async def work(engine: SyncEngine) -> int:
        kept = await engine.remove_disposition(args.value, Role.ADMIN)
        print(f"Removed {args.value}; {kept:,} contacts keep the value.")
        return 0

    return _with_engine(args, work)


def contact_json(c: Contact, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "id": c.id,
        "hubspot_id": c.hubspot_id,
        "name": c.name,
        "email": c.email,
        "phone": c.phone,
        "disposition": c.disposition,
        "disposition_label": disposition_label(c.disposition, labels),
        "sync_state": c.sync_state.value,
        "sync_error": c.sync_error,
    }


def _shown_labels(statuses: list[Disposition]) -> dict[str, str]:
    """Labels as a person reads them in a table: HubSpot's carry the lock."""
    return {d.value: f"{LOCK} {d.label}" if d.locked else d.label for d in statuses}


def disposition_label(value: str | None, labels: dict[str, str]) -> str:
    """The label to show; a value no status knows is shown raw, never dropped."""
    if value is None:
        return ""
    return labels.get(value, f"Unknown ({value})")


def _contacts(args: argparse.Namespace) -> int:
    async def work(engine: SyncEngine) -> int:
        statuses = await engine.statuses()
        labels = {d.value: d.label for d in statuses}
        shown = _shown_labels(statuses)
        contacts = await engine.contacts(args.search)
        if args.json:
            _print_json([contact_json(c, labels) for c in contacts])
            return 0
        _print_table(
            ["id", "name", "phone", "email", "disposition", "sync"],
            [
                [
                    str(c.id),
                    c.name,
                    c.phone,
                    c.email,
                    disposition_label(c.disposition, shown),
                    c.sync_state.value,
                ]
                for c in contacts
            ],
        )
        return 0

    return _with_engine(args, work)


def _set_disposition(args: argparse.Namespace) -> int:
    async def work(engine: SyncEngine) -> int:
        contact = await engine.set_disposition(args.contact, args.value)
        meaning = {
            "pending": "queued for HubSpot (two-way)",
            "local_only": "kept in Talk only; HubSpot's next change replaces it",
            "synced": "saved",
        }.get(contact.sync_state.value, contact.sync_state.value)
        print(f"Contact {contact.id}: {args.value}, {meaning}.")
        return 0

    return _with_engine(args, work)


def _history(args: argparse.Namespace) -> int:
    async def work(engine: SyncEngine) -> int:
        entries = await engine.history(args.contact)
        if args.json:
            _print_json([_history_json(e) for e in entries])
            return 0
        shown = _shown_labels(await engine.statuses())
        _print_table(
            ["at", "what", "from", "to", "by", "outcome"],
            [
                [
                    _when(e.at),
                    e.event,
                    disposition_label(e.old_value, shown),
                    disposition_label(e.new_value, shown),
                    e.actor,
                    e.outcome,
                ]
                for e in entries
            ],
        )
        return 0

    return _with_engine(args, work)


def _history_json(e: HistoryEntry) -> dict[str, Any]:
    return {
        "at": _iso(e.at),
        "event": e.event,
        "old_value": e.old_value,
        "new_value": e.new_value,
        "actor": e.actor,
        "outcome": e.outcome,
    }


def _log(args: argparse.Namespace) -> int:
    async def work(engine: SyncEngine) -> int:
        entries = await engine.sync_log(args.limit)
        if args.json:
            _print_json([_log_json(e) for e in entries])
            return 0
        for e in entries:
            print(f"{_when(e.at)}  {e.level:<7}  {e.message}")
        return 0

    return _with_engine(args, work)


def _log_json(e: LogEntry) -> dict[str, Any]:
    return {
        "at": _iso(e.at),
        "level": e.level,
        "event": e.event,
        "message": e.message,
        "contact_id": e.contact_id,
    }


def _iso(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{stamp}.{millis:03d}Z"


def _when(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000))


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())

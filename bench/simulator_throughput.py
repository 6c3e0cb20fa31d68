"""How many list-page requests per second the simulator answers on loopback.

Starts the simulator with 100,000 contacts (rate limits off) in a uvicorn
thread, then a few concurrent httpx clients walk
``GET /crm/v3/objects/contacts?limit=100`` pages for a few seconds.

    .venv/bin/python bench/simulator_throughput.py [--seconds 5] [--clients 4]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig, create_app
from talkapp.simulator.server import LoopbackServer

PATH = "/crm/v3/objects/contacts"


async def walk(base_url: str, until: float, latencies: list[float]) -> int:
    """Page through the contacts (wrapping around) until the deadline."""
    done = 0
    after: str | None = None
    async with httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        timeout=30,
    ) as client:
        while time.perf_counter() < until:
            params = {"limit": "100", "properties": "hs_lead_status,email"}
            if after is not None:
                params["after"] = after
            started = time.perf_counter()
            response = await client.get(PATH, params=params)
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
            body = response.json()
            assert len(body["results"]) > 0
            after = body.get("paging", {}).get("next", {}).get("after")
            done += 1
    return done


async def hammer(base_url: str, seconds: float, clients: int) -> None:
    latencies: list[float] = []
    started = time.perf_counter()
    until = started + seconds
    counts = await asyncio.gather(
        *(walk(base_url, until, latencies) for _ in range(clients))
    )
    elapsed = time.perf_counter() - started
    total = sum(counts)
    cuts = statistics.quantiles(latencies, n=100)
    print(f"clients            {clients}")
    print(f"requests           {total} in {elapsed:.2f} s")
    print(f"requests/second    {total / elapsed:,.0f}")
    print(f"contacts/second    {total * 100 / elapsed:,.0f}")
    print(f"latency p50 / p99  {cuts[49] * 1000:.1f} ms / {cuts[98] * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()

    seeded = time.perf_counter()
    app = create_app(SimulatorConfig(contacts=args.contacts, rate_limit=0))
    print(f"seeded {args.contacts:,} contacts in {time.perf_counter() - seeded:.2f} s")
    with LoopbackServer(app) as server:
        asyncio.run(hammer(server.url, args.seconds, args.clients))


if __name__ == "__main__":
    main()

"""The loopback server: serves on 127.0.0.1, answers quickly, stops cleanly."""

from __future__ import annotations

import socket
import statistics
import time

import httpx
import pytest
from sim_helpers import BASE, TOKEN, config

from talkapp.simulator import create_app
from talkapp.simulator.server import LoopbackServer

pytestmark = pytest.mark.loopback


def test_serves_hubspot_paths_on_loopback(sim_server: LoopbackServer) -> None:
    assert sim_server.url.startswith("http://127.0.0.1:")
    with httpx.Client(
        base_url=sim_server.url, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as client:
        response = client.get(f"{BASE}/1")

    assert response.status_code == 200
    assert response.json()["id"] == "1"


def test_small_requests_do_not_wait_for_delayed_acks(
    sim_server: LoopbackServer,
) -> None:
    """A keep-alive round trip takes about a millisecond, not Nagle's ~40 ms."""
    with httpx.Client(
        base_url=sim_server.url, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as client:
        client.get(f"{BASE}/1")  # connect first
        took = []
        for contact_id in range(1, 21):
            started = time.perf_counter()
            assert client.get(f"{BASE}/{contact_id}").status_code == 200
            took.append(time.perf_counter() - started)

    assert statistics.median(took) < 0.02, f"median {statistics.median(took):.3f} s"


def test_stop_releases_the_port() -> None:
    server = LoopbackServer(create_app(config(contacts=1)))
    with server:
        port = server.port

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))

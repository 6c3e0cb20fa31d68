"""``--state FILE``: the portal survives shutting the simulator down."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sim_helpers import BASE, LEAD_STATUS_PATH, TOKEN, client_for, config

from talkapp.simulator import create_app
from talkapp.simulator.server import LoopbackServer


@pytest.mark.loopback
async def test_writes_survive_a_restart_from_the_state_file(tmp_path: Path) -> None:
    state_file = tmp_path / "portal.json"
    settings = config(contacts=30, state_file=state_file)

    with LoopbackServer(create_app(settings)) as server:
        async with httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client:
            updated = await client.patch(
                f"{BASE}/5",
                json={
                    "properties": {"hs_lead_status": "OPEN_DEAL", "lastname": "Kept"}
                },
            )
            created = await client.post(
                BASE, json={"properties": {"email": "late@example.com"}}
            )
            await client.delete(f"{BASE}/6")
            options = (await client.get(LEAD_STATUS_PATH)).json()["options"]
            options[0]["label"] = "Fresh"
            await client.patch(LEAD_STATUS_PATH, json={"options": options})
    assert updated.status_code == 200
    assert state_file.exists()

    async with client_for(create_app(settings)) as client:
        contact = (
            await client.get(
                f"{BASE}/5",
                params={
                    "properties": "hs_lead_status,lastname",
                    "propertiesWithHistory": "hs_lead_status",
                },
            )
        ).json()
        new = await client.get(f"{BASE}/31", params={"properties": "email"})
        archived = await client.get(f"{BASE}/6")
        label = (await client.get(LEAD_STATUS_PATH)).json()["options"][0]["label"]
        next_id = (await client.post(BASE, json={"properties": {}})).json()["id"]

    assert contact["properties"]["hs_lead_status"] == "OPEN_DEAL"
    assert contact["properties"]["lastname"] == "Kept"
    assert contact["updatedAt"] == updated.json()["updatedAt"]
    assert contact["propertiesWithHistory"]["hs_lead_status"][0]["value"] == (
        "OPEN_DEAL"
    )
    assert new.json()["properties"]["email"] == created.json()["properties"]["email"]
    assert archived.status_code == 404
    assert label == "Fresh"
    assert next_id == "32"


def test_without_a_state_file_a_new_portal_starts_fresh(tmp_path: Path) -> None:
    missing = tmp_path / "never-written.json"

    app = create_app(config(contacts=12, state_file=missing))

    assert app.state.portal.count() == 12


def test_unreadable_state_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")

    with pytest.raises(SystemExit, match="cannot read simulator state"):
        create_app(config(contacts=5, state_file=broken))

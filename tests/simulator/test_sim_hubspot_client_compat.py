"""HubSpot's own Python client (hubspot-api-client), unchanged, against the simulator.

The library is pointed at the loopback server through its ``host`` setting and
used exactly as against api.hubapi.com. Each test runs twice: with the
library's defaults, and with ``client_side_validation`` on, so a response
missing a field HubSpot's published schema requires fails the test.
"""

from __future__ import annotations

import datetime as dt
import json

import hubspot
import pytest
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.contacts.exceptions import ApiException, NotFoundException
from hubspot.crm.properties import OptionInput, PropertyUpdate
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException
from sim_helpers import DEFAULT_LEAD_STATUSES, TOKEN, config

from talkapp.simulator import SimulatorConfig, create_app
from talkapp.simulator.server import LoopbackServer

pytestmark = pytest.mark.loopback


@pytest.fixture
def sim_config() -> SimulatorConfig:
    """Limits off: these tests are about shapes, not throttling."""
    return config(
        contacts=250, rate_limit=0, tokens={"t2": ("crm.objects.contacts.read",)}
    )


@pytest.fixture(params=["defaults", "strict"])
def api(request: pytest.FixtureRequest, sim_server: LoopbackServer) -> hubspot.HubSpot:
    options = {"client_side_validation": True} if request.param == "strict" else {}
    return hubspot.HubSpot(access_token=TOKEN, host=sim_server.url, **options)


def error_body(error: ApiException) -> dict:
    return json.loads(error.body)


def test_get_page_and_paging(api: hubspot.HubSpot) -> None:
    page = api.crm.contacts.basic_api.get_page(
        limit=100, properties=["hs_lead_status", "email"]
    )

    assert len(page.results) == 100
    assert page.paging.next.after == "101"
    first = page.results[0]
    assert first.id == "1"
    assert first.properties["hs_lead_status"] in DEFAULT_LEAD_STATUSES
    assert "@" in first.properties["email"]
    assert isinstance(first.created_at, dt.datetime)
    assert isinstance(first.updated_at, dt.datetime)
    assert first.archived is False

    last = api.crm.contacts.basic_api.get_page(limit=100, after="201")
    assert len(last.results) == 50
    assert last.paging is None


def test_get_all_follows_every_page(api: hubspot.HubSpot) -> None:
    everyone = api.crm.contacts.get_all(properties=["hs_lead_status"])

    assert [int(c.id) for c in everyone] == list(range(1, 251))


def test_get_all_with_history_pages_by_50(api: hubspot.HubSpot) -> None:
    everyone = api.crm.contacts.get_all(properties_with_history=["hs_lead_status"])

    assert len(everyone) == 250
    history = everyone[0].properties_with_history["hs_lead_status"]
    assert history[0].value in DEFAULT_LEAD_STATUSES


def test_get_by_id_with_history_newest_first(api: hubspot.HubSpot) -> None:
    basic = api.crm.contacts.basic_api
    for status in ("OPEN", "CONNECTED"):
        basic.update(
            "9", SimplePublicObjectInput(properties={"hs_lead_status": status})
        )

    contact = basic.get_by_id(
        "9",
        properties=["hs_lead_status"],
        properties_with_history=["hs_lead_status"],
    )

    assert contact.id == "9"
    assert contact.properties["hs_lead_status"] == "CONNECTED"
    history = contact.properties_with_history["hs_lead_status"]
    assert [h.value for h in history[:2]] == ["CONNECTED", "OPEN"]
    stamps = [h.timestamp for h in history]
    assert all(isinstance(s, dt.datetime) for s in stamps)
    assert stamps == sorted(stamps, reverse=True)
    assert all(h.source_type for h in history)


def test_create_update_archive(api: hubspot.HubSpot) -> None:
    basic = api.crm.contacts.basic_api

    created = basic.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "lib@example.com", "hs_lead_status": "NEW"}
        )
    )
    assert created.id == "251"
    assert created.properties["hs_lead_status"] == "NEW"
    assert created.properties["lastmodifieddate"].isdigit()

    updated = basic.update(
        created.id,
        SimplePublicObjectInput(properties={"hs_lead_status": "IN_PROGRESS"}),
    )
    assert updated.properties["hs_lead_status"] == "IN_PROGRESS"
    assert updated.updated_at >= created.updated_at
    assert int(updated.properties["lastmodifieddate"]) >= int(
        created.properties["lastmodifieddate"]
    )

    assert basic.archive(created.id) is None
    with pytest.raises(NotFoundException) as missing:
        basic.get_by_id(created.id)
    assert missing.value.status == 404
    assert error_body(missing.value)["category"] == "OBJECT_NOT_FOUND"

    archived = basic.get_by_id(created.id, archived=True)
    assert archived.archived is True
    archived_page = basic.get_page(archived=True)
    assert [c.id for c in archived_page.results] == [created.id]


def test_batch_read_and_update(api: hubspot.HubSpot) -> None:
    batch = api.crm.contacts.batch_api

    read = batch.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=str(i)) for i in (1, 2, 3)],
            properties=["hs_lead_status"],
            properties_with_history=["hs_lead_status"],
        )
    )
    assert read.status == "COMPLETE"
    assert sorted(c.id for c in read.results) == ["1", "2", "3"]
    assert all(c.properties_with_history["hs_lead_status"] for c in read.results)

    updated = batch.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(
                    id=str(i), properties={"firstname": f"Lib {i}"}
                )
                for i in (4, 5, 6)
            ]
        )
    )
    assert updated.status == "COMPLETE"
    assert sorted(c.properties["firstname"] for c in updated.results) == [
        "Lib 4",
        "Lib 5",
        "Lib 6",
    ]
    assert len({c.properties["lastmodifieddate"] for c in updated.results}) == 1
    assert isinstance(updated.started_at, dt.datetime)
    assert isinstance(updated.completed_at, dt.datetime)


def test_batch_partial_failure_is_207_with_errors(api: hubspot.HubSpot) -> None:
    batch = api.crm.contacts.batch_api

    read = batch.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=i) for i in ("1", "99999")],
            properties=["email"],
            properties_with_history=[],
        )
    )
    assert [c.id for c in read.results] == ["1"]
    assert read.num_errors == 1
    assert read.errors[0].category == "OBJECT_NOT_FOUND"
    assert read.errors[0].context["ids"] == ["99999"]

    updated = batch.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(
                    id="7", properties={"hs_lead_status": "OPEN_DEAL"}
                ),
                SimplePublicObjectBatchInput(
                    id="8", properties={"hs_lead_status": "NOPE"}
                ),
            ]
        )
    )
    assert [c.id for c in updated.results] == ["7"]
    assert updated.num_errors == 1
    assert updated.errors[0].category == "VALIDATION_ERROR"
    assert updated.errors[0].status == "error"


def test_batch_limits_surface_as_api_exception(api: hubspot.HubSpot) -> None:
    with pytest.raises(ApiException) as too_many:
        api.crm.contacts.batch_api.read(
            BatchReadInputSimplePublicObjectId(
                inputs=[SimplePublicObjectId(id=str(i)) for i in range(1, 52)],
                properties=["email"],
                properties_with_history=["hs_lead_status"],
            )
        )

    assert too_many.value.status == 400
    assert error_body(too_many.value)["category"] == "VALIDATION_ERROR"


def test_search_with_filters_sorts_and_paging(api: hubspot.HubSpot) -> None:
    search = api.crm.contacts.search_api
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[
                    Filter(
                        property_name="hs_object_id",
                        operator="BETWEEN",
                        value="10",
                        high_value="60",
                    ),
                    Filter(property_name="hs_lead_status", operator="HAS_PROPERTY"),
                ]
            )
        ],
        sorts=["-createdate"],
        properties=["hs_lead_status", "createdate"],
        limit=20,
    )

    first = search.do_search(request)

    assert first.total == 51
    ids = [int(c.id) for c in first.results]
    assert ids == list(range(60, 40, -1))
    assert first.paging.next.after == "20"

    seen = list(ids)
    after = first.paging.next.after
    while after is not None:
        request.after = after
        page = search.do_search(request)
        seen += [int(c.id) for c in page.results]
        after = page.paging.next.after if page.paging else None
    assert seen == list(range(60, 9, -1))

    chosen = search.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(
                    filters=[
                        Filter(
                            property_name="hs_lead_status",
                            operator="IN",
                            values=["NEW", "OPEN"],
                        ),
                        Filter(
                            property_name="lastmodifieddate", operator="GTE", value="0"
                        ),
                    ]
                )
            ],
            limit=200,
            properties=["hs_lead_status"],
        )
    )
    assert chosen.total == len(chosen.results) > 0
    assert {c.properties["hs_lead_status"] for c in chosen.results} <= {"NEW", "OPEN"}


def test_search_errors_surface_as_api_exception(api: hubspot.HubSpot) -> None:
    with pytest.raises(ApiException) as bad:
        api.crm.contacts.search_api.do_search(PublicObjectSearchRequest(limit=500))

    assert bad.value.status == 400


def test_lead_status_property_get_and_update_options(api: hubspot.HubSpot) -> None:
    core = api.crm.properties.core_api

    prop = core.get_by_name("contacts", "hs_lead_status")
    assert prop.name == "hs_lead_status"
    assert prop.type == "enumeration"
    assert [o.value for o in prop.options] == DEFAULT_LEAD_STATUSES
    assert all(o.hidden is False for o in prop.options)

    options = [
        OptionInput(
            label="Brand New" if o.value == "NEW" else o.label,
            value=o.value,
            display_order=o.display_order,
            hidden=o.value == "BAD_TIMING",
            description=o.description,
        )
        for o in prop.options
        if o.value != "OPEN_DEAL"
    ]
    updated = core.update("contacts", "hs_lead_status", PropertyUpdate(options=options))

    by_value = {o.value: o for o in updated.options}
    assert "OPEN_DEAL" not in by_value
    assert by_value["NEW"].label == "Brand New"
    assert by_value["BAD_TIMING"].hidden is True
    again = core.get_by_name("contacts", "hs_lead_status")
    assert [o.value for o in again.options] == [o.value for o in updated.options]

    everything = core.get_all("contacts")
    assert "hs_lead_status" in {p.name for p in everything.results}


def test_bad_option_list_is_a_400_api_exception(api: hubspot.HubSpot) -> None:
    duplicate = [
        OptionInput(label="A", value="SAME", display_order=0, hidden=False),
        OptionInput(label="B", value="SAME", display_order=1, hidden=False),
    ]

    with pytest.raises(PropertiesApiException) as bad:
        api.crm.properties.core_api.update(
            "contacts", "hs_lead_status", PropertyUpdate(options=duplicate)
        )

    assert bad.value.status == 400
    assert error_body(bad.value)["category"] == "VALIDATION_ERROR"


def test_invalid_option_is_a_400_naming_allowed_options(api: hubspot.HubSpot) -> None:
    with pytest.raises(ApiException) as bad:
        api.crm.contacts.basic_api.update(
            "1", SimplePublicObjectInput(properties={"hs_lead_status": "WARM"})
        )

    assert bad.value.status == 400
    body = error_body(bad.value)
    assert body["category"] == "VALIDATION_ERROR"
    assert body["errors"][0]["code"] == "INVALID_OPTION"
    assert "ATTEMPTED_TO_CONTACT" in body["errors"][0]["message"]


def test_auth_errors_surface_with_their_status(sim_server: LoopbackServer) -> None:
    wrong = hubspot.HubSpot(access_token="not-a-token", host=sim_server.url)
    read_only = hubspot.HubSpot(access_token="t2", host=sim_server.url)

    with pytest.raises(ApiException) as unauthorized:
        wrong.crm.contacts.basic_api.get_page()
    with pytest.raises(ApiException) as forbidden:
        read_only.crm.contacts.basic_api.update(
            "1", SimplePublicObjectInput(properties={"firstname": "No"})
        )

    assert unauthorized.value.status == 401
    assert error_body(unauthorized.value)["category"] == "INVALID_AUTHENTICATION"
    assert forbidden.value.status == 403
    assert error_body(forbidden.value)["category"] == "MISSING_SCOPES"
    assert read_only.crm.contacts.basic_api.get_by_id("1").id == "1"


def test_rate_limit_surfaces_as_429() -> None:
    app = create_app(config(contacts=5, rate_limit=3))
    with LoopbackServer(app) as server:
        api = hubspot.HubSpot(access_token=TOKEN, host=server.url)
        for _ in range(3):
            api.crm.contacts.basic_api.get_by_id("1")
        with pytest.raises(ApiException) as limited:
            api.crm.contacts.basic_api.get_by_id("1")

    assert limited.value.status == 429
    body = error_body(limited.value)
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert limited.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"


def test_server_errors_surface_as_5xx() -> None:
    app = create_app(config(contacts=5, error_rate=1.0))
    with LoopbackServer(app) as server:
        api = hubspot.HubSpot(access_token=TOKEN, host=server.url)
        with pytest.raises(ApiException) as failed:
            api.crm.contacts.basic_api.get_page()

    assert failed.value.status in (502, 503)
    assert error_body(failed.value)["status"] == "error"


def test_generic_api_request_reaches_token_info(sim_server: LoopbackServer) -> None:
    pytest.importorskip("requests")
    api = hubspot.HubSpot(access_token=TOKEN)

    response = api.api_request(
        {
            "method": "POST",
            "path": "/oauth/v2/private-apps/get/access-token-info",
            "body": {"tokenKey": "t2"},
            "base_url": sim_server.url,
        }
    )

    assert response.status_code == 200
    assert response.json()["scopes"] == ["crm.objects.contacts.read"]

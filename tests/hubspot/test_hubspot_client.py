"""The endpoints: paths, bodies, paging, batches and the models they return."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from hubspot_fakes import SECRET, MakeClient, Recorder, body_of, contact_json

from talkapp.hubspot import (
    BatchInput,
    Filter,
    FilterGroup,
    HubSpotError,
    MissingScopeError,
    PropertyOption,
    SearchRequest,
    Sort,
)
from talkapp.hubspot.models import parsed_contact_rows

LEAD_STATUS = {
    "name": "hs_lead_status",
    "label": "Lead Status",
    "type": "enumeration",
    "fieldType": "radio",
    "groupName": "sales_properties",
    "description": "The contact's sales status",
    "hubspotDefined": True,
    "someNewField": {"ignored": True},
    "options": [
        {"label": "Open", "value": "OPEN", "displayOrder": 1, "hidden": False},
        {"label": "New", "value": "NEW", "displayOrder": 0, "hidden": False},
        {"label": "Old", "value": "OLD", "displayOrder": 2, "hidden": True},
    ],
}


async def test_token_info_and_scope_check(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert body_of(request) == {"tokenKey": SECRET}
        return httpx.Response(
            200,
            json={
                "userId": 9,
                "hubId": 62515,
                "appId": 1,
                "scopes": ["crm.objects.contacts.read"],
                "trialScopes": [],
            },
        )

    client = make_client(handler)

    info = await client.token_info()
    with pytest.raises(MissingScopeError) as caught:
        await client.check_access()

    assert (info.hub_id, info.user_id) == (62515, 9)
    assert caught.value.missing == [
        "crm.objects.contacts.write",
        "crm.schemas.contacts.read",
    ]
    assert str(caught.value) == (
        "The HubSpot access token lacks scopes: "
        "crm.objects.contacts.write, crm.schemas.contacts.read"
    )
    assert await client.check_access(["crm.objects.contacts.read"]) == info


async def test_lead_status_property_and_its_options(make_client: MakeClient) -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=LEAD_STATUS))
    client = make_client(recorder)

    prop = await client.get_property()

    assert recorder.requests[0].url.path == (
        "/crm/v3/properties/contacts/hs_lead_status"
    )
    assert (prop.name, prop.type, prop.field_type) == (
        "hs_lead_status",
        "enumeration",
        "radio",
    )
    assert [o.value for o in prop.visible_options()] == ["NEW", "OPEN"]


async def test_list_properties(make_client: MakeClient) -> None:
    client = make_client(
        lambda request: httpx.Response(200, json={"results": [LEAD_STATUS]})
    )

    assert [p.name for p in await client.list_properties()] == ["hs_lead_status"]


async def test_update_property_sends_camel_case(make_client: MakeClient) -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=LEAD_STATUS))
    client = make_client(recorder)
    options = [PropertyOption(label="New", value="NEW", display_order=0)]

    await client.update_property("hs_lead_status", options=options, label="Status")

    request = recorder.requests[0]
    assert request.method == "PATCH"
    assert body_of(request) == {
        "label": "Status",
        "options": [
            {"label": "New", "value": "NEW", "displayOrder": 0, "hidden": False}
        ],
    }


async def test_contact_model_reads_history_and_timestamps(
    make_client: MakeClient,
) -> None:
    payload = contact_json(7, hs_lead_status="OPEN", lastmodifieddate="1796313600123")
    payload["propertiesWithHistory"] = {
        "hs_lead_status": [
            {
                "value": "OPEN",
                "timestamp": "2026-12-03T16:05:00.456Z",
                "sourceType": "CRM_UI",
                "sourceId": "userId:9",
            },
            {
                "value": "NEW",
                "timestamp": "2026-12-03T16:00:00.123Z",
                "sourceType": "IMPORT",
            },
        ]
    }
    recorder = Recorder(lambda request: httpx.Response(200, json=payload))
    client = make_client(recorder)

    contact = await client.get_contact(
        7, properties=["hs_lead_status"], properties_with_history=["hs_lead_status"]
    )

    params = recorder.requests[0].url.params
    assert params.get_list("propertiesWithHistory") == ["hs_lead_status"]
    assert contact.created_at == datetime(2026, 12, 3, 16, 0, 0, 123000, tzinfo=UTC)
    history = contact.properties_with_history["hs_lead_status"]
    assert [h.value for h in history] == ["OPEN", "NEW"]
    assert history[0].source_type == "CRM_UI"
    assert history[1].source_id is None


async def test_create_update_archive(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(204)
        code = 201 if request.method == "POST" else 200
        return httpx.Response(
            code, json=contact_json(8, **body_of(request)["properties"])
        )

    recorder = Recorder(handler)
    client = make_client(recorder)

    created = await client.create_contact({"email": "x@example.com"})
    updated = await client.update_contact("8", {"hs_lead_status": "OPEN"})
    assert await client.archive_contact("8") is None

    assert created.properties["email"] == "x@example.com"
    assert updated.properties["hs_lead_status"] == "OPEN"
    assert [(r.method, r.url.path) for r in recorder.requests] == [
        ("POST", "/crm/v3/objects/contacts"),
        ("PATCH", "/crm/v3/objects/contacts/8"),
        ("DELETE", "/crm/v3/objects/contacts/8"),
    ]


async def test_ids_cannot_escape_their_path_segment(make_client: MakeClient) -> None:
    recorder = Recorder(lambda request: httpx.Response(204))
    client = make_client(recorder)

    await client.archive_contact("../../properties/contacts/x")

    assert recorder.requests[0].url.raw_path.startswith(
        b"/crm/v3/objects/contacts/..%2F"
    )


def paging_handler(total: int) -> Recorder:
    """The list endpoint over ``total`` contacts, ``after`` being the next id."""

    def handler(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params["limit"])
        start = int(request.url.params.get("after", "1"))
        ids = range(start, min(start + limit, total + 1))
        body: dict = {"results": [contact_json(i) for i in ids]}
        if start + limit <= total:
            body["paging"] = {"next": {"after": str(start + limit), "link": "..."}}
        return httpx.Response(200, json=body)

    return Recorder(handler)


async def test_list_pages_through_every_contact(make_client: MakeClient) -> None:
    recorder = paging_handler(250)
    client = make_client(recorder)

    pages = [page async for page in client.iter_contact_pages(["email"])]

    assert [len(p.results) for p in pages] == [100, 100, 50]
    assert [p.after for p in pages] == ["101", "201", None]
    assert recorder.count == 3
    assert recorder.requests[0].url.params["archived"] == "false"
    assert client.stats.by_kind["list"] == 3


async def test_list_resumes_from_a_stored_after(make_client: MakeClient) -> None:
    client = make_client(paging_handler(250))

    ids = [c.id async for c in client.iter_contacts(after="201")]

    assert ids == [str(i) for i in range(201, 251)]


async def test_list_rows_walk_the_same_pages_as_contact_models(
    make_client: MakeClient,
) -> None:
    client = make_client(paging_handler(250))

    models = [c async for c in client.iter_contacts(["email"])]
    pages = [page async for page in client.iter_contact_rows(["email"])]

    rows = [row for page in pages for row in page.results]
    assert [p.after for p in pages] == ["101", "201", None]
    assert [row["id"] for row in rows] == [c.id for c in models]
    assert rows[0]["properties"] == models[0].properties
    assert rows[0]["updatedAt"] == models[0].updated_at


async def test_list_rows_resume_from_a_stored_after(make_client: MakeClient) -> None:
    recorder = paging_handler(250)
    client = make_client(recorder)

    pages = [page async for page in client.iter_contact_rows(after="201")]

    assert [row["id"] for row in pages[0].results] == [str(i) for i in range(201, 251)]
    assert recorder.requests[0].url.params["after"] == "201"


async def test_raw_list_pages_carry_the_bytes_and_read_only_the_cursor(
    make_client: MakeClient,
) -> None:
    recorder = paging_handler(250)
    client = make_client(recorder)

    raw = [page async for page in client.iter_raw_contact_pages(after="101")]
    rows = [page async for page in client.iter_contact_rows(after="101")]

    assert [page.after for page in raw] == ["201", None]
    assert [parsed_contact_rows(page.raw) for page in raw] == rows
    assert recorder.requests[0].url.params["after"] == "101"


@pytest.mark.parametrize(
    "body", [{"paging": {"next": {}}}, {"paging": "none"}, "a string"]
)
async def test_a_raw_list_page_with_a_broken_cursor_is_one_line(
    make_client: MakeClient, body: object
) -> None:
    client = make_client(lambda request: httpx.Response(200, json=body))

    with pytest.raises(HubSpotError) as caught:
        [page async for page in client.iter_raw_contact_pages()]

    assert "unexpected contact list page" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"results": [{"properties": {}, "updatedAt": "2026-12-03T16:00:00Z"}]}, "id"),
        (
            {"results": [{"id": "1", "properties": {}, "updatedAt": "soon"}]},
            "updatedAt",
        ),
        ({"paging": {"next": {"after": "2"}}}, "results"),
    ],
)
async def test_a_list_page_of_the_wrong_shape_is_one_line(
    make_client: MakeClient, body: dict, where: str
) -> None:
    client = make_client(lambda request: httpx.Response(200, json=body))

    with pytest.raises(HubSpotError) as caught:
        [page async for page in client.iter_contact_rows()]

    assert "unexpected contact list page" in str(caught.value)
    assert where in str(caught.value)
    assert "\n" not in str(caught.value)


async def test_a_list_page_that_is_not_json_is_a_hubspot_error(
    make_client: MakeClient,
) -> None:
    client = make_client(lambda request: httpx.Response(200, text="<html>proxy"))

    with pytest.raises(HubSpotError, match="unexpected contact list page"):
        [page async for page in client.iter_contact_rows()]


def batch_handler(missing: set[str]) -> Recorder:
    """Batch read: found ids in ``results``, the others as a 207 error."""

    def handler(request: httpx.Request) -> httpx.Response:
        ids = [i["id"] for i in body_of(request)["inputs"]]
        lost = [i for i in ids if i in missing]
        body: dict = {
            "status": "COMPLETE",
            "results": [contact_json(i) for i in ids if i not in missing],
            "startedAt": "2026-12-03T16:00:00.000Z",
            "completedAt": "2026-12-03T16:00:00.100Z",
        }
        if not lost:
            return httpx.Response(200, json=body)
        body["numErrors"] = 1
        body["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some CONTACT objects",
                "context": {"ids": lost},
            }
        ]
        return httpx.Response(207, json=body)

    return Recorder(handler)


async def test_batch_read_chunks_at_100_and_merges_207s(
    make_client: MakeClient,
) -> None:
    recorder = batch_handler(missing={"5", "150"})
    client = make_client(recorder)

    result = await client.batch_read(range(1, 251), properties=["hs_lead_status"])

    sizes = [len(body_of(r)["inputs"]) for r in recorder.requests]
    assert sizes == [100, 100, 50]
    assert body_of(recorder.requests[0])["properties"] == ["hs_lead_status"]
    assert len(result.results) == 248
    assert [(e.category, e.ids) for e in result.errors] == [
        ("OBJECT_NOT_FOUND", ["5"]),
        ("OBJECT_NOT_FOUND", ["150"]),
    ]
    assert result.failed_ids == {"5", "150"}
    assert result.error_for("150").message.startswith("Could not get")


async def test_batch_read_with_history_chunks_at_50(make_client: MakeClient) -> None:
    recorder = batch_handler(missing=set())
    client = make_client(recorder)

    await client.batch_read(range(120), properties_with_history=["hs_lead_status"])

    sizes = [len(body_of(r)["inputs"]) for r in recorder.requests]
    assert sizes == [50, 50, 20]
    assert body_of(recorder.requests[0])["propertiesWithHistory"] == ["hs_lead_status"]


async def test_batch_update_chunks_and_reports_207_validation_errors(
    make_client: MakeClient,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        inputs = body_of(request)["inputs"]
        bad = [i["id"] for i in inputs if i["properties"]["hs_lead_status"] == "GONE"]
        good = [i for i in inputs if i["id"] not in bad]
        body: dict = {
            "status": "COMPLETE",
            "results": [contact_json(i["id"], **i["properties"]) for i in good],
        }
        if bad:
            body["numErrors"] = 1
            body["errors"] = [
                {
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": "GONE was not one of the allowed options: [NEW, OPEN]",
                    "context": {"ids": bad},
                    "errors": [
                        {
                            "code": "INVALID_OPTION",
                            "message": "GONE was not one of the allowed options",
                            "context": {
                                "propertyName": ["hs_lead_status"],
                                "value": ["GONE"],
                                "allowedOptions": ["NEW", "OPEN"],
                            },
                        }
                    ],
                }
            ]
        return httpx.Response(207 if bad else 200, json=body)

    recorder = Recorder(handler)
    client = make_client(recorder)
    inputs = [
        (str(i), {"hs_lead_status": "GONE" if i == 42 else "OPEN"}) for i in range(150)
    ]

    result = await client.batch_update(inputs)

    assert [len(body_of(r)["inputs"]) for r in recorder.requests] == [100, 50]
    assert body_of(recorder.requests[0])["inputs"][0] == {
        "id": "0",
        "properties": {"hs_lead_status": "OPEN"},
    }
    assert len(result.results) == 149
    (error,) = result.errors
    assert (error.ids, error.property_name, error.invalid_value) == (
        ["42"],
        "hs_lead_status",
        "GONE",
    )
    assert error.allowed_options == ["NEW", "OPEN"]


async def test_a_chunk_refused_whole_is_narrowed_to_the_bad_inputs(
    make_client: MakeClient,
) -> None:
    """Classic HubSpot refuses a whole batch (400) for one unknown option."""

    def handler(request: httpx.Request) -> httpx.Response:
        inputs = body_of(request)["inputs"]
        if any(i["properties"]["hs_lead_status"] == "GONE" for i in inputs):
            message = (
                'Property values were not valid: [{"isValid":false,"message":'
                '"GONE was not one of the allowed options: [NEW, OPEN]",'
                '"error":"INVALID_OPTION","name":"hs_lead_status"}]'
            )
            return httpx.Response(
                400,
                json={
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": message,
                },
            )
        return httpx.Response(
            200,
            json={
                "status": "COMPLETE",
                "results": [contact_json(i["id"]) for i in inputs],
            },
        )

    recorder = Recorder(handler)
    client = make_client(recorder)
    bad = {"3", "77"}
    inputs = [
        BatchInput(
            id=str(i), properties={"hs_lead_status": "GONE" if str(i) in bad else "NEW"}
        )
        for i in range(100)
    ]

    result = await client.batch_update(inputs)

    assert sorted(c.id for c in result.results) == sorted(
        str(i) for i in range(100) if str(i) not in bad
    )
    assert sorted(e.ids[0] for e in result.errors) == sorted(bad)
    assert all(e.allowed_options == ["NEW", "OPEN"] for e in result.errors)
    assert recorder.count <= 2 * 2 * 7 + 1  # two bisections of depth 7, at most


async def test_search_sends_hubspots_body_and_reads_paging(
    make_client: MakeClient,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "total": 450,
                "results": [contact_json(1)],
                "paging": {"next": {"after": "200"}},
            },
        )

    recorder = Recorder(handler)
    client = make_client(recorder)
    request = SearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[
                    Filter(
                        property_name="lastmodifieddate",
                        operator="GTE",
                        value="1796313600000",
                    ),
                    Filter(
                        property_name="hs_lead_status",
                        operator="IN",
                        values=["NEW", "OPEN"],
                    ),
                ]
            )
        ],
        sorts=[Sort(property_name="lastmodifieddate")],
        properties=["hs_lead_status"],
        limit=200,
    )

    page = await client.search(request)

    assert body_of(recorder.requests[0]) == {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "lastmodifieddate",
                        "operator": "GTE",
                        "value": "1796313600000",
                    },
                    {
                        "propertyName": "hs_lead_status",
                        "operator": "IN",
                        "values": ["NEW", "OPEN"],
                    },
                ]
            }
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["hs_lead_status"],
        "limit": 200,
    }
    assert (page.total, page.after, len(page.results)) == (450, "200", 1)


def test_search_limit_cannot_exceed_200() -> None:
    with pytest.raises(ValueError, match="200"):
        SearchRequest(limit=201)

"""The HSDS API's query parameters: each one in HSDS 3.0's openapi.json works or is a 400 that
says why; none is silently ignored. Filters add up (HSDS's API reference)."""

import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from directory.hsds import TAXONOMY_ID, term_id
from directory.models import Organization, Service
from tests.directory import hsds_schema

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "directory" / "seed" / "demo-directory.json"
FINNISH_CHAT = "36bf1277-bffd-4e66-90d8-fc2b55dc2070"
FINNISH_THERAPY = "d13f8257-5b29-492b-9411-4d74c801e284"
FINLAND = "3113e40c-7685-4fc2-875e-4776022c0b48"
NOBODY = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def demo():
    Organization.objects.all().delete()
    call_command("hsds_import", str(DEMO), stdout=StringIO())


def answer(client, path, status=200, **params):
    response = client.get(path, params)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def ids(client, **params) -> set[str]:
    return {s["id"] for s in answer(client, "/api/hsds/services", **params)["contents"]}


def every_service() -> set[str]:
    return {str(pk) for pk in Service.objects.values_list("pk", flat=True)}


def spec_parameters(path: str) -> set[str]:
    spec = hsds_schema.schema("openapi.json")
    names = set()
    for parameter in spec["paths"][path]["get"]["parameters"]:
        if "$ref" in parameter:
            parameter = spec["components"]["parameters"][parameter["$ref"].rpartition("/")[2]]
        names.add(parameter["name"])
    return names


# A value that is wrong for each parameter, with what the 400 says about it.
BAD_VALUES = {
    "page": ("two", "page must be a whole number"),
    "per_page": ("0", "per_page must be a whole number from 1 to 100"),
    "format": ("ndjson", "format must be json"),
    "organization_id": ("42", "organization_id must be a UUID"),
    "taxonomy_term_id": ("delivery:video", "taxonomy_term_id must be a UUID"),
    "taxonomy_id": ("helpportal", "taxonomy_id must be a UUID"),
    "modified_after": ("yesterday", "modified_after must be a date and time in ISO 8601"),
    "minimal": ("yes please", "minimal must be true or false"),
    "full": ("maybe", "full must be true or false"),
    "full_service": ("maybe", "full_service must be true or false"),
    "search": ("x" * 201, "search must be at most 200 characters"),
}


@pytest.mark.parametrize(("path", "spec_path"), [
    ("/api/hsds/services", "/services"), ("/api/hsds/organizations", "/organizations"),
])
def test_every_parameter_of_the_spec_refuses_a_bad_value_with_a_reason(client, path, spec_path):
    parameters = spec_parameters(spec_path)
    assert parameters <= set(BAD_VALUES)
    for name in parameters:
        value, message = BAD_VALUES[name]
        params = {name: value, "full": "true"} if name == "full_service" else {name: value}
        body = answer(client, path, status=400, **params)
        assert body["status"] == 400
        assert message in body["message"], name


def test_organization_id_gives_that_organisations_services_only(client):
    finnish = {FINNISH_CHAT, FINNISH_THERAPY}
    assert ids(client, organization_id=FINLAND) == finnish
    assert ids(client, organization_id=FINLAND.upper()) == finnish
    assert ids(client, organization_id=NOBODY) == set()


def test_search_finds_every_word_in_any_case_in_the_service_or_its_organisation(client):
    chat = {FINNISH_CHAT, "83fb1560-bbd6-4285-ac3f-ac877041e090",
            "fb199916-b722-44bf-8c78-13a4fcd4ca79"}  # "online chat" in the other two
    assert ids(client, search="CHAT") == chat
    assert ids(client, search="confidential CHAT finland") == {FINNISH_CHAT}
    assert ids(client, search="therapy uusimaa") == {FINNISH_THERAPY}
    assert ids(client, search="therapy sweden") == set()
    assert ids(client, search="Treatment Service Finland") == {FINNISH_CHAT, FINNISH_THERAPY}
    assert ids(client, search="") == every_service()


def test_taxonomy_term_id_gives_the_services_with_that_term(client):
    video = {str(s.pk) for s in Service.objects.all() if "video" in s.delivery_modes}
    assert video and video != every_service()
    assert ids(client, taxonomy_term_id=term_id("delivery", "video")) == video
    assert ids(client, taxonomy_term_id=str(uuid.uuid4())) == set()


def test_a_term_of_the_organisation_counts_for_its_services(client):
    finnish = {FINNISH_CHAT, FINNISH_THERAPY}
    assert ids(client, taxonomy_term_id=term_id("country", "FI")) == finnish
    assert ids(client, taxonomy_term_id=term_id("demo", "yes")) == every_service()
    assert ids(client, taxonomy_term_id=term_id("demo", "no")) == set()


def test_taxonomy_id_is_ours_or_matches_nothing(client):
    assert ids(client, taxonomy_id=str(TAXONOMY_ID)) == every_service()
    assert ids(client, taxonomy_id=str(uuid.uuid4())) == set()


def test_modified_after_gives_what_changed_on_or_after_that_time(client):
    assert ids(client, modified_after="2000-01-01T00:00:00Z") == every_service()
    later = timezone.now() + timedelta(seconds=2)
    Service.objects.filter(pk=FINNISH_CHAT).update(updated_at=later + timedelta(seconds=1))
    assert ids(client, modified_after=later.isoformat()) == {FINNISH_CHAT}
    # A change to the organisation counts for its services.
    Organization.objects.filter(pk=FINLAND).update(updated_at=later + timedelta(seconds=1))
    assert ids(client, modified_after=later.isoformat()) == {FINNISH_CHAT, FINNISH_THERAPY}
    assert ids(client, modified_after="2999-01-01") == set()
    service = answer(client, f"/api/hsds/services/{FINNISH_CHAT}")
    assert ids(client, modified_after=service["last_modified"]) >= {FINNISH_CHAT}


def test_a_time_with_an_unencoded_plus_is_refused_with_a_hint(client):
    body = answer(client, "/api/hsds/services", status=400,
                  modified_after="2026-01-01T00:00:00 02:00")
    assert "%2B" in body["message"]
    assert ids(client, modified_after="2000-01-01T00:00:00+02:00") == every_service()


def test_filters_add_up(client):
    video = term_id("delivery", "video")
    finnish_video = ids(client, organization_id=FINLAND, taxonomy_term_id=video)
    assert finnish_video == ids(client, taxonomy_term_id=video) & {FINNISH_CHAT, FINNISH_THERAPY}
    assert ids(client, organization_id=FINLAND, search="sweden") == set()


def test_the_page_counts_what_the_filters_left(client):
    page = answer(client, "/api/hsds/services", organization_id=FINLAND, per_page="1")
    assert (page["total_items"], page["total_pages"], page["size"]) == (2, 2, 1)
    empty = answer(client, "/api/hsds/services", organization_id=NOBODY)
    assert (empty["total_items"], empty["total_pages"], empty["empty"]) == (0, 1, True)


def test_minimal_gives_ids_and_times_only_and_full_false_the_services_own_fields(client):
    minimal = answer(client, "/api/hsds/services", minimal="true")["contents"]
    assert {tuple(sorted(s)) for s in minimal} == {("id", "last_modified")}
    plain = answer(client, "/api/hsds/services", full="false")["contents"]
    assert all("attributes" not in s and "organization" not in s for s in plain)
    assert {s["id"] for s in plain} == every_service()
    assert answer(client, "/api/hsds/services", full="true") == answer(client, "/api/hsds/services")
    body = answer(client, "/api/hsds/services", status=400, minimal="true", full="true")
    assert "cannot both be true" in body["message"]


def test_format_json_is_the_default_and_is_accepted(client):
    assert answer(client, "/api/hsds/services", format="JSON") == answer(
        client, "/api/hsds/services"
    )


def test_organisations_are_searched_and_can_come_fully_nested(client):
    page = answer(client, "/api/hsds/organizations", search="sweden")
    assert [org["name"] for org in page["contents"]] == ["Example Treatment Service Sweden (demo)"]
    full = answer(client, "/api/hsds/organizations", full="true")["contents"]
    finland = next(org for org in full if org["id"] == FINLAND)
    assert finland == answer(client, f"/api/hsds/organizations/{FINLAND}")
    assert [s["id"] for s in finland["services"]] == [FINNISH_CHAT, FINNISH_THERAPY]
    plain = answer(client, f"/api/hsds/organizations/{FINLAND}", full_service="false")
    assert all("attributes" not in s for s in plain["services"])
    body = answer(client, "/api/hsds/organizations", status=400, full_service="true")
    assert "full_service goes with full=true" in body["message"]


@pytest.mark.parametrize("value", ["\x00", "%00", "😀" * 50, "' OR 1=1 --", "\u202e"])
def test_odd_search_text_is_answered_never_a_500(client, value):
    page = answer(client, "/api/hsds/services", search=value)
    assert page["contents"] == []
    answer(client, "/api/hsds/organizations", search=value)


@pytest.mark.parametrize("value", ["\x00", "2026-13-45T99:00:00Z", "9" * 40, "2026-02-30"])
def test_odd_times_are_a_400(client, value):
    answer(client, "/api/hsds/services", status=400, modified_after=value)


def test_a_bad_filter_answer_is_never_cached(client):
    response = client.get("/api/hsds/services", {"organization_id": "42"})
    assert response["Cache-Control"] == "no-store"

"""The read-only HSDS 3.0 API: shapes, errors in JSON, paging, caching, published only."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from directory.models import Organization, Service

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "directory" / "seed" / "demo-directory.json"
FINNISH_CHAT = "36bf1277-bffd-4e66-90d8-fc2b55dc2070"
FINNISH_THERAPY = "d13f8257-5b29-492b-9411-4d74c801e284"
FINLAND = "3113e40c-7685-4fc2-875e-4776022c0b48"
HELSINKI = "6dd426ec-3df4-464f-975e-81fdca8842ae"
PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page",
             "empty", "contents"}


@pytest.fixture(autouse=True)
def demo():
    Organization.objects.all().delete()
    call_command("hsds_import", str(DEMO), stdout=StringIO())


def get_json(client, path, status=200, **params):
    response = client.get(path, params)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_the_service_list_is_an_hsds_page_of_fully_nested_services(client):
    page = get_json(client, "/api/hsds/services")
    assert set(page) == PAGE_KEYS
    assert (page["total_items"], page["total_pages"], page["page_number"]) == (6, 1, 1)
    assert (page["size"], page["first_page"], page["last_page"], page["empty"]) == (
        6, True, True, False
    )
    service = next(s for s in page["contents"] if s["id"] == FINNISH_THERAPY)
    assert service["organization_id"] == FINLAND
    assert service["organization"]["id"] == FINLAND
    assert service["status"] == "active"
    assert [lang["code"] for lang in service["languages"]] == ["fi", "sv"]
    assert service["languages"][0]["name"] == "Finnish"
    assert service["service_areas"][0]["name"] == "FI-18"
    assert service["service_areas"][0]["description"] == "Uusimaa (Finland)"
    assert service["cost_options"][0]["option"] == "low"
    codes = [a["taxonomy_term"]["code"] for a in service["attributes"]]
    assert codes[:9] == ["intake:waitlist", "waitlist_weeks:6", "delivery:in_person",
                         "delivery:video", "audience:self", "audience:someone-else",
                         "anonymous-referrals:no", "published:yes", "reply_days:5"]
    # Then the service's own words, per language and field, the words in the value.
    texts = {a["taxonomy_term"]["code"]: a["value"] for a in service["attributes"][9:]}
    assert "text:fi:confidentiality" in texts and "text:sv:description" in texts
    assert texts["text:fi:description"].startswith("Tämä on esimerkki")
    term = service["attributes"][0]["taxonomy_term"]
    assert (term["taxonomy"], term["taxonomy_detail"]["name"]) == ("helpportal", "helpportal")
    location = service["service_at_locations"][0]["location"]
    assert (location["id"], location["location_type"]) == (HELSINKI, "physical")
    assert location["addresses"][0]["city"] == "Helsinki"


def test_a_service_in_detail_is_the_same_as_in_the_list(client):
    page = get_json(client, "/api/hsds/services")
    listed = next(s for s in page["contents"] if s["id"] == FINNISH_CHAT)
    assert get_json(client, f"/api/hsds/services/{FINNISH_CHAT}") == listed


def test_the_demo_flag_travels_with_every_service(client):
    for service in get_json(client, "/api/hsds/services")["contents"]:
        codes = [a["taxonomy_term"]["code"] for a in service["organization"]["attributes"]]
        assert "demo:yes" in codes


def test_an_organisation_in_detail_has_its_published_services_and_their_locations(client):
    organization = get_json(client, f"/api/hsds/organizations/{FINLAND}")
    assert organization["name"] == "Example Treatment Service Finland (demo)"
    assert [s["id"] for s in organization["services"]] == [FINNISH_CHAT, FINNISH_THERAPY]
    assert [loc["id"] for loc in organization["locations"]] == [HELSINKI]
    assert organization["services"][1]["service_at_locations"][0]["location_id"] == HELSINKI


def test_the_organisation_list_is_a_page_without_nested_services(client):
    page = get_json(client, "/api/hsds/organizations")
    assert set(page) == PAGE_KEYS
    assert page["total_items"] == 3
    assert all("services" not in org for org in page["contents"])
    assert [org["name"] for org in page["contents"]] == [
        "Example Treatment Service Finland (demo)",
        "Example Treatment Service Sweden (demo)",
        "Example Treatment Service United Kingdom (demo)",
    ]


def test_the_public_api_leaves_out_the_organisations_notification_email(client):
    Organization.objects.filter(pk=FINLAND).update(email="notices@provider.example")
    assert "notices@provider.example" not in client.get("/api/hsds/services").content.decode()
    organization = get_json(client, f"/api/hsds/organizations/{FINLAND}")
    assert "email" not in organization


@pytest.mark.parametrize(
    "path",
    [
        "/api/hsds/services/00000000-0000-4000-8000-000000000000",
        "/api/hsds/services/not-a-uuid",
        "/api/hsds/organizations/00000000-0000-4000-8000-000000000000",
        "/api/hsds/organizations/42",
    ],
)
def test_an_unknown_id_is_a_404_in_json(client, path):
    body = get_json(client, path, status=404)
    assert body["status"] == 404
    assert "id" in body["message"]


def test_unpublished_and_defunct_services_are_absent(client):
    Service.objects.filter(pk=FINNISH_CHAT).update(published=False)
    Service.objects.filter(pk=FINNISH_THERAPY).update(status="defunct")
    ids = [s["id"] for s in get_json(client, "/api/hsds/services")["contents"]]
    assert len(ids) == 4
    assert FINNISH_CHAT not in ids and FINNISH_THERAPY not in ids
    get_json(client, f"/api/hsds/services/{FINNISH_CHAT}", status=404)
    get_json(client, f"/api/hsds/services/{FINNISH_THERAPY}", status=404)
    # An organisation with nothing published is not listed, nor are its locations.
    get_json(client, f"/api/hsds/organizations/{FINLAND}", status=404)
    organizations = get_json(client, "/api/hsds/organizations")["contents"]
    assert FINLAND not in [org["id"] for org in organizations]
    assert HELSINKI not in client.get("/api/hsds/services").content.decode()


def test_a_temporarily_closed_service_is_still_listed(client):
    Service.objects.filter(pk=FINNISH_CHAT).update(status="temporarily closed")
    service = get_json(client, f"/api/hsds/services/{FINNISH_CHAT}")
    assert service["status"] == "temporarily closed"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_anything_but_get_and_head_is_a_405_in_json(client, method):
    response = getattr(client, method)("/api/hsds/services")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["status"] == 405
    assert Service.objects.count() == 6


def test_head_is_allowed(client):
    response = client.head(f"/api/hsds/services/{FINNISH_CHAT}")
    assert response.status_code == 200
    assert response.content == b""


def test_pages_follow_page_and_per_page(client):
    first = get_json(client, "/api/hsds/services", per_page="4")
    assert (first["total_items"], first["total_pages"], first["size"]) == (6, 2, 4)
    assert (first["first_page"], first["last_page"]) == (True, False)
    second = get_json(client, "/api/hsds/services", page="2", per_page="4")
    assert (second["page_number"], second["size"]) == (2, 2)
    assert (second["first_page"], second["last_page"]) == (False, True)
    ids = [s["id"] for s in first["contents"] + second["contents"]]
    assert len(set(ids)) == 6


def test_an_empty_directory_is_one_empty_page(client):
    Organization.objects.all().delete()
    page = get_json(client, "/api/hsds/services")
    assert (page["total_items"], page["total_pages"], page["size"], page["empty"]) == (
        0, 1, 0, True
    )
    assert page["contents"] == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "0"}, "page must be a whole number of 1 or more"),
        ({"page": "two"}, "page must be a whole number"),
        ({"page": "-1"}, "page must be a whole number"),
        ({"page": "1.5"}, "page must be a whole number"),
        ({"per_page": "101"}, "per_page must be a whole number from 1 to 100"),
        ({"per_page": "0"}, "per_page must be a whole number from 1 to 100"),
        ({"per_page": ""}, "per_page must be a whole number"),
    ],
)
def test_a_bad_page_value_is_a_400_with_a_message(client, params, message):
    for path in ("/api/hsds/services", "/api/hsds/organizations"):
        body = get_json(client, path, status=400, **params)
        assert body["status"] == 400
        assert message in body["message"]


def test_a_page_past_the_end_is_a_404(client):
    body = get_json(client, "/api/hsds/services", status=404, page="3", per_page="4")
    assert body["message"] == "There is no page 3; there are 2."


@pytest.mark.parametrize(
    "path",
    ["/api/hsds/", "/api/hsds/services", f"/api/hsds/services/{FINNISH_CHAT}",
     "/api/hsds/organizations", f"/api/hsds/organizations/{FINLAND}"],
)
def test_answers_are_publicly_cacheable_and_set_no_cookie(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"public", "max-age=0", "s-maxage=60"}
    assert not response.cookies
    assert "Set-Cookie" not in response.headers


def test_errors_are_never_cached(client):
    response = client.get("/api/hsds/services/not-a-uuid")
    assert response["Cache-Control"] == "no-store"
    assert client.post("/api/hsds/services")["Cache-Control"] == "no-store"


def test_names_are_english_whatever_language_the_caller_prefers(client):
    response = client.get(f"/api/hsds/services/{FINNISH_CHAT}", HTTP_ACCEPT_LANGUAGE="fi")
    service = response.json()
    assert service["languages"][0]["name"] == "Finnish"
    assert service["service_areas"][0]["description"] == "Finland"

"""The export and every API answer validate against the official HSDS 3.0 JSON schemas.

The schemas are vendored (hsds_schema_3_0/, see its README), so this runs without a network.
"""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from directory.models import Location, Organization, Service
from tests.directory import hsds_schema

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "directory" / "seed" / "demo-directory.json"
BEFORE = Path(__file__).resolve().parent / "demo-directory-before-3-0-schemas.json"
FINNISH_CHAT = "36bf1277-bffd-4e66-90d8-fc2b55dc2070"
FINLAND = "3113e40c-7685-4fc2-875e-4776022c0b48"
RFC_3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


@pytest.fixture(autouse=True)
def demo():
    Organization.objects.all().delete()
    call_command("hsds_import", str(DEMO), stdout=StringIO())


@pytest.fixture
def everything_filled_in():
    """Every optional field we hold has a value, and one location has no address at all."""
    Organization.objects.filter(pk=FINLAND).update(
        email="notices@provider.example", website="https://provider.example/"
    )
    Service.objects.filter(pk=FINNISH_CHAT).update(
        email="chat@provider.example", url="https://provider.example/chat", phone="+358 9 123",
        minimum_age=16, maximum_age=99, cost_description="Free of charge.",
        eligibility_description="Anyone in Finland.", waitlist_weeks=None,
    )
    online = Location.objects.create(
        organization_id=FINLAND, kind="virtual", name="Online", url="https://provider.example/"
    )
    Service.objects.get(pk=FINNISH_CHAT).locations.add(online)


def export(*args) -> dict:
    out = StringIO()
    call_command("hsds_export", *args, stdout=out)
    return json.loads(out.getvalue())


def get(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_vendored_schemas_are_the_specifications_files():
    for name, digest in hsds_schema.SHA256.items():
        assert hsds_schema.sha256(name) == digest, name


def test_the_validator_finds_what_the_old_export_got_wrong():
    """Our export before this change: null optional fields, the taxonomy object in `taxonomy`.
    Checks that the validation below is not vacuous."""
    found = hsds_schema.document_errors(json.loads(BEFORE.read_text(encoding="utf-8")))
    assert len(found) == 80
    assert any("taxonomy_term.taxonomy: {" in error for error in found)
    assert any(error.endswith(".email: None is not of type 'string'") for error in found)


@pytest.mark.parametrize("args", [(), ("--all",)])
def test_the_export_has_no_schema_error(args):
    document = export(*args)
    assert hsds_schema.document_errors(document) == []
    for organization in document["organizations"]:
        for service in organization["services"]:
            assert hsds_schema.errors(service, "service.json") == []
        for location in organization["locations"]:
            assert hsds_schema.errors(location, "location") == []


def test_the_demo_file_has_no_schema_error():
    assert hsds_schema.document_errors(json.loads(DEMO.read_text(encoding="utf-8"))) == []


def test_empty_optional_fields_are_left_out_not_null(everything_filled_in):
    document = export("--all")
    text = json.dumps(document)
    assert "null" not in text
    finland = next(org for org in document["organizations"] if org["id"] == FINLAND)
    sweden = next(org for org in document["organizations"] if org["id"] != FINLAND)
    assert finland["email"] == "notices@provider.example"
    assert "email" not in sweden and "website" not in sweden
    chat = next(s for s in finland["services"] if s["id"] == FINNISH_CHAT)
    assert (chat["minimum_age"], chat["maximum_age"]) == (16, 99)
    other = next(s for s in sweden["services"])
    assert "url" not in other and "email" not in other


def test_a_fully_filled_in_directory_has_no_schema_error(client, everything_filled_in):
    assert hsds_schema.document_errors(export("--all")) == []
    service = get(client, f"/api/hsds/services/{FINNISH_CHAT}")
    assert hsds_schema.errors(service, "service.json") == []
    assert service["phones"][0]["number"] == "+358 9 123"
    assert "Online" in [link["location"]["name"] for link in service["service_at_locations"]]


def test_terms_name_their_taxonomy_as_the_schema_says():
    organization = export()["organizations"][0]
    term = organization["services"][0]["attributes"][0]["taxonomy_term"]
    assert term["taxonomy"] == "helpportal"
    assert term["taxonomy_detail"]["id"] == term["taxonomy_id"]
    assert term["taxonomy_detail"]["name"] == "helpportal"


def test_the_api_root_names_the_version_the_profile_and_the_openapi_file(client):
    root = get(client, "/api/hsds/")
    assert root["version"] == "3.0"
    assert root["profile"].startswith("https://")
    assert root["openapi_url"].endswith("/3.0/schema/openapi.json")
    spec = hsds_schema.schema("openapi.json")
    properties = spec["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"]["properties"]
    assert set(properties) <= set(root)


@pytest.mark.parametrize("params", [{}, {"full": "true"}, {"full": "false"}, {"per_page": "2"}])
def test_every_service_list_page_has_no_schema_error(client, everything_filled_in, params):
    page = get(client, "/api/hsds/services", **params)
    assert hsds_schema.errors(page, "page") == []
    assert page["contents"]
    for service in page["contents"]:
        assert hsds_schema.errors(service, "service_list.json") == []
        assert hsds_schema.errors(service, "service.json") == []


def test_every_service_in_detail_has_no_schema_error(client, everything_filled_in):
    ids = [s["id"] for s in get(client, "/api/hsds/services")["contents"]]
    assert len(ids) == 6
    for pk in ids:
        service = get(client, f"/api/hsds/services/{pk}")
        assert hsds_schema.errors(service, "service.json") == []
        # format date-time, which jsonschema checks only with an extra package
        assert RFC_3339.fullmatch(service["last_modified"]), service["last_modified"]


@pytest.mark.parametrize(
    "params", [{}, {"full": "true"}, {"full": "true", "full_service": "false"}]
)
def test_every_organisation_list_page_has_no_schema_error(client, everything_filled_in, params):
    page = get(client, "/api/hsds/organizations", **params)
    assert hsds_schema.errors(page, "page") == []
    assert len(page["contents"]) == 3
    for organization in page["contents"]:
        assert hsds_schema.errors(organization, "organization_list.json") == []
        assert hsds_schema.errors(organization, "organization.json") == []


@pytest.mark.parametrize("params", [{}, {"full_service": "false"}])
def test_every_organisation_in_detail_has_no_schema_error(client, everything_filled_in, params):
    for organization in get(client, "/api/hsds/organizations")["contents"]:
        detail = get(client, f"/api/hsds/organizations/{organization['id']}", **params)
        assert hsds_schema.errors(detail, "organization.json") == []
        assert detail["services"]

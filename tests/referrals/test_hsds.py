"""HSDS 3.0 export and import: the round trip, checks that name the record, all or nothing."""

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEntry
from directory.models import Location, Organization, Service

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "directory" / "seed" / "demo-directory.json"
FINNISH_CHAT = "36bf1277-bffd-4e66-90d8-fc2b55dc2070"


def export(*args) -> str:
    out = StringIO()
    call_command("hsds_export", *args, stdout=out)
    return out.getvalue()


def import_file(path, *args) -> str:
    out = StringIO()
    call_command("hsds_import", str(path), *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "organizations": Organization.objects.count(),
        "locations": Location.objects.count(),
        "services": Service.objects.count(),
        "links": Location.services.through.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def demo_document() -> dict:
    return json.loads(DEMO.read_text(encoding="utf-8"))


def write(tmp_path, document, name="directory.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def attribute(record: dict, facet: str) -> dict:
    return next(item for item in record["attributes"] if item["link_type"] == facet)


def set_term(record: dict, facet: str, value: str) -> None:
    item = attribute(record, facet)
    item["value"] = value
    item["taxonomy_term"]["code"] = f"{facet}:{value}"


@pytest.fixture
def empty_directory():
    Organization.objects.all().delete()  # whatever a seed put there; services go with them


@pytest.fixture
def demo(empty_directory):
    import_file(DEMO)


def test_an_export_imported_into_an_empty_directory_exports_the_same_json(demo, tmp_path):
    first = export("--all")
    before = counts()
    path = tmp_path / "export.json"
    path.write_text(first, encoding="utf-8")
    Organization.objects.all().delete()
    assert Service.objects.count() == 0

    import_file(path)

    assert export("--all") == first
    after = counts()
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }


def test_the_demo_file_is_exactly_what_an_export_of_it_writes(demo):
    assert export("--all") == DEMO.read_text(encoding="utf-8")
    assert counts()["organizations"] == 3
    assert counts()["services"] == 6


def test_importing_the_same_document_again_changes_nothing(demo):
    before = counts()
    output = import_file(DEMO)
    assert "services: 0 created, 0 updated, 6 unchanged" in output
    assert counts() == before  # not even an audit entry


def test_the_demo_directory_shows_every_kind_of_entry_and_nothing_real(demo):
    services = list(Service.objects.select_related("organization"))
    organizations = list(Organization.objects.all())
    assert {org.country for org in organizations} == {"FI", "SE", "GB"}
    assert all(org.demo and "(demo)" in org.name for org in organizations)
    assert all(not (org.email or org.website) for org in organizations)
    assert all(not (s.email or s.url or s.phone or s.webhook_url) for s in services)
    assert all("demo entry" in s.description for s in services)
    assert {len(org.services.all()) for org in organizations} == {2}

    def union(name):
        return {value for s in services for value in getattr(s, name)}

    assert {"fi", "sv", "en"} <= union("languages")
    assert union("delivery_modes") == {"online", "phone", "video", "in_person"}
    assert union("audiences") == {"self", "someone-else", "parents", "young-people"}
    assert {"FI", "FI-18", "SE", "GB"} <= union("service_areas")
    assert {s.cost for s in services} == {"free", "low", "paid"}
    assert {s.intake for s in services} == {"accepting", "waitlist", "closed"}
    assert all(s.waitlist_weeks for s in services if s.intake == "waitlist")
    young = [s for s in services if "young-people" in s.audiences]
    assert [s.maximum_age for s in young] == [17]
    anonymous = {s.organization.country for s in services if s.accepts_anonymous_referrals}
    assert anonymous == {"FI", "SE", "GB"}


def test_the_default_export_has_published_services_only(demo):
    Service.objects.filter(pk=FINNISH_CHAT).update(published=False)
    Service.objects.filter(name__startswith="Example helpline").update(status="defunct")
    document = json.loads(export())
    names = [s["name"] for org in document["organizations"] for s in org["services"]]
    assert len(names) == 4
    assert not any("chat, Finland" in name or "helpline" in name for name in names)
    everything = json.loads(export("--all"))
    assert sum(len(org["services"]) for org in everything["organizations"]) == 6


def test_an_unpublished_service_stays_unpublished_through_a_round_trip(demo, tmp_path):
    Service.objects.filter(pk=FINNISH_CHAT).update(published=False, status="inactive")
    path = tmp_path / "all.json"
    path.write_text(export("--all"), encoding="utf-8")
    Organization.objects.all().delete()
    import_file(path)
    service = Service.objects.get(pk=FINNISH_CHAT)
    assert (service.published, service.status) == (False, "inactive")


def test_the_export_goes_to_a_file_as_utf8(demo, tmp_path):
    Organization.objects.filter(country="FI").update(name="Esimerkkipalvelu Hämeenlinna (demo)")
    path = tmp_path / "out.json"
    output = export("--output", str(path))
    assert "wrote 3 organisations and 6 services" in output
    text = path.read_bytes().decode("utf-8")
    assert "Hämeenlinna" in text
    assert json.loads(text)["organizations"][0]["name"].startswith("Esimerkkipalvelu")


def test_malformed_json_is_refused_with_its_line_and_column_and_nothing_is_written(
    empty_directory, tmp_path
):
    path = tmp_path / "broken.json"
    path.write_text('{"organizations": [\n  {"id": "x",}\n]}', encoding="utf-8")
    before = counts()
    with pytest.raises(CommandError, match=r"not valid JSON at line 2, column 14"):
        import_file(path)
    assert counts() == before


def test_a_missing_file_is_a_plain_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        import_file(tmp_path / "nowhere.json")


def test_a_document_of_the_wrong_shape_is_refused(empty_directory, tmp_path):
    with pytest.raises(CommandError, match=r'must be \{"organizations": \[...\]\}'):
        import_file(write(tmp_path, [{"id": "x"}]))


LAST_SERVICE = ("organizations", 2, "services", 1)


def change_service(**fields):
    def change(service):
        service.update(fields)
    return change


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda s: s["languages"][0].update(code="xx"), "languages[0].code", "ISO 639-1"),
        (lambda s: s["service_areas"][0].update(name="FI-99"), "service_areas[0].name",
         "ISO 3166"),
        (change_service(status="open"), "status", "not a valid choice"),
        (change_service(status=None), "status", "required"),
        (change_service(name="  "), "name", "required"),
        (lambda s: set_term(s, "intake", "maybe"), "taxonomy_term.code", "'maybe'"),
        (lambda s: set_term(s, "delivery", "carrier-pigeon"), "taxonomy_term.code",
         "not a valid value for 'delivery'"),
        (lambda s: set_term(s, "audience", "everyone"), "taxonomy_term.code", "'everyone'"),
        (lambda s: set_term(s, "anonymous-referrals", "perhaps"), "taxonomy_term.code",
         "'perhaps'"),
        (lambda s: attribute(s, "intake")["taxonomy_term"].update(code="colour:blue"),
         "taxonomy_term.code", "unknown facet 'colour'"),
        (lambda s: attribute(s, "intake").update(value="accepting"), "attributes[0].value",
         "contradicts"),
        (lambda s: s["cost_options"][0].update(option="cheap"), "cost_options[0].option",
         "not a valid choice"),
        (change_service(cost_options=[]), "cost_options", "exactly one"),
        (change_service(minimum_age=-1), "minimum_age", "greater than or equal to 0"),
        (change_service(minimum_age="12"), "minimum_age", "not a whole number"),
        (change_service(minimum_age=30, maximum_age=17), "maximum_age", "below minimum_age"),
        (change_service(email="not-an-address"), "email", "valid email"),
        (change_service(url="javascript:alert(1)"), "url", "valid URL"),
        (change_service(name="x" * 201), "name", "at most 200 characters"),
        (change_service(organization_id="3113e40c-7685-4fc2-875e-4776022c0b48"),
         "organization_id", "not the id of the organization it is in"),
        (lambda s: s["service_at_locations"].append(
            {"location_id": "00000000-0000-4000-8000-000000000000"}),
         "service_at_locations[1].location_id", "names no location"),
        (change_service(id="not-a-uuid"), "id", "not a UUID"),
    ],
)
def test_a_bad_value_in_a_later_record_is_named_and_nothing_at_all_is_written(
    empty_directory, tmp_path, change, field, message
):
    document = demo_document()
    service = document["organizations"][2]["services"][1]
    change(service)
    before = counts()
    with pytest.raises(CommandError) as raised:
        import_file(write(tmp_path, document))
    error = str(raised.value)
    assert "service organizations[2].services[1]" in error
    assert "Example treatment programme, United Kingdom (demo)" in error or field == "name"
    assert "field " in error and field in error
    assert message in error
    assert "nothing was imported" in error
    assert counts() == before  # the first two organisations were fine, and are not there either


def test_a_waiting_time_without_a_waiting_list_is_refused(empty_directory, tmp_path):
    document = demo_document()
    finnish_therapy = document["organizations"][0]["services"][1]
    set_term(finnish_therapy, "intake", "accepting")
    with pytest.raises(CommandError, match="waitlist_weeks goes only with intake:waitlist"):
        import_file(write(tmp_path, document))
    assert Organization.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "record", "field", "message"),
    [
        (lambda org: set_term(org, "country", "XX"), "organization organizations[1]",
         "attributes[0].taxonomy_term.code", "'XX'"),
        (lambda org: org.update(attributes=[]), "organization organizations[1]",
         "attributes", "country:XX attribute is required"),
        (lambda org: org.update(website="ftp//nowhere"), "organization organizations[1]",
         "website", "valid URL"),
        (lambda org: org["services"][0]["attributes"].append(
            copy.deepcopy(attribute(org, "demo"))), "service organizations[1].services[0]",
         "taxonomy_term.code", "'demo' is for organizations, not services"),
    ],
)
def test_a_bad_organisation_is_named_and_nothing_is_written(
    empty_directory, tmp_path, change, record, field, message
):
    document = demo_document()
    change(document["organizations"][1])
    with pytest.raises(CommandError) as raised:
        import_file(write(tmp_path, document))
    error = str(raised.value)
    assert error.split(" (")[0].endswith(record)
    assert field in error and message in error
    assert Organization.objects.count() == 0


def test_a_bad_location_is_named(empty_directory, tmp_path):
    document = demo_document()
    document["organizations"][2]["locations"][0]["location_type"] = "postal"
    document["organizations"][2]["locations"][0]["addresses"][0]["country"] = "UK"
    with pytest.raises(CommandError) as raised:
        import_file(write(tmp_path, document))
    assert 'location organizations[2].locations[0] (id 1a83730e' in str(raised.value)
    assert '"London (example)"), field location_type' in str(raised.value)
    assert Location.objects.count() == 0


def test_the_same_service_twice_in_one_document_is_refused(empty_directory, tmp_path):
    document = demo_document()
    twin = copy.deepcopy(document["organizations"][0]["services"][0])
    del twin["organization_id"]
    document["organizations"][1]["services"].append(twin)
    with pytest.raises(CommandError, match="another service in this document has this id"):
        import_file(write(tmp_path, document))


def test_skip_existing_leaves_an_edited_row_alone_and_adds_what_is_missing(demo):
    Service.objects.filter(pk=FINNISH_CHAT).update(name="Renamed by a clinician", intake="closed")
    Organization.objects.filter(country="GB").update(name="Renamed organisation")
    Service.objects.exclude(pk=FINNISH_CHAT).filter(organization__country="SE").first().delete()

    output = import_file(DEMO, "--skip-existing")

    service = Service.objects.get(pk=FINNISH_CHAT)
    assert (service.name, service.intake) == ("Renamed by a clinician", "closed")
    assert Organization.objects.get(country="GB").name == "Renamed organisation"
    assert Service.objects.count() == 6
    assert "services: 1 created, 0 updated, 0 unchanged, 5 skipped" in output


def test_without_skip_existing_an_import_brings_rows_back_in_line(demo):
    Service.objects.filter(pk=FINNISH_CHAT).update(name="Renamed", languages=["de"])
    output = import_file(DEMO)
    service = Service.objects.get(pk=FINNISH_CHAT)
    assert service.name == "Example confidential chat, Finland (demo)"
    assert service.languages == ["fi", "sv", "en"]
    assert "services: 0 created, 1 updated, 5 unchanged" in output
    entry = AuditEntry.objects.filter(action="directory.import").first()
    assert entry.detail["services updated"] == 1


def test_an_import_keeps_the_delivery_settings_hsds_does_not_carry(demo):
    Service.objects.filter(pk=FINNISH_CHAT).update(
        referral_channels=["webhook"], webhook_url="https://provider.example/hook"
    )
    import_file(DEMO)
    service = Service.objects.get(pk=FINNISH_CHAT)
    assert service.referral_channels == ["webhook"]
    assert service.webhook_url == "https://provider.example/hook"
    assert "provider.example" not in export("--all")


def test_an_attribute_of_another_taxonomy_is_left_alone(empty_directory, tmp_path):
    document = demo_document()
    service = document["organizations"][0]["services"][0]
    service["attributes"].append({
        "id": "0b7c3a5e-4b0e-4a47-9a35-1b1d1bb1e1a1",
        "link_type": "eligibility",
        "taxonomy_term": {"id": "x", "code": "BD-1800", "name": "Anything",
                          "taxonomy": {"id": "y", "name": "Open Eligibility"}},
    })
    import_file(write(tmp_path, document))
    assert Service.objects.get(pk=FINNISH_CHAT).delivery_modes == ["online", "video"]


def test_codes_are_read_in_any_case_and_stored_as_the_standards_write_them(
    empty_directory, tmp_path
):
    document = demo_document()
    service = document["organizations"][0]["services"][0]
    service["languages"][0]["code"] = "FI"
    service["service_areas"][0]["name"] = "fi"
    import_file(write(tmp_path, document))
    service = Service.objects.get(pk=FINNISH_CHAT)
    assert (service.languages[0], service.service_areas) == ("fi", ["FI"])


BEFORE_3_0_SCHEMAS = (
    Path(__file__).resolve().parents[1] / "directory" / "demo-directory-before-3-0-schemas.json"
)


def test_an_older_export_with_nulls_and_the_old_taxonomy_shape_still_imports(empty_directory):
    """Our exports before they validated against the HSDS 3.0 schemas: empty fields as null,
    the taxonomy object in taxonomy_term.taxonomy. The same directory comes in."""
    old = BEFORE_3_0_SCHEMAS.read_text(encoding="utf-8")
    assert '"email": null' in old and '"taxonomy": {' in old
    import_file(BEFORE_3_0_SCHEMAS)
    # The older file has no reply times and no words per language, which came later.
    expected = demo_document()
    for organization in expected["organizations"]:
        for service in organization["services"]:
            service["attributes"] = [
                a for a in service["attributes"]
                if a["taxonomy_term"]["code"].split(":")[0] not in ("reply_days", "text")]
    assert json.loads(export("--all")) == expected
    assert Service.objects.get(pk=FINNISH_CHAT).delivery_modes == ["online", "video"]


def test_a_term_of_another_taxonomy_in_the_new_shape_is_left_alone(empty_directory, tmp_path):
    document = demo_document()
    service = document["organizations"][0]["services"][0]
    for taxonomy, detail in (("Open Eligibility", None),
                             (None, {"id": "y", "name": "Open Eligibility", "description": ""}),
                             ("https://example.org/taxonomy", None)):
        term = {"id": "x", "code": "BD-1800", "name": "Anything", "description": ""}
        if taxonomy:
            term["taxonomy"] = taxonomy
        if detail:
            term["taxonomy_detail"] = detail
        service["attributes"].append({"id": "z", "link_type": "eligibility",
                                      "taxonomy_term": term})
    import_file(write(tmp_path, document))
    assert Service.objects.get(pk=FINNISH_CHAT).delivery_modes == ["online", "video"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda term: term.update(taxonomy=42), "attributes[0].taxonomy_term.taxonomy",
         "must be text"),
        (lambda term: term.update(taxonomy_detail="helpportal"),
         "attributes[0].taxonomy_term.taxonomy_detail", "must be a JSON object"),
    ],
)
def test_a_malformed_taxonomy_is_named_with_its_record_and_field(
    empty_directory, tmp_path, change, field, message
):
    document = demo_document()
    change(document["organizations"][2]["services"][1]["attributes"][0]["taxonomy_term"])
    with pytest.raises(CommandError) as raised:
        import_file(write(tmp_path, document))
    error = str(raised.value)
    assert "service organizations[2].services[1]" in error
    assert f"field {field}: {message}" in error
    assert Organization.objects.count() == 0


def _text_attribute(service: dict, code: str) -> dict:
    return next(a for a in service["attributes"] if a["taxonomy_term"]["code"] == code)


def test_a_services_words_per_language_and_reply_time_travel_both_ways(empty_directory, tmp_path):
    from directory.models import ServiceText

    import_file(DEMO)
    chat = Service.objects.get(pk=FINNISH_CHAT)
    assert chat.reply_days == 2
    statement = ServiceText.objects.get(service=chat, language="sv").confidentiality
    assert statement.strip()
    document = demo_document()
    service = document["organizations"][0]["services"][0]
    assert service["id"] == str(FINNISH_CHAT)
    _text_attribute(service, "text:sv:confidentiality")["value"] = "Ny beskrivning."
    service["attributes"] = [a for a in service["attributes"]
                             if not a["taxonomy_term"]["code"].startswith("text:fi:")]
    import_file(write(tmp_path, document))
    assert ServiceText.objects.get(service=chat, language="sv").confidentiality == (
        "Ny beskrivning.")
    assert not ServiceText.objects.filter(service=chat, language="fi").exists()


@pytest.mark.parametrize(("code", "value", "message"), [
    ("text:sv:confidentiality", "", "required, as text"),
    ("text:sv:confidentiality", 7, "required, as text"),
    ("text:sv:cost_description", "x" * 301, "longer than 300 characters"),
    ("text:de:description", "Beschreibung", "'de:description' is not a valid value for 'text'"),
    ("text:sv:motto", "Hej", "'sv:motto' is not a valid value for 'text'"),
    ("reply_days:0", "0", "'0' is not a valid value for 'reply_days'"),
    ("reply_days:31", "31", "'31' is not a valid value for 'reply_days'"),
])
def test_a_bad_text_or_reply_time_is_named_with_its_record_and_field(
    empty_directory, tmp_path, code, value, message
):
    document = demo_document()
    service = document["organizations"][0]["services"][0]
    attribute = copy.deepcopy(_text_attribute(service, "text:sv:confidentiality"))
    attribute["taxonomy_term"]["code"] = code
    attribute["value"] = value
    service["attributes"] = [a for a in service["attributes"]
                             if not a["taxonomy_term"]["code"].startswith("reply_days:")]
    service["attributes"].append(attribute)
    with pytest.raises(CommandError) as raised:
        import_file(write(tmp_path, document))
    assert "service organizations[0].services[0]" in str(raised.value)
    assert message in str(raised.value)
    assert Organization.objects.count() == 0

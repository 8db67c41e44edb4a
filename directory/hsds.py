"""The directory as Open Referral HSDS 3.0 JSON, and back (the mapping is in docs/hsds.md).

Out: `directory_export()` builds {"organizations": [...]} with services and locations nested;
`organization_to_hsds()` and `service_to_hsds()` also shape the read-only API, whose reads
are the `api_*` functions at the end (views_api.py parses its queries). In:
`document_parse()` reads the JSON, `directory_validate()` checks every record and names the
first bad one, `directory_import()` writes the lot in one transaction.

What HSDS has no field for travels as `attributes` whose taxonomy term codes are
"facet:value" in our own taxonomy "helpportal" (intake:waitlist, delivery:video, ...). Empty
optional fields are left out (the HSDS schemas allow no null). The ids
of nested objects (languages, areas, cost options, attributes) are derived from their parent's
id with uuid5, so an export, imported and exported again, is the same document.
"""

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from accounts.services import audit_record
from helpportal.vocabulary import OLD_AUDIENCE_SPELLINGS

from . import vocabulary
from .models import (
    REPLY_DAYS_MAX,
    Location,
    Organization,
    OrganizationText,
    Service,
    ServiceText,
)

HSDS_VERSION = "3.0"
# The API's root names the profile it follows: none of our own, so HSDS 3.0's own schemas,
# at the address HSDS's profiles reference gives for them; and the OpenAPI file it implements.
HSDS_PROFILE = "https://github.com/openreferral/specification/tree/3.0/schema"
HSDS_OPENAPI_URL = (
    "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
)
TAXONOMY_ID = uuid.UUID("5f0c3c55-8a43-4f9b-9d0c-6c1f2e8b7a10")
TAXONOMY = {
    "id": str(TAXONOMY_ID),
    "name": "helpportal",
    "description": "Helpportal's terms for what HSDS 3.0 has no field for. "
    "Each term code is facet:value.",
}

# facet: (the record it belongs to, what it says, how many a record may have)
FACETS = {
    "country": ("organization", "The country the organisation works in (ISO 3166-1).", "one"),
    "demo": ("organization", "A demo entry, not a real provider.", "one"),
    "intake": ("service", "Whether the service takes new referrals now.", "one"),
    "waitlist_weeks": ("service", "About how many weeks a new referral waits.", "one"),
    "delivery": ("service", "How the service is delivered.", "many"),
    "audience": ("service", "Who the service is for.", "many"),
    "anonymous-referrals": ("service", "Whether the service accepts anonymous referrals.", "one"),
    "published": ("service", "Whether the service is shown in the public directory.", "one"),
    "reply_days": ("service", "The service's usual reply time, in working days.", "one"),
    # The service's own words in one of the site's languages (ServiceText): the term code is
    # text:<language>:<field>, and the attribute's value holds the words.
    "text": ("service", "The service's own words in one language: the code names the "
             "language and the field, the attribute's value holds the words.", "many"),
    # The organisation's own name and description in one of the site's languages
    # (OrganizationText): org-text:<language>:<field>, the value holds the words.
    "org-text": ("organization", "The organisation's own words in one language: the code "
                 "names the language and the field, the attribute's value holds the words.",
                 "many"),
}
TEXT_FIELDS = ("name", "description", "eligibility_description", "cost_description",
               "confidentiality")
ORGANIZATION_TEXT_FIELDS = ("name", "description")
# Each text facet: the model that keeps its words and the fields it has.
TEXT_FACETS = {"text": (ServiceText, TEXT_FIELDS),
               "org-text": (OrganizationText, ORGANIZATION_TEXT_FIELDS)}
YES_NO = ("yes", "no")
MAX_AGE = 120


# Out ---------------------------------------------------------------------------------------


def _id(parent: uuid.UUID, *parts: str) -> str:
    """A stable id for a nested object that has no row of its own."""
    return str(uuid.uuid5(parent, ":".join(parts)))


def _with(data: dict, **optional) -> dict:
    """`data` with each optional field that has a value: HSDS 3.0's schemas allow no null."""
    data.update({name: value for name, value in optional.items() if value not in (None, "")})
    return data


def _sorted(rows):
    return sorted(rows, key=lambda row: (row.name.casefold(), row.name, str(row.id)))


def _term_label(facet: str, value: str) -> str:
    with translation.override("en"):
        if facet == "country":
            return vocabulary.area_name(value)
        if facet == "intake":
            return str(Service.Intake(value).label)
        if facet == "delivery":
            return str(vocabulary.DELIVERY_MODES[value])
        if facet == "audience":
            return str(vocabulary.AUDIENCES[value])
    labels = {
        ("demo", "yes"): "Demo entry: not a real provider",
        ("demo", "no"): "A real provider",
        ("anonymous-referrals", "yes"): "Accepts anonymous referrals",
        ("anonymous-referrals", "no"): "Does not accept anonymous referrals",
        ("published", "yes"): "Shown in the directory",
        ("published", "no"): "Not shown in the directory",
    }
    if facet == "waitlist_weeks":
        return f"Waiting list of about {value} week{'' if value == '1' else 's'}"
    if facet == "reply_days":
        return f"Usually replies within {value} working day{'' if value == '1' else 's'}"
    if facet in TEXT_FACETS:
        language, _sep, name = value.partition(":")
        whose = "Text" if facet == "text" else "Organisation text"
        return f"{whose} in {language}: {name.replace('_', ' ')}"
    return labels[facet, value]


def attribute_to_hsds(link_entity: str, link_id: uuid.UUID, facet: str, value: str,
                      words: str | None = None) -> dict:
    """One attribute; `words` (a text facet) is its value instead of the term's value."""
    code = f"{facet}:{value}"
    return {
        "id": _id(link_id, "attribute", code),
        "link_id": str(link_id),
        "link_type": facet,
        "link_entity": link_entity,
        "value": value if words is None else words,
        "taxonomy_term_id": term_id(facet, value),
        "taxonomy_term": {
            "id": term_id(facet, value),
            "code": code,
            "name": _term_label(facet, value),
            "description": FACETS[facet][1],
            "taxonomy": TAXONOMY["name"],
            "taxonomy_id": str(TAXONOMY_ID),
            "taxonomy_detail": dict(TAXONOMY),
        },
    }


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def location_to_hsds(location: Location) -> dict:
    data = _with({
        "id": str(location.id),
        "location_type": location.kind,
        "organization_id": str(location.organization_id),
        "name": location.name,
    }, url=location.url)
    data["addresses"] = []
    if location.address or location.city or location.postal_code or location.country:
        # HSDS requires these address fields; what we do not hold is an empty string.
        data["addresses"].append({
            "id": _id(location.id, "address"),
            "location_id": str(location.id),
            "address_1": location.address,
            "city": location.city,
            "state_province": "",
            "postal_code": location.postal_code,
            "country": location.country,
            "address_type": "physical",
        })
    return data


def service_fields(service: Service) -> dict:
    """The service's own fields, without its lists of child objects (HSDS's service_list)."""
    data = _with(
        {"id": str(service.id), "organization_id": str(service.organization_id),
         "name": service.name, "description": service.description},
        url=service.url, email=service.email,
    )
    data["status"] = service.status
    return _with(
        data, fees_description=service.cost_description,
        eligibility_description=service.eligibility_description,
        minimum_age=service.minimum_age, maximum_age=service.maximum_age,
    )


def service_to_hsds(service: Service, *, locations=None, nested: bool = False) -> dict:
    """One service. `locations` defaults to all of the service's; `nested` puts each location
    inside its service_at_location (the API) instead of only naming it (the export)."""
    sid = str(service.id)
    if locations is None:
        locations = _sorted(service.locations.all())
    data = service_fields(service)
    with translation.override("en"):
        data["languages"] = [
            {"id": _id(service.id, "language", code), "service_id": sid,
             "name": vocabulary.language_name(code), "code": code}
            for code in service.languages
        ]
        data["service_areas"] = [
            {"id": _id(service.id, "service_area", code), "service_id": sid,
             "name": code, "description": vocabulary.area_name(code)}
            for code in service.service_areas
        ]
    data["cost_options"] = [
        {"id": _id(service.id, "cost_option"), "service_id": sid, "option": service.cost}
    ]
    data["phones"] = [
        {"id": _id(service.id, "phone"), "service_id": sid, "number": service.phone}
    ] if service.phone else []
    data["service_at_locations"] = []
    for location in locations:
        link = {
            "id": _id(service.id, "service_at_location", str(location.id)),
            "service_id": sid,
            "location_id": str(location.id),
        }
        if nested:
            link["location"] = location_to_hsds(location)
        data["service_at_locations"].append(link)
    data["attributes"] = [
        attribute_to_hsds("service", service.id, facet, value)
        for facet, value in service_terms(service)
    ] + [
        attribute_to_hsds("service", service.id, "text", f"{text.language}:{name}",
                          getattr(text, name))
        for text in sorted(service.texts.all(), key=lambda text: text.language)
        for name in TEXT_FIELDS
        if getattr(text, name)
    ]
    return data


def service_terms(service: Service) -> list[tuple[str, str]]:
    """The service's (facet, value) pairs in our taxonomy, in the order they are written."""
    terms = [("intake", service.intake)]
    if service.waitlist_weeks is not None:
        terms.append(("waitlist_weeks", str(service.waitlist_weeks)))
    terms += [("delivery", mode) for mode in service.delivery_modes]
    terms += [("audience", audience) for audience in service.audiences]
    terms.append(("anonymous-referrals", _yes_no(service.accepts_anonymous_referrals)))
    terms.append(("published", _yes_no(service.published)))
    if service.reply_days is not None:
        terms.append(("reply_days", str(service.reply_days)))
    return terms


def organization_terms(organization: Organization) -> list[tuple[str, str]]:
    return [("country", organization.country), ("demo", _yes_no(organization.demo))]


def term_id(facet: str, value: str) -> str:
    """A term's id: the same for the same code in every export and answer."""
    return str(uuid.uuid5(TAXONOMY_ID, f"{facet}:{value}"))


def organization_to_hsds(
    organization: Organization, *, services=None, locations=None, public: bool = False
) -> dict:
    """One organisation; with `services` (and `locations`) given, they are nested in it.

    `public` (the API) leaves out the email: ours is where referral notices go, not a contact
    address for visitors.
    """
    data = _with({
        "id": str(organization.id),
        "name": organization.name,
        "description": organization.description,
    }, website=organization.website)
    if not public:
        _with(data, email=organization.email)
    data["attributes"] = [
        attribute_to_hsds("organization", organization.id, facet, value)
        for facet, value in organization_terms(organization)
    ] + [
        attribute_to_hsds("organization", organization.id, "org-text",
                          f"{text.language}:{name}", getattr(text, name))
        for text in sorted(organization.texts.all(), key=lambda text: text.language)
        for name in ORGANIZATION_TEXT_FIELDS
        if getattr(text, name)
    ]
    if locations is not None:
        data["locations"] = [location_to_hsds(location) for location in locations]
    if services is not None:
        data["services"] = [service_to_hsds(service) for service in services]
    return data


def directory_organizations(*, include_unpublished: bool = False) -> list[dict]:
    """Each organisation with the services shown (all, or only the published ones) and the
    locations they use; with include_unpublished, every organisation and location."""
    services = Service.objects.all() if include_unpublished else Service.objects.published()
    services = list(services.prefetch_related("locations", "texts"))
    by_organization = defaultdict(list)
    for service in services:
        by_organization[service.organization_id].append(service)
    organizations = Organization.objects.prefetch_related("texts")
    locations = Location.objects.all()
    if not include_unpublished:
        organizations = organizations.filter(id__in=list(by_organization))
        locations = locations.filter(services__in=[s.id for s in services]).distinct()
    locations_by_organization = defaultdict(list)
    for location in locations:
        locations_by_organization[location.organization_id].append(location)
    return [
        organization_to_hsds(
            organization,
            services=_sorted(by_organization[organization.id]),
            locations=_sorted(locations_by_organization[organization.id]),
        )
        for organization in _sorted(organizations)
    ]


def directory_export(*, include_unpublished: bool = False) -> dict:
    return {"organizations": directory_organizations(include_unpublished=include_unpublished)}


def document_dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# In ----------------------------------------------------------------------------------------


class HsdsError(Exception):
    """A document we will not import, naming the record and the field at fault."""

    def __init__(self, record: str, field: str, message: str):
        super().__init__(record, field, message)
        self.record, self.field, self.message = record, field, message

    def __str__(self):
        where = f"{self.record}, field {self.field}" if self.field else self.record
        return f"{where}: {self.message}"


def document_parse(raw: bytes | str) -> Any:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise HsdsError("document", "", f"not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise HsdsError(
            "document", "", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None


_MISSING = object()


class _Record:
    """One HSDS object being read: knows how to name itself in an error."""

    def __init__(self, kind: str, path: str, data: Any):
        self.kind, self.path = kind, path
        if not isinstance(data, dict):
            raise HsdsError(f"{kind} {path}", "", "must be a JSON object")
        self.data = data

    def __str__(self):
        ident, name = self.data.get("id"), self.data.get("name")
        details = []
        if isinstance(ident, str) and ident:
            details.append(f"id {ident}")
        if isinstance(name, str) and name.strip():
            details.append(json.dumps(name, ensure_ascii=False))
        label = f"{self.kind} {self.path}"
        return f"{label} ({', '.join(details)})" if details else label

    def error(self, field: str, message: str) -> HsdsError:
        return HsdsError(str(self), field, message)

    def uuid(self, field: str = "id", raw: Any = _MISSING) -> uuid.UUID:
        value = self.data.get(field) if raw is _MISSING else raw
        if not isinstance(value, str) or not value:
            raise self.error(field, "required, a UUID")
        try:
            return uuid.UUID(value)
        except ValueError:
            raise self.error(field, f"{value!r} is not a UUID") from None

    def list(self, field: str) -> list:
        value = self.data.get(field)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(field, "must be a list")
        return value

    def item(self, field: str, index: int, value: Any) -> dict:
        if not isinstance(value, dict):
            raise self.error(f"{field}[{index}]", "must be a JSON object")
        return value

    def value(self, field: str, model, name: str, *, required: bool = False,
              raw: Any = _MISSING) -> Any:
        """The value for model field `name` from `field` (or `raw`), checked by the model
        field's own validators (lengths, choices, URLs, email addresses)."""
        value = self.data.get(field) if raw is _MISSING else raw
        if isinstance(value, str):
            value = value.strip()
        model_field = model._meta.get_field(name)
        if value is None or value == "":
            if required:
                raise self.error(field, "required")
            return None if model_field.null else ""
        if model_field.get_internal_type() == "PositiveSmallIntegerField":
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.error(field, f"{value!r} is not a whole number")
        elif not isinstance(value, str):
            raise self.error(field, f"{value!r} is not text")
        try:
            return model_field.clean(value, None)
        except ValidationError as exc:
            with translation.override("en"):
                message = " ".join(str(message) for message in exc.messages)
            raise self.error(field, message) from None


@dataclass
class _Row:
    id: uuid.UUID
    fields: dict
    location_ids: list[uuid.UUID] = field(default_factory=list)
    texts: dict[str, dict[str, str]] | None = None  # a service's words per language


def _is_ours(record: _Record, where: str, term: dict) -> bool:
    """Whether a term is in our taxonomy; one of another (named by id or name) is left alone.

    HSDS 3.0 names the taxonomy in `taxonomy` (text), `taxonomy_id` and `taxonomy_detail`
    (the object); our older exports put the object in `taxonomy`, so that is read too.
    """
    taxonomy, detail = term.get("taxonomy"), term.get("taxonomy_detail")
    if taxonomy is not None and not isinstance(taxonomy, str | dict):
        raise record.error(f"{where}.taxonomy", "must be text: the taxonomy's name or URI")
    if detail is not None and not isinstance(detail, dict):
        raise record.error(f"{where}.taxonomy_detail", "must be a JSON object: the taxonomy")
    old = taxonomy if isinstance(taxonomy, dict) else {}
    detail = detail or {}
    ids = [term.get("taxonomy_id"), old.get("id"), detail.get("id")]
    names = [taxonomy if isinstance(taxonomy, str) else None, old.get("name"), detail.get("name")]
    return all(value in (None, "", str(TAXONOMY_ID)) for value in ids) and all(
        value in (None, "", TAXONOMY["name"]) for value in names
    )


def _facet_accepts(facet: str, value: str) -> bool:
    if facet == "country":
        return value in vocabulary.country_codes()
    if facet == "intake":
        return value in Service.Intake.values
    if facet == "waitlist_weeks":
        return value.isascii() and value.isdigit() and int(value) <= 32767
    if facet == "delivery":
        return value in vocabulary.DELIVERY_MODES
    if facet == "audience":
        return value in vocabulary.AUDIENCES
    if facet == "reply_days":
        return value.isascii() and value.isdigit() and 1 <= int(value) <= REPLY_DAYS_MAX
    if facet in TEXT_FACETS:
        language, _sep, name = value.partition(":")
        return language in dict(settings.LANGUAGES) and name in TEXT_FACETS[facet][1]
    return value in YES_NO


def _attributes(record: _Record, entity: str, texts: dict | None = None) -> dict[str, list[str]]:
    """Our facets on a record, as {facet: [values]}, each one checked; the words of text
    attributes go into `texts` as {"<language>:<field>": words}."""
    found = defaultdict(list)
    texts = {} if texts is None else texts
    for index, item in enumerate(record.list("attributes")):
        item = record.item("attributes", index, item)
        where = f"attributes[{index}].taxonomy_term.code"
        term = item.get("taxonomy_term")
        if not isinstance(term, dict):
            raise record.error(f"attributes[{index}].taxonomy_term",
                               "required, with a code such as 'delivery:video'")
        if not _is_ours(record, f"attributes[{index}].taxonomy_term", term):
            continue
        code = term.get("code")
        if not isinstance(code, str) or ":" not in code:
            raise record.error(where, f"{code!r} is not a code of the form facet:value")
        facet, _sep, value = code.partition(":")
        if facet == "audience":  # an export made before the site had one vocabulary
            value = OLD_AUDIENCE_SPELLINGS.get(value, value)
        if facet not in FACETS:
            raise record.error(where, f"unknown facet {facet!r} (known: {', '.join(FACETS)})")
        if FACETS[facet][0] != entity:
            raise record.error(where, f"{facet!r} is for {FACETS[facet][0]}s, not {entity}s")
        if not _facet_accepts(facet, value):
            raise record.error(where, f"{value!r} is not a valid value for {facet!r}")
        spelled = code[len(facet) + 1:]  # as written, before an old audience was renamed
        if facet in TEXT_FACETS:
            if not isinstance(item.get("value"), str) or not item["value"].strip():
                raise record.error(f"attributes[{index}].value",
                                   f"the words of {code!r}: required, as text")
            model = TEXT_FACETS[facet][0]
            limit = model._meta.get_field(value.partition(":")[2]).max_length
            if limit and len(item["value"]) > limit:
                raise record.error(f"attributes[{index}].value",
                                   f"longer than {limit} characters")
            texts[value] = item["value"]
        elif item.get("value") is not None and str(item["value"]) not in (value, spelled):
            raise record.error(f"attributes[{index}].value",
                               f"{item['value']!r} contradicts the term code {code!r}")
        if value not in found[facet]:
            found[facet].append(value)
        if FACETS[facet][2] == "one" and len(found[facet]) > 1:
            raise record.error(where, f"more than one {facet!r}")
    return found


def _one(found: dict, facet: str, default: str | None = None) -> str | None:
    values = found.get(facet)
    return values[0] if values else default


def _codes(record: _Record, field: str, key: str, is_valid, normalise, what: str) -> list[str]:
    values = []
    for index, item in enumerate(record.list(field)):
        item = record.item(field, index, item)
        code = item.get(key)
        if not isinstance(code, str) or not code.strip():
            raise record.error(f"{field}[{index}].{key}", f"required, {what}")
        code = normalise(code.strip())
        if not is_valid(code):
            raise record.error(f"{field}[{index}].{key}", f"{code!r} is not {what}")
        if code not in values:
            values.append(code)
    return values


def _age(record: _Record, field: str) -> int | None:
    age = record.value(field, Service, field)
    if age is not None and age > MAX_AGE:
        raise record.error(field, f"{age} is not an age (0 to {MAX_AGE})")
    return age


def _organization_id(record: _Record, organization_id: uuid.UUID) -> None:
    if record.data.get("organization_id") is not None and (
        record.uuid("organization_id") != organization_id
    ):
        raise record.error("organization_id", "is not the id of the organization it is in")


def _by_language(texts: dict[str, str]) -> dict[str, dict[str, str]]:
    """{"fi:name": words} as {"fi": {"name": words}}."""
    by_language: dict[str, dict[str, str]] = defaultdict(dict)
    for key, words in texts.items():
        language, _sep, text_field = key.partition(":")
        by_language[language][text_field] = words
    return dict(by_language)


def _organization(record: _Record) -> _Row:
    texts: dict[str, str] = {}
    found = _attributes(record, "organization", texts)
    country = _one(found, "country")
    if country is None:
        raise record.error("attributes", "a country:XX attribute is required (ISO 3166-1)")
    return _Row(id=record.uuid(), texts=_by_language(texts), fields={
        "name": record.value("name", Organization, "name", required=True),
        "description": record.value("description", Organization, "description"),
        "website": record.value("website", Organization, "website"),
        "email": record.value("email", Organization, "email"),
        "country": country,
        "demo": _one(found, "demo", "no") == "yes",
    })


def _location(record: _Record, organization_id: uuid.UUID) -> _Row:
    _organization_id(record, organization_id)
    fields = {
        "organization_id": organization_id,
        "kind": record.value("location_type", Location, "kind", required=True),
        "name": record.value("name", Location, "name"),
        "url": record.value("url", Location, "url"),
        "address": "", "city": "", "postal_code": "", "country": "",
    }
    addresses = record.list("addresses")
    if len(addresses) > 1:
        raise record.error("addresses", "at most one address per location")
    if addresses:
        address = record.item("addresses", 0, addresses[0])
        for hsds_name, name in (("address_1", "address"), ("city", "city"),
                                ("postal_code", "postal_code"), ("country", "country")):
            fields[name] = record.value(f"addresses[0].{hsds_name}", Location, name,
                                        raw=address.get(hsds_name))
        if fields["country"] and fields["country"] not in vocabulary.country_codes():
            raise record.error("addresses[0].country",
                               f"{fields['country']!r} is not an ISO 3166-1 country code")
    return _Row(id=record.uuid(), fields=fields)


def _service(record: _Record, organization_id: uuid.UUID, known_locations: set) -> _Row:
    _organization_id(record, organization_id)
    name = record.value("name", Service, "name", required=True)
    status = record.value("status", Service, "status", required=True)
    texts: dict[str, str] = {}
    found = _attributes(record, "service", texts)
    intake = _one(found, "intake", Service.Intake.ACCEPTING)
    weeks = _one(found, "waitlist_weeks")
    if weeks is not None and intake != Service.Intake.WAITLIST:
        raise record.error("attributes", "waitlist_weeks goes only with intake:waitlist")
    costs = record.list("cost_options")
    if len(costs) != 1:
        raise record.error("cost_options", "exactly one cost option: free, low or paid")
    cost = record.value("cost_options[0].option", Service, "cost", required=True,
                        raw=record.item("cost_options", 0, costs[0]).get("option"))
    phones = record.list("phones")
    if len(phones) > 1:
        raise record.error("phones", "at most one phone number per service")
    phone = record.value("phones[0].number", Service, "phone",
                         raw=record.item("phones", 0, phones[0]).get("number")) if phones else ""
    minimum_age, maximum_age = _age(record, "minimum_age"), _age(record, "maximum_age")
    if minimum_age is not None and maximum_age is not None and minimum_age > maximum_age:
        raise record.error("maximum_age", "is below minimum_age")
    location_ids = []
    for index, link in enumerate(record.list("service_at_locations")):
        where = f"service_at_locations[{index}].location_id"
        location_id = record.uuid(where, record.item("service_at_locations", index, link)
                                  .get("location_id"))
        if location_id not in known_locations:
            raise record.error(where, "names no location in this document or the directory")
        if location_id not in location_ids:
            location_ids.append(location_id)
    reply_days = _one(found, "reply_days")
    return _Row(id=record.uuid(), location_ids=location_ids, texts=_by_language(texts), fields={
        "organization_id": organization_id,
        "name": name,
        "description": record.value("description", Service, "description"),
        "url": record.value("url", Service, "url"),
        "email": record.value("email", Service, "email"),
        "status": status,
        "cost_description": record.value("fees_description", Service, "cost_description"),
        "eligibility_description": record.value(
            "eligibility_description", Service, "eligibility_description"
        ),
        "minimum_age": minimum_age,
        "maximum_age": maximum_age,
        "languages": _codes(record, "languages", "code", vocabulary.is_language, str.lower,
                            "an ISO 639-1 language code"),
        "service_areas": _codes(record, "service_areas", "name", vocabulary.is_area, str.upper,
                                "an ISO 3166 country or region code"),
        "cost": cost,
        "phone": phone,
        "intake": intake,
        "waitlist_weeks": int(weeks) if weeks is not None else None,
        "delivery_modes": found.get("delivery", []),
        "audiences": found.get("audience", []),
        "accepts_anonymous_referrals": _one(found, "anonymous-referrals", "no") == "yes",
        "published": _one(found, "published", "yes") == "yes",
        "reply_days": int(reply_days) if reply_days is not None else None,
    })


@dataclass
class ImportPlan:
    organizations: list[_Row] = field(default_factory=list)
    locations: list[_Row] = field(default_factory=list)
    services: list[_Row] = field(default_factory=list)


def directory_validate(document: Any) -> ImportPlan:
    """Check every record; the first problem raises HsdsError. Reads, never writes."""
    if not isinstance(document, dict) or not isinstance(document.get("organizations"), list):
        raise HsdsError("document", "organizations", 'must be {"organizations": [...]}')
    plan = ImportPlan()
    seen = {"organization": set(), "location": set(), "service": set()}

    def add(rows: list, record: _Record, row: _Row) -> None:
        if row.id in seen[record.kind]:
            raise record.error("id", f"another {record.kind} in this document has this id")
        seen[record.kind].add(row.id)
        rows.append(row)

    records = []
    for index, data in enumerate(document["organizations"]):
        record = _Record("organization", f"organizations[{index}]", data)
        add(plan.organizations, record, _organization(record))
        records.append((record, plan.organizations[-1].id))
        for number, item in enumerate(record.list("locations")):
            location = _Record("location", f"{record.path}.locations[{number}]", item)
            add(plan.locations, location, _location(location, plan.organizations[-1].id))
    # Services come second: they may name a location of any organisation, here or stored.
    known_locations = seen["location"] | set(Location.objects.values_list("id", flat=True))
    for record, organization_id in records:
        for number, item in enumerate(record.list("services")):
            service = _Record("service", f"{record.path}.services[{number}]", item)
            add(plan.services, service, _service(service, organization_id, known_locations))
    return plan


@dataclass
class ImportReport:
    counts: dict = field(default_factory=lambda: defaultdict(int))

    def add(self, kind: str, outcome: str) -> None:
        self.counts[kind, outcome] += 1

    @property
    def changed(self) -> bool:
        return any(n for (_kind, outcome), n in self.counts.items()
                   if outcome in ("created", "updated"))

    def as_dict(self) -> dict:
        return {f"{kind}s {outcome}": n for (kind, outcome), n in sorted(self.counts.items())}

    def __str__(self):
        outcomes = ("created", "updated", "unchanged", "skipped")
        return "; ".join(
            f"{kind}s: " + ", ".join(f"{self.counts[kind, o]} {o}" for o in outcomes)
            for kind in ("organization", "location", "service")
        )


def _upsert(model, row: _Row, exists: bool, skip_existing: bool):
    """Create the row, or bring an existing one in line with the document."""
    if not exists:
        return model.objects.create(id=row.id, **row.fields), "created"
    if skip_existing:
        return None, "skipped"
    instance = model.objects.get(id=row.id)
    changed = [name for name, value in row.fields.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, row.fields[name])
    if changed:
        instance.save()
    return instance, "updated" if changed else "unchanged"


def _texts_set(owner, texts: dict[str, dict[str, str]], facet: str) -> bool:
    """Make a service's or an organisation's words per language those of the document (a
    language it does not carry has none); whether anything changed."""
    model, fields = TEXT_FACETS[facet]
    owner_field = "service" if facet == "text" else "organization"
    changed = False
    existing = {text.language: text for text in owner.texts.all()}
    for language, text in existing.items():
        if language not in texts:
            text.delete()
            changed = True
    for language, words in texts.items():
        values = {name: words.get(name, "") for name in fields}
        text = existing.get(language)
        if text is None:
            model.objects.create(**{owner_field: owner}, language=language, **values)
            changed = True
        elif any(getattr(text, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(text, name, value)
            text.save()
            changed = True
    return changed


@transaction.atomic
def directory_import(*, document: Any, skip_existing: bool = False) -> ImportReport:
    """Create or update organisations, locations and services by id: all of them or none.

    Rows the document does not mention are left as they are. With skip_existing, rows that
    already exist are not touched at all (seeding). What HSDS does not carry (a service's
    referral channels and webhook) keeps its value.
    """
    plan = directory_validate(document)
    report = ImportReport()
    for model, rows in ((Organization, plan.organizations), (Location, plan.locations),
                        (Service, plan.services)):
        existing = set(
            model.objects.filter(id__in=[row.id for row in rows]).values_list("id", flat=True)
        )
        for row in rows:
            instance, outcome = _upsert(model, row, row.id in existing, skip_existing)
            if model is Service and instance is not None and (
                set(instance.locations.values_list("id", flat=True)) != set(row.location_ids)
            ):
                instance.locations.set(row.location_ids)
                outcome = "updated" if outcome == "unchanged" else outcome
            if model in (Service, Organization) and instance is not None and _texts_set(
                instance, row.texts, "text" if model is Service else "org-text"
            ):
                outcome = "updated" if outcome == "unchanged" else outcome
            report.add(model._meta.model_name, outcome)
    if report.changed:
        audit_record(actor=None, action="directory.import", detail=report.as_dict())
    return report


# The API's reads ---------------------------------------------------------------------------


def service_last_modified(service: Service) -> datetime:
    """When the service, as the API shows it, last changed: it or its organisation. (A change
    to a location alone does not count: locations keep no time of change.)"""
    return max(service.updated_at, service.organization.updated_at)


def hsds_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class ServiceFilters:
    """The /services filters of HSDS 3.0's openapi.json, already checked (views_api parses
    them). Each one given must hold: they add up, as HSDS's API reference says."""

    search: list[str] = field(default_factory=list)
    organization_id: uuid.UUID | None = None
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    modified_after: datetime | None = None


def _words_in(words: list[str], *texts: str) -> bool:
    haystack = "\n".join(texts).casefold()  # no word matches across two texts
    return all(word in haystack for word in words)


def _api_services():
    return (
        Service.objects.published()
        .select_related("organization")
        .prefetch_related("locations", "texts", "organization__texts")
        .order_by("organization__name", "name", "id")
    )


class ApiServices:
    """The services an API query found, in order, as a sequence Django's Paginator can count
    and slice: it holds their ids, and a slice (or an iteration, in chunks) reads only its own
    services, with their locations and texts."""

    chunk = 500

    def __init__(self, ids: list[uuid.UUID]):
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def count(self) -> int:
        return len(self.ids)

    def __getitem__(self, wanted: slice) -> list[Service]:
        if not isinstance(wanted, slice):
            raise TypeError("ApiServices is read in slices")
        ids = self.ids[wanted]
        rows = _api_services().in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]

    def __iter__(self):
        for start in range(0, len(self.ids), self.chunk):
            yield from self[start:start + self.chunk]


# What api_services() reads of every service to match a filter: service_terms(),
# organization_terms() and the words of `search`.
_MATCH_FIELDS = (
    "id", "name", "description", "intake", "waitlist_weeks", "delivery_modes", "audiences",
    "accepts_anonymous_referrals", "published", "reply_days",
    "organization__name", "organization__country", "organization__demo",
)


def _api_matches(service: Service, filters: ServiceFilters) -> bool:
    if filters.search and not _words_in(
        filters.search, service.name, service.description, service.organization.name
    ):
        return False
    return not (filters.taxonomy_term_id and str(filters.taxonomy_term_id) not in {
        term_id(facet, value)
        for facet, value in service_terms(service) + organization_terms(service.organization)
    })


def api_services(filters: ServiceFilters | None = None) -> ApiServices:
    """The published services for the API, by organisation name, name and id, that match every
    filter. A term matches if the service or its organisation has it (country:FI is the
    organisation's). The organisation and the time are conditions in the database; without a
    search or a term only the ids are read, with them the few fields they need, matched here
    (the same on every database); either way a page reads only its own services."""
    filters = filters or ServiceFilters()
    if filters.taxonomy_id and filters.taxonomy_id != TAXONOMY_ID:
        return ApiServices([])  # every service has terms of ours, and only ours
    services = Service.objects.published().order_by("organization__name", "name", "id")
    if filters.organization_id:
        services = services.filter(organization_id=filters.organization_id)
    if filters.modified_after:
        # service_last_modified() is the later of the two: it is after a moment if either is.
        services = services.filter(Q(updated_at__gte=filters.modified_after)
                                   | Q(organization__updated_at__gte=filters.modified_after))
    if not (filters.search or filters.taxonomy_term_id):
        return ApiServices(list(services.values_list("id", flat=True)))
    services = services.select_related("organization").only(*_MATCH_FIELDS)
    return ApiServices([service.pk for service in services.iterator(chunk_size=2000)
                        if _api_matches(service, filters)])


def api_service(pk: uuid.UUID) -> Service | None:
    """One published service, as api_services() shows it, or None."""
    return _api_services().filter(pk=pk).first()


def _api_organizations():
    return Organization.objects.filter(
        id__in=Service.objects.published().values("organization_id")
    ).prefetch_related("texts").order_by("name", "id")


def api_organization(pk: uuid.UUID) -> Organization | None:
    """One organisation with at least one published service, or None."""
    return _api_organizations().filter(pk=pk).first()


def api_organizations(search: list[str] | None = None) -> list[Organization]:
    """The organisations with at least one published service, by name and id, whose name or
    description holds every word of `search`."""
    return [org for org in _api_organizations()
            if not search or _words_in(search, org.name, org.description)]


def api_organization_locations(services: list[Service]) -> list[Location]:
    """The locations the given services use, once each, by name and id."""
    return list(Location.objects.filter(services__in=services).distinct().order_by("name", "id"))

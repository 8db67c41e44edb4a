"""The official HSDS 3.0 JSON schemas, vendored in hsds_schema_3_0/ (its README says from where),
and a validator that lists every way a document departs from them."""

import hashlib
import json
import lzma
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent / "hsds_schema_3_0"

# sha256 of each file as the specification's repository holds it (uncompressed).
SHA256 = {
    "organization.json": "e429ffe3b585da12da10b75cf30dfc0a67ef96b34f5e1b21141a2b627ca28119",
    "service.json": "5cd7c2ecb5776947e437a4d5b9656f9a80db56bef3ad49f5bb142d49dbe66156",
    "service_list.json": "251cc879b756b1a444c5c95ff45887e09363e3fd7ad9d8691a1131b3ecd4ff4e",
    "organization_list.json": "0305c7ef394a29c91ac2dae1725ac0d31140343c2241417a482c5eb0f831dbeb",
    "openapi.json": "3c473df56617f5e642f86e0a9ed7ee182a22eecf6f94dd1b91c50511fbbba34d",
}


def raw(name: str) -> bytes:
    """The file's bytes; the two multi-megabyte compiled schemas are kept xz-compressed."""
    path = HERE / name
    if path.exists():
        return path.read_bytes()
    return lzma.decompress((HERE / f"{name}.xz").read_bytes())


def sha256(name: str) -> str:
    return hashlib.sha256(raw(name)).hexdigest()


@cache
def schema(name: str) -> dict:
    return json.loads(raw(name))


def location_schema() -> dict:
    """The specification compiles no location.json; the compiled organization.json holds the
    location schema (schema/location.json with its references resolved) as its locations."""
    return schema("organization.json")["properties"]["locations"]["items"]


def page_schema() -> dict:
    return schema("openapi.json")["components"]["schemas"]["Page"]


@cache
def _validator(key: str):
    # Imported here: only the schema tests need jsonschema (a dev dependency).
    from jsonschema import Draft202012Validator, FormatChecker

    which = {"location": location_schema, "page": page_schema}
    document = which[key]() if key in which else schema(key)
    return Draft202012Validator(document, format_checker=FormatChecker())


def errors(instance, name: str) -> list[str]:
    """Every error, each as 'path: message', against schema `name` ("location", "page", or a
    file name such as "service.json"), with the formats (uuid, email, date-time) checked."""
    found = _validator(name).iter_errors(instance)
    return sorted(f"{error.json_path}: {error.message}" for error in found)


def document_errors(document: dict) -> list[str]:
    """An export {"organizations": [...]}: each organisation against organization.json (which
    also checks its nested services and locations)."""
    return [
        f"organizations[{index}]{message[1:]}"
        for index, organization in enumerate(document["organizations"])
        for message in errors(organization, "organization.json")
    ]

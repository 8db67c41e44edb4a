"""The published directory as a read-only Open Referral HSDS 3.0 JSON API (docs/hsds.md).

The same for every caller: no cookie, no session, and nginx may cache each answer for a minute.
Only published services are shown, with the organisations and locations they use. Each query
parameter of HSDS 3.0's openapi.json for an endpoint either works or is answered with a 400
that says why; none is silently ignored.
"""

import uuid
from datetime import UTC
from functools import partial, wraps

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from helpportal.cache_headers import public_page

from .hsds import (
    HSDS_OPENAPI_URL,
    HSDS_PROFILE,
    HSDS_VERSION,
    ServiceFilters,
    api_organization,
    api_organization_locations,
    api_organizations,
    api_service,
    api_services,
    hsds_time,
    organization_to_hsds,
    service_fields,
    service_last_modified,
    service_to_hsds,
)
from .models import Service

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_SEARCH = 200


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(status: int, message: str) -> JsonResponse:
    return _json({"status": status, "message": message}, status=status)


class _BadRequest(Exception):
    """A query we will not answer: 400 (or 404 for a page past the end), with the reason."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def read_only(view):
    """GET and HEAD only; anything else gets a 405 in JSON. Nothing here writes, so a POST
    needs no CSRF check before it is refused. A bad query parameter is a 400 in JSON."""

    @csrf_exempt
    @public_page
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = _error(405, f"{request.method} is not allowed here; use GET.")
            response["Allow"] = "GET, HEAD"
            return response
        try:
            return view(request, *args, **kwargs)
        except _BadRequest as exc:
            return _error(exc.status, str(exc))

    return wrapper


# Query parameters ---------------------------------------------------------------------------


def _number(params, name: str, default: int, highest: int | None = None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or (highest and int(raw) > highest):
        limit = f"from 1 to {highest}" if highest else "of 1 or more"
        raise _BadRequest(f"{name} must be a whole number {limit}, not {raw!r}.")
    return int(raw)


def _boolean(params, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise _BadRequest(f"{name} must be true or false, not {raw!r}.")


def _uuid(params, name: str) -> uuid.UUID | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise _BadRequest(f"{name} must be a UUID, not {raw!r}.") from None


def _datetime(params, name: str):
    raw = params.get(name)
    if raw is None:
        return None
    try:
        moment = parse_datetime(raw.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise _BadRequest(
            f"{name} must be a date and time in ISO 8601, such as 2026-01-31T12:00:00Z "
            f"(a + in the offset written as %2B), not {raw!r}."
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _search(params) -> list[str]:
    raw = params.get("search")
    if raw is None:
        return []
    if len(raw) > MAX_SEARCH:
        raise _BadRequest(f"search must be at most {MAX_SEARCH} characters.")
    return raw.casefold().split()


def _json_format(params) -> None:
    raw = params.get("format")
    if raw is not None and raw.lower() != "json":
        raise _BadRequest(f"format must be json (this API offers no other), not {raw!r}.")


def _page(params, items, to_hsds) -> dict:
    """An HSDS 3.0 Page (openapi.json's components.schemas.Page) of `items`."""
    number = _number(params, "page", 1)
    per_page = _number(params, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    paginator = Paginator(items, per_page)
    if number > paginator.num_pages:
        raise _BadRequest(
            f"There is no page {number}; there are {paginator.num_pages}.", status=404
        )
    page = paginator.page(number)
    return {
        "total_items": paginator.count,
        "total_pages": paginator.num_pages,
        "page_number": number,
        "size": len(page.object_list),
        "first_page": not page.has_previous(),
        "last_page": not page.has_next(),
        "empty": paginator.count == 0,
        "contents": [to_hsds(item) for item in page.object_list],
    }


def _pk(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


# Shapes -------------------------------------------------------------------------------------


def _service(service: Service) -> dict:
    """Fully nested: locations inside their service_at_location, and the organisation."""
    data = service_to_hsds(service, nested=True)
    data["last_modified"] = hsds_time(service_last_modified(service))
    data["organization"] = organization_to_hsds(service.organization, public=True)
    return data


def _service_fields(service: Service) -> dict:
    """Only the service's own fields (HSDS's service_list)."""
    data = service_fields(service)
    data["last_modified"] = hsds_time(service_last_modified(service))
    return data


def _service_minimal(service: Service) -> dict:
    return {"id": str(service.id), "last_modified": hsds_time(service_last_modified(service))}


def _organization(organization, *, full_service: bool) -> dict:
    """An organisation with its published services and the locations they use."""
    services = list(api_services(ServiceFilters(organization_id=organization.id)))
    data = organization_to_hsds(
        organization, locations=api_organization_locations(services), public=True
    )
    data["services"] = [
        service_to_hsds(service) if full_service else _service_fields(service)
        for service in services
    ]
    return data


# Endpoints ----------------------------------------------------------------------------------


@read_only
def root(request):
    return _json({
        "version": HSDS_VERSION,
        "profile": HSDS_PROFILE,
        "openapi_url": HSDS_OPENAPI_URL,
        "description": "The published provider directory of this site, in Open Referral HSDS "
        "3.0. Read-only. Entries with the attribute demo:yes are examples, not real providers.",
        "services": reverse("hsds:services"),
        "organizations": reverse("hsds:organizations"),
    })


@read_only
def service_list(request):
    params = request.GET
    _json_format(params)
    filters = ServiceFilters(
        search=_search(params),
        organization_id=_uuid(params, "organization_id"),
        taxonomy_term_id=_uuid(params, "taxonomy_term_id"),
        taxonomy_id=_uuid(params, "taxonomy_id"),
        modified_after=_datetime(params, "modified_after"),
    )
    minimal, full = _boolean(params, "minimal"), _boolean(params, "full")
    if minimal and full:
        raise _BadRequest("minimal and full cannot both be true.")
    shape = _service_minimal if minimal else _service_fields if full is False else _service
    return _json(_page(params, api_services(filters), shape))


@read_only
def service_detail(request, pk: str):
    key = _pk(pk)
    service = api_service(key) if key else None
    if service is None:
        return _error(404, f"No published service has the id {pk!r}.")
    return _json(_service(service))


@read_only
def organization_list(request):
    params = request.GET
    _json_format(params)
    search = _search(params)
    full, full_service = _boolean(params, "full"), _boolean(params, "full_service")
    if full_service is not None and not full:
        raise _BadRequest("full_service goes with full=true (it shapes the nested services).")
    if full:
        shape = partial(_organization, full_service=full_service is not False)
    else:
        shape = partial(organization_to_hsds, public=True)
    return _json(_page(params, api_organizations(search), shape))


@read_only
def organization_detail(request, pk: str):
    full_service = _boolean(request.GET, "full_service")
    key = _pk(pk)
    organization = api_organization(key) if key else None
    if organization is None:
        return _error(404, f"No organization with published services has the id {pk!r}.")
    return _json(_organization(organization, full_service=full_service is not False))

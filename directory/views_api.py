"""The published directory as a read-only Open Referral HSDS 3.0 JSON API (docs/hsds.md).

The same for every caller: no cookie, no session, and nginx may cache each answer for a minute.
Only published services are shown, with the organisations and locations they use.
"""

import uuid
from functools import wraps

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from helpportal.cache_headers import public_page

from .hsds import HSDS_VERSION, organization_to_hsds, service_to_hsds
from .models import Location, Organization, Service

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(status: int, message: str) -> JsonResponse:
    return _json({"status": status, "message": message}, status=status)


def read_only(view):
    """GET and HEAD only; anything else gets a 405 in JSON. Nothing here writes, so a POST
    needs no CSRF check before it is refused."""

    @csrf_exempt
    @public_page
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = _error(405, f"{request.method} is not allowed here; use GET.")
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapper


class _BadPage(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _number(params, name: str, default: int, highest: int | None = None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or (highest and int(raw) > highest):
        limit = f"from 1 to {highest}" if highest else "of 1 or more"
        raise _BadPage(400, f"{name} must be a whole number {limit}, not {raw!r}.")
    return int(raw)


def _page(request, items, to_hsds) -> dict:
    """An HSDS 3.0 Page of `items` from ?page= and ?per_page=."""
    number = _number(request.GET, "page", 1)
    per_page = _number(request.GET, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    paginator = Paginator(items, per_page)
    if number > paginator.num_pages:
        raise _BadPage(404, f"There is no page {number}; there are {paginator.num_pages}.")
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


def _published_services():
    return (
        Service.objects.published()
        .select_related("organization")
        .prefetch_related("locations")
        .order_by("organization__name", "name", "id")
    )


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _service(service: Service) -> dict:
    data = service_to_hsds(service, nested=True)
    data["organization"] = organization_to_hsds(service.organization, public=True)
    return data


@read_only
def root(request):
    return _json({
        "version": HSDS_VERSION,
        "description": "The published provider directory of this site, in Open Referral HSDS "
        "3.0. Read-only. Entries with the attribute demo:yes are examples, not real providers.",
        "services": reverse("hsds:services"),
        "organizations": reverse("hsds:organizations"),
    })


@read_only
def service_list(request):
    try:
        return _json(_page(request, _published_services(), _service))
    except _BadPage as exc:
        return _error(exc.status, str(exc))


@read_only
def service_detail(request, pk: str):
    key = _uuid(pk)
    service = _published_services().filter(pk=key).first() if key else None
    if service is None:
        return _error(404, f"No published service has the id {pk!r}.")
    return _json(_service(service))


def _organizations():
    return Organization.objects.filter(
        id__in=Service.objects.published().values("organization_id")
    ).order_by("name", "id")


@read_only
def organization_list(request):
    try:
        return _json(_page(
            request, _organizations(), lambda org: organization_to_hsds(org, public=True)
        ))
    except _BadPage as exc:
        return _error(exc.status, str(exc))


@read_only
def organization_detail(request, pk: str):
    key = _uuid(pk)
    organization = _organizations().filter(pk=key).first() if key else None
    if organization is None:
        return _error(404, f"No organization with published services has the id {pk!r}.")
    services = list(_published_services().filter(organization=organization))
    locations = Location.objects.filter(services__in=services).distinct().order_by("name", "id")
    return _json(organization_to_hsds(
        organization, services=services, locations=list(locations), public=True
    ))

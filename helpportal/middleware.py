"""Privacy and security middleware, applied to every request and response."""

from django.conf import settings
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject

from .privacy import client_key_for

# Headers that identify or fingerprint a visitor. They are removed from every request before
# any other code (views, logging, error reports, third-party apps) can see them.
IDENTIFYING_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_CLIENT_IP",
    "HTTP_TRUE_CLIENT_IP",
    "HTTP_CF_CONNECTING_IP",
    "HTTP_USER_AGENT",
    "HTTP_SEC_CH_UA",
    "HTTP_SEC_CH_UA_MOBILE",
    "HTTP_SEC_CH_UA_PLATFORM",
)


class PrivacyMiddleware:
    """Strip the visitor's address, user agent and foreign referrer from the request.

    What survives is `request.client_key`: a keyed hash of the address under a secret that
    rotates daily and lives only in the cache, for rate limits that must tell clients apart.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.address_header = settings.CLIENT_ADDRESS_HEADER

    def __call__(self, request):
        meta = request.META
        address = meta.get(self.address_header) or meta.get("REMOTE_ADDR") or ""
        address = address.split(",")[0].strip()
        request.client_key = SimpleLazyObject(lambda: client_key_for(address))
        for header in IDENTIFYING_HEADERS:
            meta.pop(header, None)
        meta["REMOTE_ADDR"] = "0.0.0.0"  # noqa: S104 (a placeholder, never bound)
        # A referrer is kept only when it is this site (Django's CSRF check needs it on HTTPS
        # when a browser sends no Origin); one from elsewhere says where a visitor came from.
        referer = meta.get("HTTP_REFERER")
        if referer and not referer.startswith(f"{request.scheme}://{request.get_host()}/"):
            del meta["HTTP_REFERER"]
        return self.get_response(request)


def permissions_policy(path: str) -> str:
    """Every feature off; on staff pages, passkeys (WebAuthn) for this site itself."""
    if path.startswith(settings.STAFF_PATH_PREFIXES):
        return settings.PERMISSIONS_POLICY.replace(
            "publickey-credentials-get=()",
            "publickey-credentials-get=(self), publickey-credentials-create=(self)")
    return settings.PERMISSIONS_POLICY


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, and a no-store default.

    A response that says nothing about caching is never cached anywhere; public pages opt in
    to the shared (nginx) cache with helpportal.cache_headers.public_page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", permissions_policy(request.path_info))
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if "Cache-Control" not in response.headers or response.cookies:
            if "Cache-Control" in response.headers:
                del response.headers["Cache-Control"]
            patch_cache_control(response, no_store=True)
        return response

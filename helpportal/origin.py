"""Whether a POST was sent from a page of this site.

Some forms sit on public pages that are the same for everyone and cached, so they carry no
CSRF token (a token needs a cookie). Where such a form's answer shows what was sent (the
printable page of a visitor's exercise answers), another site must not be able to make this
site show words of its choosing; where it only counts (Has this helped?), the same check keeps
the counts honest.
"""

from urllib.parse import urlsplit


def post_from_this_site(request) -> bool:
    """Browsers say where a request comes from in `Sec-Fetch-Site` (every current browser,
    Tor Browser included): only "same-origin" passes. Older browsers send `Origin` instead,
    which must then name this host. With neither, or `Origin: null` (what a browser sends
    under this site's `Referrer-Policy: no-referrer`), there is nothing to check, and the
    request passes."""
    site = request.META.get("HTTP_SEC_FETCH_SITE")
    if site:
        return site == "same-origin"
    origin = request.META.get("HTTP_ORIGIN", "")
    if not origin or origin == "null":
        return True
    return urlsplit(origin).netloc.lower() == request.get_host().lower()

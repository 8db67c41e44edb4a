"""The Content Security Policy middleware: django-csp's, plus Trusted Types on public pages.

`require-trusted-types-for 'script'` makes the browser refuse every string that would become
markup or code (innerHTML, insertAdjacentHTML, eval, string timers): static/js/site.js builds
its few elements with createElement and textContent, so it needs no exception. The Django admin
under /staff/ uses jQuery, which writes markup from strings, so the staff area is left without
it. This is the one place that decides; the rest of the policy is CONTENT_SECURITY_POLICY.
"""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware

STAFF_PREFIX = "/staff/"
TRUSTED_TYPES = {"require-trusted-types-for": ["'script'"]}


def wants_trusted_types(path: str) -> bool:
    return not path.startswith(STAFF_PREFIX)


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and wants_trusted_types(request.path_info):
            parts.update = {**(parts.update or {}), **TRUSTED_TYPES}
        return parts

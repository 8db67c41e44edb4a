"""The Content Security Policy middleware: django-csp's, plus Trusted Types on public pages.

`require-trusted-types-for 'script'` makes the browser refuse every string that would become
markup or code (innerHTML, insertAdjacentHTML, eval, string timers): static/js/site.js builds
its few elements with createElement and textContent, so it needs no exception. The Django admin
under /staff/ uses jQuery, which writes markup from strings, so the staff area is left without
it. Instead, the staff area allows what the editors' rich text editor needs (django-prose-editor,
content/forms.py): the one <style> element it inserts, by its hash (never 'unsafe-inline';
tests/e2e/test_editor_rich_text.py fails if its content changes), and its icon font from this
site; and passkeys' scripts may connect to this site (connect-src). The editor's import map
carries the response's nonce (NONCE in CONTENT_SECURITY_POLICY, sent only when a page used
it). This is the one place that decides; the rest of the policy is CONTENT_SECURITY_POLICY.
"""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware

STAFF_PREFIX = "/staff/"
TRUSTED_TYPES = {"require-trusted-types-for": ["'script'"]}
RICH_TEXT_EDITOR_STYLE = "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"
STAFF_ADDITIONS = {"style-src": ["'self'", RICH_TEXT_EDITOR_STYLE], "font-src": ["'self'"],
                   # passkeys: django-otp-webauthn's scripts post their ceremonies here
                   "connect-src": ["'self'"]}


def wants_trusted_types(path: str) -> bool:
    return not path.startswith(STAFF_PREFIX)


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        extra = TRUSTED_TYPES if wants_trusted_types(request.path_info) else STAFF_ADDITIONS
        parts.update = {**(parts.update or {}), **extra}
        return parts

import re

import pytest
from django.conf import settings

from proof.public_urls import all_public_paths

pytestmark = pytest.mark.django_db

ANY_ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+""", re.I)


@pytest.mark.parametrize("path", all_public_paths())
def test_a_public_page_names_no_other_host_has_the_exits_and_no_inline_code(client, path):
    """Each page is fetched once and its HTML checked against every rule."""
    html = client.get(path).content.decode()
    # Every page has the quick exit (through this site's exit address, which redirects to the
    # neutral site, so the page itself names no other host) and the urgent-help link.
    assert 'href="/exit/"' in html
    assert 'class="quick-exit"' in html
    assert settings.QUICK_EXIT_URL not in html
    language = path.split("/")[1]
    assert f'href="/{language}/urgent-help/"' in html
    # No inline script, style or event handler (the content security policy forbids them).
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert " style=" not in html
    assert re.findall(r"\son[a-z]+\s*=", html) == []
    # No other host: only this site's own public address (on the professionals' card).
    html = html.replace(settings.SITE_URL, "")
    # An image inside the page (the card's QR code) names no host, though its base64 may hold "//".
    html = re.sub(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', "", html)
    assert ANY_ABSOLUTE_URL.findall(html) == []


def test_the_quick_exit_target_is_not_this_site():
    assert settings.QUICK_EXIT_URL.startswith("https://")

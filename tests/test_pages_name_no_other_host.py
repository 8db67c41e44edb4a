import re

import pytest
from django.conf import settings

from proof.public_urls import all_public_paths

pytestmark = pytest.mark.django_db

ANY_ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+""", re.I)


@pytest.mark.parametrize("path", all_public_paths())
def test_a_public_page_names_no_other_host_but_the_quick_exit(client, path):
    html = client.get(path).content.decode()
    # The quick-exit target, and this site's own public address (on the professionals' card).
    html = html.replace(settings.QUICK_EXIT_URL, "").replace(settings.SITE_URL, "")
    assert ANY_ABSOLUTE_URL.findall(html) == []


@pytest.mark.parametrize("path", all_public_paths())
def test_every_page_has_the_quick_exit_and_the_urgent_help_link(client, path):
    html = client.get(path).content.decode()
    assert f'href="{settings.QUICK_EXIT_URL}"' in html
    assert 'class="quick-exit"' in html
    language = path.split("/")[1]
    assert f'href="/{language}/urgent-help/"' in html


@pytest.mark.parametrize("path", all_public_paths())
def test_a_public_page_has_no_inline_script_or_style(client, path):
    html = client.get(path).content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert " style=" not in html
    assert re.findall(r"\son[a-z]+\s*=", html) == []


def test_the_quick_exit_target_is_not_this_site():
    assert settings.QUICK_EXIT_URL.startswith("https://")

import base64
import re
import struct

import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def test_the_editors_group_may_edit_content_and_nothing_else():
    group = Group.objects.get(name="Editors")
    labels = {p.content_type.app_label for p in group.permissions.all()}
    assert labels == {"content"}
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_steptext", "add_pagetext", "change_helpline"} <= codenames


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_the_professionals_card_has_the_address_and_a_qr_code(client, settings, language):
    settings.SITE_URL = "https://help.example.org"
    html = client.get(f"/{language}/for-professionals/card/").content.decode()
    assert f"https://help.example.org/{language}/" in html
    # An <img> of a PNG, which shows where SVG is turned off (Tor Browser's safest level).
    match = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)" '
                      r'width="(\d+)" height="(\d+)"', html)
    assert match is not None
    png = base64.b64decode(match[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert (width, height) == (int(match[3]), int(match[4]))
    assert f"https://help.example.org/{language}/" in match[2]
    assert "<svg" not in html


def test_the_card_comes_in_a4_and_a6(client):
    a4 = client.get("/en/for-professionals/card/").content.decode()
    a6 = client.get("/en/for-professionals/card/a6/").content.decode()
    assert "print-a4" in a4 and "print-a6" in a6


@pytest.mark.parametrize(("language", "neutral"), [("en", "Information"), ("fi", "Tietoa")])
def test_sensitive_pages_get_a_neutral_title_unless_the_setting_is_off(
    client, settings, language, neutral
):
    path = f"/{language}/pathways/self/1/"
    assert f"<title>{neutral}</title>" in client.get(path).content.decode()  # on by default
    assert f"<title>{neutral}</title>" not in client.get(f"/{language}/about/").content.decode()
    settings.NEUTRAL_TITLES = False
    from django.core.cache import cache

    from content.selectors import forget_local

    cache.clear()
    forget_local()  # the setting changes rendering; a running site would be restarted
    assert f"<title>{neutral}</title>" not in client.get(path).content.decode()

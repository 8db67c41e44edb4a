"""A language's name has a capital where it stands first or alone (a list's first entry, an
option of a menu) and is lower case mid-list, as Finnish and Swedish write it, on every page
that lists languages."""

import re

import pytest

from proof.public_urls import DEMO_SERVICE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "written"), [
    ("fi", "Suomi, ruotsi, englanti"),
    ("sv", "Finska, svenska, engelska"),
    ("en", "Finnish, Swedish, English"),
])
def test_a_services_languages_are_capitalised_only_first(client, language, written):
    service = client.get(f"/{language}/find-help/{DEMO_SERVICE}/").content.decode()
    listing = client.get(f"/{language}/find-help/").content.decode()
    assert f"<dd>{written}</dd>" in service
    assert f">{written} · " in listing


@pytest.mark.parametrize(("language", "options"), [
    ("fi", ["Ei väliä", "Englanti", "Suomi", "Ruotsi"]),
    ("sv", ["Spelar ingen roll", "Engelska", "Finska", "Svenska"]),
])
def test_the_referral_forms_language_menu_capitalises_each_option(client, language, options):
    html = client.get(f"/{language}/find-help/{DEMO_SERVICE}/refer/").content.decode()
    menu = re.search(r'<select name="preferred_language"[^>]*>(.*?)</select>', html, re.S)
    assert menu is not None
    assert re.findall(r"<option [^>]*>([^<]+)</option>", menu[1]) == options

"""Deterrence landing pages: the editor's message, onward links to help, counted by campaign."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from content.models import Campaign

from .factories import campaign_make, count_of, total_of

pytestmark = pytest.mark.django_db


def test_a_landing_shows_the_message_and_leads_on_to_help(client):
    campaign_make(title="Stop and think", message="<p>It is a crime and it harms a real child.</p>")
    response = client.get("/en/go/search-warning/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Stop and think</h1>" in page
    assert "<p>It is a crime and it harms a real child.</p>" in page
    for path in ("/en/self-check/", "/en/find-help/", "/en/urgent-help/"):
        assert f'href="{path}"' in page


def test_a_landing_is_counted_by_campaign_and_language_with_nothing_else(client):
    campaign_make(language="fi")
    client.get("/fi/go/search-warning/", HTTP_REFERER="https://search.example/?q=secret")
    client.get("/fi/go/search-warning/")
    assert count_of("landing", "campaign=search-warning|language=fi") == 2
    assert total_of("stats_rejected") == 0


def test_a_landing_is_a_cacheable_public_page_without_cookies(client):
    campaign_make()
    response = client.get("/en/go/search-warning/")
    assert "s-maxage=60" in response["Cache-Control"]
    assert not response.cookies


def test_an_unknown_or_inactive_campaign_is_a_404_and_is_not_counted(client):
    campaign_make(slug="paused", active=False)
    assert client.get("/en/go/no-such-campaign/").status_code == 404
    assert client.get("/en/go/paused/").status_code == 404
    assert total_of("landing") == 0


def test_a_landing_missing_in_a_language_falls_back_to_english_with_a_notice(client):
    Campaign.objects.filter(slug="search-warning").delete()
    campaign_make(language="en", title="In English")
    response = client.get("/sv/go/search-warning/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "In English" in page
    assert 'lang="en"' in page.split("<main", 1)[1]
    assert count_of("landing", "campaign=search-warning|language=sv") == 1


def test_the_message_is_sanitised_on_save():
    campaign = campaign_make(
        message='<p onclick="x()">Help</p><script>alert(1)</script><img src="https://t.example/p">'
    )
    assert campaign.message == "<p>Help</p>"


def test_the_demo_campaign_is_added_in_every_language(client):
    # The data migration's own function (a browser test may have emptied the tables since).
    migration = importlib.import_module("content.migrations.0003_demo_campaign")
    Campaign.objects.all().delete()
    migration.add_demo(apps, None)
    texts = Campaign.objects.filter(slug="search-warning")
    assert set(texts.values_list("language", flat=True)) == {"en", "fi", "sv"}
    for language in ("en", "fi", "sv"):
        assert client.get(f"/{language}/go/search-warning/").status_code == 200


def test_editors_may_manage_campaigns():
    permissions = set(
        Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)
    )
    assert {"add_campaign", "change_campaign", "delete_campaign", "view_campaign"} <= permissions


def test_a_slug_with_capitals_or_underscores_is_refused_by_the_admin_form():
    from django.core.exceptions import ValidationError

    campaign = Campaign(slug="Bad_Slug", name="x", language="en", title="t", message="m")
    with pytest.raises(ValidationError):
        campaign.full_clean()


def test_an_editor_manages_campaigns_in_the_admin_and_sees_each_address(client, settings):
    from tests.staff.factories import make_user, sign_in

    editor = make_user("editor")
    editor.groups.add(Group.objects.get(name="Editors"))
    sign_in(client, editor)
    campaign_make(language="fi")
    listing = client.get("/staff/admin/content/campaign/")
    assert listing.status_code == 200
    assert 'href="/fi/go/search-warning/"' in listing.content.decode()
    response = client.post("/staff/admin/content/campaign/add/", {
        "slug": "platform-a", "name": "Platform A", "language": "sv", "title": "Stanna",
        "message": "<p>Hjälp finns.</p><script>x</script>", "active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Campaign.objects.get(slug="platform-a").message == "<p>Hjälp finns.</p>"
    assert client.get("/sv/go/platform-a/").status_code == 200

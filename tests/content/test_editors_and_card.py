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
    assert '<svg viewBox="0 0' in html
    assert "<path" in html


def test_helplines_are_shown_for_a_chosen_country_only(client):
    from content.models import Helpline

    assert Helpline.objects.published().filter(country="FI").exists()
    chosen = client.get("/en/urgent-help/", {"country": "FI"}).content.decode()
    assert "Demo service: not a real provider" in chosen
    unchosen = client.get("/en/urgent-help/").content.decode()
    assert "Demo service: not a real provider" not in unchosen


def test_an_unknown_country_gets_a_message_not_an_error(client):
    response = client.get("/en/urgent-help/", {"country": "ZZ"})
    assert response.status_code == 200
    assert "We have no helplines listed for that country yet" in response.content.decode()

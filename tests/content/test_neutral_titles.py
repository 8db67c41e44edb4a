"""No traces by default: every public page whose title would name the topic has the neutral
<title> "Information" unless an operator turns NEUTRAL_TITLES off; the page's own heading is
unchanged (one h1 on every page)."""

import re

import pytest
from django.core.cache import cache

from content.selectors import forget_local
from proof.public_urls import DEMO_SERVICE, all_public_paths, seeded_pathways
from tests.referrals.factories import make_service
from tests.referrals.test_visitor_referral import send

pytestmark = pytest.mark.django_db

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
H1 = re.compile(r"<h1[\s>]")
NEUTRAL = {"en": "Information", "fi": "Tietoa", "sv": "Information"}


def topic_paths(language: str) -> list[str]:
    pathway = next(iter(seeded_pathways()))
    return [
        f"/{language}/pathways/{pathway}/",
        f"/{language}/pathways/{pathway}/1/",
        f"/{language}/self-check/",
        f"/{language}/urgent-help/",
        f"/{language}/find-help/",
        f"/{language}/find-help/{DEMO_SERVICE}/",
        f"/{language}/find-help/{DEMO_SERVICE}/refer/",
        f"/{language}/mailbox/",
        f"/{language}/browsing-privately/",
        f"/{language}/confidentiality/",
    ]


def title_of(html: str) -> str:
    return TITLE.search(html).group(1).strip()


def render_again():
    cache.clear()
    forget_local()  # the setting changes rendering; a running site would be restarted


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_pages_that_name_the_topic_have_a_neutral_title_by_default(client, language):
    for path in topic_paths(language):
        html = client.get(path).content.decode()
        assert title_of(html) == NEUTRAL[language], path
        assert len(H1.findall(html)) == 1, path


def test_the_codename_page_has_a_neutral_title_by_default(client):
    response = send(client, make_service())
    assert response.status_code == 200
    assert title_of(response.content.decode()) == "Information"


def test_the_self_check_result_has_a_neutral_title_by_default(client):
    html = client.get("/en/self-check/").content.decode()
    assert title_of(html) == "Information"
    # A form sent with no answers comes back with errors: still neutral, and it says so.
    response = client.post("/en/self-check/", {})
    assert response.status_code == 400
    assert title_of(response.content.decode()) == "Error: Information"


def test_a_refused_referral_form_says_error_in_its_neutral_title(client):
    from tests.referrals.test_visitor_referral import form_data

    service = make_service()
    data = form_data(client, service, message="")
    response = client.post(f"/en/find-help/{service.pk}/refer/", data)
    assert response.status_code == 400
    assert title_of(response.content.decode()) == "Error: Information"


def test_with_neutral_titles_off_the_real_titles_come_back(client, settings):
    settings.NEUTRAL_TITLES = False
    render_again()
    for path in topic_paths("en"):
        title = title_of(client.get(path).content.decode())
        assert title != "Information", path
        assert title.endswith(settings.SITE_NAME), path


def test_pages_that_do_not_name_the_topic_keep_their_title(client, settings):
    for path in ("/en/", "/en/about/", "/en/privacy/", "/en/for-professionals/", "/en/open-data/"):
        html = client.get(path).content.decode()
        assert title_of(html) != "Information", path


@pytest.mark.parametrize("path", all_public_paths())
def test_every_public_page_keeps_one_h1(client, path):
    html = client.get(path).content.decode()
    assert len(H1.findall(html)) == 1

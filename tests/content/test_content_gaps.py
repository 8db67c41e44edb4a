"""Two gaps the visitors asked about (docs/content.md, "Seed content"): a pathway for parents
and carers worried about their own child's sexual behaviour or viewing, and an honest answer
to "Will you report me for what I have already viewed?", linked from where people decide
whether to write."""

import re
import tomllib
from html import unescape
from pathlib import Path

import pytest

from content.models import Page, Pathway
from proof.public_urls import DEMO_SERVICE, all_reading_paths

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "content" / "seed"
LANGUAGES = ["en", "fi", "sv"]
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def seed(name: str) -> dict:
    with (SEED / name).open("rb") as handle:
        return tomllib.load(handle)


def reporting_page(language: str) -> dict:
    pages = seed(f"pages.{language}.toml")["page"]
    return next(page for page in pages if page["key"] == "will-you-report-me")


def h1_of(response) -> str:
    found = H1.findall(response.content.decode())
    assert len(found) == 1
    return unescape(re.sub(r"<[^>]+>", "", found[0])).strip()


def links(response) -> set[str]:
    return set(re.findall(r'<a\s[^>]*href="([^"]*)"', response.content.decode()))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pathway_for_parents_worried_about_their_own_child_opens_with_every_step(
        client, language):
    data = seed(f"pathways/my-child.{language}.toml")
    assert 4 <= len(data["step"]) <= 6
    response = client.get(f"/{language}/pathways/my-child/")
    assert response.status_code == 200
    assert h1_of(response) == data["title"]
    for number, step in enumerate(data["step"], start=1):
        response = client.get(f"/{language}/pathways/my-child/{number}/")
        assert response.status_code == 200, number
        assert h1_of(response) == step["title"]
    assert client.get(f"/{language}/pathways/my-child/{len(data['step']) + 1}/").status_code == 404


def test_the_new_pathway_shares_the_parents_audience_from_the_one_vocabulary():
    assert Pathway.objects.get(key="my-child").audience == "parents"
    assert set(Pathway.objects.filter(audience="parents").values_list("key", flat=True)) == {
        "parents", "my-child"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_page_lists_the_new_pathway_next_to_the_others(client, language):
    response = client.get(f"/{language}/")
    assert f"/{language}/pathways/my-child/" in links(response)
    assert f"/{language}/pathways/parents/" in links(response)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_two_parents_pathways_point_to_each_other(client, language):
    assert f"/{language}/pathways/my-child/" in links(client.get(f"/{language}/pathways/parents/"))
    assert f"/{language}/pathways/parents/" in links(client.get(f"/{language}/pathways/my-child/"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reporting_page_answers_with_its_own_heading(client, language):
    response = client.get(f"/{language}/will-you-report-me/")
    assert response.status_code == 200
    assert h1_of(response) == reporting_page(language)["title"]


def test_the_reporting_page_says_it_depends_and_where_a_service_must_act(client):
    text = unescape(client.get("/en/will-you-report-me/").content.decode())
    for words in ("it depends on the country and the service",
                  "This site does not know who you are",
                  "only that service's clinicians can open it",
                  "a child is in danger now",
                  "Read the service's own statement before you write",
                  "You can write without saying who you are"):
        assert words in text, words


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reporting_page_has_a_neutral_browser_title_by_default(client, language):
    assert Page.objects.get(key="will-you-report-me").sensitive
    html = client.get(f"/{language}/will-you-report-me/").content.decode()
    assert reporting_page(language)["title"] not in TITLE.search(html).group(1)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_confidentiality_page_links_the_reporting_page(client, language):
    response = client.get(f"/{language}/confidentiality/")
    assert f"/{language}/will-you-report-me/" in links(response)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_referral_form_links_the_reporting_page_before_you_write(client, language):
    html = client.get(f"/{language}/find-help/{DEMO_SERVICE}/refer/").content.decode()
    box = html[html.index("<fieldset"):html.index("</fieldset>")]
    assert f'href="/{language}/confidentiality/"' in box
    assert f'href="/{language}/will-you-report-me/"' in box


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_self_pathway_links_the_reporting_page_where_it_speaks_of_confidentiality(
        client, language):
    steps = seed(f"pathways/self.{language}.toml")["step"]
    number = next(n for n, step in enumerate(steps, start=1) if step["key"] == "professional-help")
    response = client.get(f"/{language}/pathways/self/{number}/")
    assert f"/{language}/will-you-report-me/" in links(response)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_footer_of_every_page_links_the_reporting_page(client, language):
    html = client.get(f"/{language}/about/").content.decode()
    footer = html[html.index('<footer class="site-footer">'):]
    assert f'href="/{language}/will-you-report-me/"' in footer


def test_the_crawl_suites_see_the_new_page_and_every_new_step():
    paths = set(all_reading_paths())
    steps = len(seed("pathways/my-child.en.toml")["step"])
    for language in LANGUAGES:
        assert f"/{language}/will-you-report-me/" in paths
        assert f"/{language}/pathways/my-child/" in paths
        assert {f"/{language}/pathways/my-child/{n}/" for n in range(1, steps + 1)} <= paths

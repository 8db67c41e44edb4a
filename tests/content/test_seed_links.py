"""Every page leads on: a seed text that names a page of the site links it, every link in the
main content of a public page opens, and the last step of each pathway leads to the search.

How a text names a page is a list of phrases per language (PAGES below), matched without
regard to case in the text with its tags removed. Finnish is inflected, so its phrases are
often stems ("palveluhak", "palveluhau": palveluhaku, palveluhakua, palveluhaun, ...).
To add a page: give it its path and its phrases in every language. To add a phrase: add the
words a text uses for the page, and link the texts the test then names.
"""

import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from proof.public_urls import LANGUAGE_CODES, public_paths, seeded_pathways

SEED = Path(__file__).resolve().parents[2] / "content" / "seed"

# Page -> its path after the language prefix, and the phrases that name it in each language.
PAGES = {
    "urgent-help": {
        "path": "urgent-help/",
        "en": ("urgent-help page", "urgent help page", "page on urgent help"),
        "fi": ("kiireellisen avun sivu",),
        "sv": ("sidan om akut hjälp", "sidan akut hjälp"),
    },
    "find-help": {
        "path": "find-help/",
        "en": ("provider search",),
        "fi": ("palveluhak", "palveluhau"),
        "sv": ("sökfunktion", "sökningen efter behandlare"),
    },
    "browsing-privately": {
        "path": "browsing-privately/",
        "en": ("browsing privately", "browse privately", "browsing more privately"),
        "fi": ("yksityistä selaamista", "yksityisempi selaaminen", "yksityisemmästä selaamisesta"),
        "sv": ("surfa privat", "surfa mer privat"),
    },
    "confidentiality": {
        "path": "confidentiality/",
        "en": ("where confidentiality ends", "what happens to your message",
               "what happens to the message"),
        "fi": ("luottamuksellisuuden rajat", "mitä viestillesi tapahtuu",
               "mitä viestille tapahtuu"),
        "sv": ("var sekretessen tar slut", "gränserna för sekretessen",
               "vad som händer med ditt meddelande", "vad som händer med meddelandet"),
    },
    "mailbox": {
        "path": "mailbox/",
        "en": ("mailbox", "read the reply later", "read replies"),
        "fi": ("postilaatik", "lukea vastauksen myöhemmin", "lukea vastaukset",
               "vastausten lukemiseen"),
        "sv": ("brevlåda", "läsa svaret senare", "läsa svaren"),
    },
    "self-check": {
        "path": "self-check/",
        "en": ("self-check",),
        "fi": ("itsearvio",),
        "sv": ("självtest",),
    },
    "will-you-report-me": {
        "path": "will-you-report-me/",
        "en": ("will you report me",),
        "fi": ("ilmoitetaanko minusta",),
        "sv": ("blir jag anmäld",),
    },
    "privacy": {
        "path": "privacy/",
        "en": ("privacy page", "page on your privacy", "what this site keeps"),
        "fi": ("yksityisyyttä käsittelevä sivu", "yksityisyydensuoja", "mitä sivusto tallentaa"),
        "sv": ("sidan om integritet", "din integritet", "vad webbplatsen sparar"),
    },
}


def _load(path: Path) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def seed_texts() -> list[tuple[str, str, str, str]]:
    """(id, language, the page key the text is the body of or "", HTML) for every pathway
    intro, step body and page body in every language."""
    texts = []
    for language in LANGUAGE_CODES:
        for path in sorted((SEED / "pathways").glob(f"*.{language}.toml")):
            data = _load(path)
            texts.append((f"{path.name}:intro", language, "", data["intro"]))
            texts += [(f"{path.name}:{step['key']}", language, "", step["body"])
                      for step in data["step"]]
        for page in _load(SEED / f"pages.{language}.toml")["page"]:
            texts.append((f"pages.{language}.toml:{page['key']}", language, page["key"],
                          page["body"]))
    return texts


def _plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).lower()


def _hrefs(html: str) -> list[str]:
    return re.findall(r'<a\s[^>]*href="([^"]*)"', html)


SEED_TEXTS = seed_texts()


@pytest.mark.parametrize(("language", "own_page", "html"),
                         [text[1:] for text in SEED_TEXTS], ids=[text[0] for text in SEED_TEXTS])
def test_a_seed_text_that_names_a_page_links_it(language, own_page, html):
    # A link with a query (the search pre-filtered) still links the page.
    plain, hrefs = _plain(html), {urlsplit(href).path for href in _hrefs(html)}
    unlinked = [
        f"{phrase!r} names /{language}/{page['path']} but the text does not link it"
        for key, page in PAGES.items()
        if key != own_page
        for phrase in page[language]
        if phrase in plain and f"/{language}/{page['path']}" not in hrefs
    ]
    assert not unlinked, "\n".join(unlinked)


@pytest.mark.parametrize(("language", "html"), [(text[1], text[3]) for text in SEED_TEXTS],
                         ids=[text[0] for text in SEED_TEXTS])
def test_a_seed_link_leads_to_a_page_of_this_site_in_the_texts_language(language, html):
    for href in _hrefs(html):
        assert href.startswith(f"/{language}/"), href
        try:
            # The language prefix resolves only for the active language (i18n_patterns).
            with translation.override(language):
                resolve(urlsplit(href).path)
        except Resolver404:
            pytest.fail(f"{href} is not a page of this site")


def test_every_page_has_phrases_in_every_language():
    for key, page in PAGES.items():
        for language in LANGUAGE_CODES:
            assert page.get(language), f"{key}: no phrase in {language}"
            assert all(phrase == phrase.lower() for phrase in page[language]), key


class _MainLinks(HTMLParser):
    """The hrefs of the links inside <main>, and the classes of each link."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.depth += 1
        elif tag == "a" and self.depth and attrs.get("href"):
            self.links.append((attrs["href"], attrs.get("class") or ""))

    def handle_endtag(self, tag):
        if tag == "main" and self.depth:
            self.depth -= 1


def main_links(response) -> list[tuple[str, str]]:
    parser = _MainLinks()
    parser.feed(response.content.decode())
    return parser.links


def _internal(href: str) -> str | None:
    if href.startswith("/") and not href.startswith("//"):
        return href.partition("#")[0] or None
    return None


@pytest.mark.django_db
def test_every_internal_link_in_the_main_content_of_every_public_page_opens(client):
    """Every public page and step in every language is rendered; each internal link found in
    their main content is fetched once, redirects followed, and must end in a page."""
    found: dict[str, str] = {}
    for language in LANGUAGE_CODES:
        for path in public_paths(language):
            response = client.get(path)
            assert response.status_code == 200, path
            for href, _classes in main_links(response):
                link = _internal(href)
                if link:
                    found.setdefault(link, path)
    broken = []
    for link, page in sorted(found.items()):
        response = client.get(link, follow=True)
        if response.status_code != 200:
            broken.append(f"{link} (linked from {page}): {response.status_code}")
    assert not broken, "\n".join(broken)
    # The links the seed texts carry reach the page (the sanitiser keeps them) and were fetched.
    seeded = {href for _id, _language, _page, html in SEED_TEXTS for href in _hrefs(html)}
    assert seeded <= set(found), sorted(seeded - set(found))


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_the_last_step_of_each_pathway_leads_to_the_provider_search(client, language):
    with translation.override(language):
        search = reverse("find_help")
        for key, steps in seeded_pathways(language).items():
            overview = reverse("pathway", args=[key])
            response = client.get(reverse("step", args=[key, steps]))
            assert response.status_code == 200
            links = main_links(response)
            buttons = [href for href, classes in links if "button" in classes.split()]
            # The main action is the search; the overview is still a link away, in the block.
            assert [urlsplit(href).path for href in buttons] == [search], (key, buttons)
            html = response.content.decode()
            block = html[html.index('id="what-next"'):]
            block = block[:block.index("</section>")]
            assert f'href="{overview}"' in block, key

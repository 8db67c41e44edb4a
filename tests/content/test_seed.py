"""The seed content is complete in every language and loads idempotently."""

import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from content.models import PageText, Pathway, PathwayText, Revision, StepText

SEED = Path(__file__).resolve().parents[2] / "content" / "seed"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "h2", "h3", "a"}


def load(path):
    with path.open("rb") as handle:
        return tomllib.load(handle)


@pytest.mark.parametrize("key", ["self", "someone-else", "parents", "my-child", "young-people"])
def test_every_pathway_exists_in_every_language_with_the_same_steps(key):
    english = load(SEED / "pathways" / f"{key}.en.toml")
    for language in LANGUAGES:
        data = load(SEED / "pathways" / f"{key}.{language}.toml")
        assert data["key"] == key
        assert [(s["key"], s["minutes"]) for s in data["step"]] == [
            (s["key"], s["minutes"]) for s in english["step"]
        ]
        assert all(s["title"].strip() and s["body"].strip() for s in data["step"])


def test_the_core_pathway_has_eight_to_ten_steps():
    assert 8 <= len(load(SEED / "pathways" / "self.en.toml")["step"]) <= 10


def test_every_page_exists_in_every_language():
    keys = {
        "about",
        "privacy",
        "confidentiality",
        "browsing-privately",
        "urgent-help",
        "professionals",
        "will-you-report-me",
    }
    for language in LANGUAGES:
        assert {page["key"] for page in load(SEED / f"pages.{language}.toml")["page"]} == keys


def test_seed_bodies_use_only_the_small_tag_set_and_name_no_address():
    import re

    for path in SEED.rglob("*.toml"):
        text = path.read_text()
        tags = set(re.findall(r"</?([a-z0-9]+)", text))
        assert tags <= ALLOWED_TAGS, f"{path.name}: {tags - ALLOWED_TAGS}"
        assert "http" not in text and "www." not in text, path.name
        # Links only as <a href="/..."> to a page of this site (tests/content/test_seed_links.py).
        assert not re.search(r'<a(?! href="/[^"]*">)', text), path.name


@pytest.mark.django_db
def test_seeding_twice_changes_nothing():
    counts = (
        Pathway.objects.count(),
        StepText.objects.count(),
        PageText.objects.count(),
        Revision.objects.count(),
    )
    call_command("seed_content", verbosity=0)
    assert (
        Pathway.objects.count(),
        StepText.objects.count(),
        PageText.objects.count(),
        Revision.objects.count(),
    ) == counts
    pathways = len(list((SEED / "pathways").glob("*.en.toml")))
    assert PathwayText.objects.published().count() == pathways * len(LANGUAGES)


@pytest.mark.django_db
def test_seeding_leaves_an_editors_change_alone(client):
    text = StepText.objects.filter(language="en").first()
    text.title = "Changed by an editor"
    text.save()
    call_command("seed_content", verbosity=0)
    text.refresh_from_db()
    assert text.title == "Changed by an editor"

from types import SimpleNamespace

import pytest

from content.selectors import in_language
from tests.content.factories import make_pathway

pytestmark = pytest.mark.django_db


def test_a_missing_translation_falls_back_to_english_with_a_notice(client):
    make_pathway(languages=("en",))
    response = client.get("/fi/pathways/test-pathway/1/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Step 1 en" in html
    assert "Tätä tekstiä ei ole vielä saatavilla" in html
    assert 'lang="en"' in html  # the English text is marked as English for screen readers


def test_a_translated_text_shows_no_notice(client):
    make_pathway(languages=("en", "fi"))
    html = client.get("/fi/pathways/test-pathway/1/").content.decode()
    assert "Step 1 fi" in html
    assert "Tätä tekstiä ei ole vielä saatavilla" not in html


def test_step_pages_say_where_the_visitor_is(client):
    make_pathway(steps=3)
    html = client.get("/en/pathways/test-pathway/2/").content.decode()
    assert "Step 2 of 3" in html
    assert 'href="/en/pathways/test-pathway/1/"' in html
    assert 'href="/en/pathways/test-pathway/3/"' in html


@pytest.mark.parametrize(
    "path", ["/en/pathways/nope/", "/en/pathways/test-pathway/9/", "/en/pathways/test-pathway/0/"]
)
def test_an_unknown_pathway_or_step_is_the_translated_404(client, path):
    make_pathway()
    assert client.get(path).status_code == 404
    fi = client.get(path.replace("/en/", "/fi/"))
    assert fi.status_code == 404
    assert "Sivua ei löytynyt" in fi.content.decode()


def test_one_rule_picks_the_visitors_language_else_english_else_nothing():
    en, fi = SimpleNamespace(language="en"), SimpleNamespace(language="fi")
    assert in_language([en, fi], "fi") is fi
    assert in_language([en], "sv") is en
    assert in_language([fi], "sv") is None

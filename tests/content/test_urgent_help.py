"""Urgent help is there at once: the numbers without any choice, the helplines of the page
language's country as a suggestion, any other country by a plain GET form."""

import re
from collections import defaultdict

import pytest

from proof.forms import FormParser

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "fi", "sv"]
# Each number, as dialled, with the English words for where it works.
NUMBERS = {
    "112": "In all EU countries and in many others",
    "999": "In the United Kingdom",
    "911": "In the United States and Canada",
    "116111": "In many European countries",
    "116123": "In several European countries",
}
SUGGESTED = {"fi": "FI", "sv": "SE"}
DEMO = {"en": "Demo service: not a real provider"}


def get(client, language="en", **query):
    response = client.get(f"/{language}/urgent-help/", query)
    return response, response.content.decode()


def headings(html: str, level: int) -> list[str]:
    found = re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", html, flags=re.S)
    return [re.sub(r"<[^>]+>", "", text).strip() for text in found]


def country_form(html: str) -> dict:
    parser = FormParser()
    parser.feed(html)
    forms = [form for form in parser.forms if any(f["name"] == "country" for f in form["fields"])]
    assert len(forms) == 1
    return forms[0]


def selected_country(html: str) -> str:
    select = next(f for f in country_form(html)["fields"] if f["name"] == "country")
    return next((value for value, selected in select["options"] if selected), "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_number_is_on_the_page_without_any_query_before_the_page_text(client, language):
    response, html = get(client, language)
    assert response.status_code == 200
    first_body_heading = html.index("<h2>")  # the page text's headings carry no id
    for number in NUMBERS:
        assert html.index(f'href="tel:{number}"') < first_body_heading, number


def test_each_number_says_where_it_works(client):
    _response, html = get(client, "en")
    items = re.findall(r'<li class="card"><p><a href="tel:(\d+)">(.*?)</li>', html, flags=re.S)
    where = {number: text for number, text in items}
    assert set(where) == set(NUMBERS)
    for number, place in NUMBERS.items():
        assert place in where[number], number


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_languages_country_is_suggested_and_labelled_as_a_suggestion(client, language):
    from content.models import Helpline

    response, html = get(client, language)
    assert response.status_code == 200
    shown = Helpline.objects.published().filter(country=SUGGESTED[language])
    others = Helpline.objects.published().exclude(country=SUGGESTED[language])
    names = [line.texts.get(language=language).name for line in shown]
    assert names and all(name in html for name in names)
    # Some other country's line is named differently in this language only if it is shown.
    other_names = {line.texts.get(language=language).name for line in others} - set(names)
    assert not any(name in html for name in other_names)
    assert html.count('class="notice"') == 1
    notice = html.index('class="notice"')
    assert notice < html.index(names[0]) < html.index('class="country-form"')
    assert selected_country(html) == SUGGESTED[language]


def test_english_suggests_no_country_and_lists_nothing_until_one_is_chosen(client):
    response, html = get(client, "en")
    assert response.status_code == 200
    assert DEMO["en"] not in html
    assert "Suggested from the language of this page" not in html
    assert "listed below" not in html
    assert "Choose your country to see its helplines." in html
    assert selected_country(html) == ""


@pytest.mark.parametrize(("language", "country"), [("en", "FI"), ("fi", "SE"), ("sv", "GB")])
def test_choosing_a_country_shows_its_helplines_and_not_the_suggestion(client, language, country):
    from content.models import Helpline

    response, html = get(client, language, country=country)
    assert response.status_code == 200
    chosen = Helpline.objects.published().filter(country=country)
    for line in chosen:
        assert line.texts.get(language=language).name in html
    assert 'class="notice"' not in html  # no suggestion once a country is chosen
    assert selected_country(html) == country
    for number in NUMBERS:
        assert f'href="tel:{number}"' in html


def test_demo_helplines_are_marked_as_demo(client):
    from content.models import Helpline

    _response, html = get(client, "en", country="GB")
    demo = Helpline.objects.published().filter(country="GB", demo=True).count()
    assert demo > 0
    assert html.count(DEMO["en"]) == demo


@pytest.mark.parametrize("country", ["ZZ", "fi", "DE", "<script>", "x" * 500])
def test_an_unknown_country_is_a_400_with_a_message_and_the_numbers_still_there(client, country):
    response, html = get(client, "en", country=country)
    assert response.status_code == 400
    assert "We have no helplines listed for that country yet" in html
    assert 'value="<' not in html and "&lt;script" not in html  # nothing sent is echoed
    for number in NUMBERS:
        assert f'href="tel:{number}"' in html
    assert "no-store" in response.headers["Cache-Control"]


def test_an_empty_choice_shows_the_suggestion_again(client):
    response, html = get(client, "fi", country="")
    assert response.status_code == 200
    assert 'class="notice"' in html
    assert selected_country(html) == "FI"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("query", [{}, {"country": "SE"}, {"country": "ZZ"}])
def test_the_helplines_have_one_heading_and_the_page_has_one_h1(client, language, query):
    _response, html = get(client, language, **query)
    assert len(headings(html, 1)) == 1
    h2 = headings(html, 2)
    assert len(h2) == len(set(h2)), h2
    assert html.count('id="helplines-heading"') == 1
    helpline_headings = [
        text for text in h2 if "elpline" in text or "uttavat" in text or "tödlinje" in text
    ]
    assert len(helpline_headings) == 1, h2


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_country_form_is_a_get_form_with_a_real_action(client, language):
    _response, html = get(client, language)
    form = country_form(html)
    assert form["method"] == "get"
    assert form["action"] == f"/{language}/urgent-help/"
    assert [f["tag"] for f in form["fields"]] == ["select"]  # no hidden state, no token
    codes = [value for value, _selected in form["fields"][0]["options"] if value]
    assert set(codes) >= {"FI", "SE", "GB"}


def test_the_country_list_is_in_the_order_of_its_names(client):
    _response, html = get(client, "en")
    select = re.search(r'<select name="country"[^>]*>(.*?)</select>', html, flags=re.S).group(1)
    names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', select)
    assert names == sorted(names)


def test_a_page_text_missing_in_a_language_still_shows_the_numbers_in_that_language(client):
    from content.models import Page

    page = Page.objects.get(key="urgent-help")
    page.texts.filter(language="fi").delete()
    response, html = get(client, "fi")
    assert response.status_code == 200
    assert '<h1 lang="en">' in html
    assert html.index('href="tel:112"') < html.index('<div lang="en">')


def crisis_answers(client, language: str) -> dict:
    """A full set of answers from the self-check form itself, with the crisis feeling."""
    parser = FormParser()
    parser.feed(client.get(f"/{language}/self-check/").content.decode())
    options = defaultdict(list)
    for form in parser.forms:
        for field in form["fields"]:
            if field["tag"] == "input" and field["type"] == "radio":
                options[field["name"]].append(field["value"])
    assert "desperate" in options["feeling"]
    return {name: values[0] for name, values in options.items()} | {"feeling": "desperate"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_crisis_result_of_the_self_check_shows_the_same_numbers_first(client, language):
    urgent_page = get(client, language)[1]
    block = re.search(
        r'<ul class="helpline-list emergency-numbers">.*?</ul>', urgent_page, flags=re.S
    ).group(0)
    response = client.post(f"/{language}/self-check/", crisis_answers(client, language))
    html = response.content.decode()
    assert response.status_code == 200
    assert block in html  # the one include, word for word
    main = html[html.index("<h1") :]
    first_link = re.search(r'href="([^"]+)"', main).group(1)
    assert first_link == "tel:112"
    assert main.index(block) < main.index(f'href="/{language}/urgent-help/"')


def test_the_country_asked_for_is_kept_nowhere(client, caplog):
    import logging
    import uuid

    from tests.test_no_visitor_data_is_kept import dump_every_table, dump_the_cache

    probe = f"Q{uuid.uuid4().hex}"
    with caplog.at_level(logging.DEBUG):
        assert get(client, "fi", country=probe)[0].status_code == 400
        assert get(client, "en", country="GB")[0].status_code == 200
    assert "Bad Request: /fi/urgent-help/" in caplog.text  # the 400 is logged by its path alone
    for place, text in {
        "log lines": caplog.text,
        "database": dump_every_table(),
        "cache": dump_the_cache(),
    }.items():
        assert probe not in text, place
        assert "country=" not in text, place

"""The open-data tables as a screen reader and a Finnish or Swedish reader meet them: each cell
names its headers (week, row, group: WCAG technique H43), week dates are written in the page's
language, and every value is shown by a label, never by its key."""

from html.parser import HTMLParser

import pytest
from django.utils import formats, translation

from stats import metrics
from stats.selectors import value_label

from .factories import add_counts, published_week

pytestmark = pytest.mark.django_db


class Tables(HTMLParser):
    """The header ids of each table and, for each of its cells, the ids it names."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"th": {}, "td": []})
        elif self.tables and tag == "th" and a.get("id"):
            self.tables[-1]["th"][a["id"]] = a.get("scope")
        elif self.tables and tag == "td":
            self.tables[-1]["td"].append((a.get("headers") or "").split())


def a_published_week_of_counts():
    monday = published_week()[0]
    add_counts(monday, {
        "selfcheck_completed|language=fi|pathway=self|urgent=no": 30,
        "selfcheck_completed|language=sv|pathway=someone-else|urgent=yes": 25,
        "helped|answer=a-little|language=fi|where=mailbox": 40,
        "pathway_step_reached|language=fi|pathway=my-child|step=2": 22,
    })
    return monday


def test_every_cell_names_its_week_its_row_and_its_group(client):
    a_published_week_of_counts()
    parser = Tables()
    parser.feed(client.get("/en/open-data/").content.decode())
    assert parser.tables
    for table in parser.tables:
        headers = table["th"]
        assert table["td"]
        for named in table["td"]:
            assert named and set(named) <= set(headers), named
            scopes = sorted(headers[header] for header in named)
            assert scopes in (["col", "row"], ["col", "row", "rowgroup"]), named


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_week_headers_are_dates_in_the_pages_language(client, language):
    monday = a_published_week_of_counts()
    html = client.get(f"/{language}/open-data/").content.decode()
    with translation.override(language):
        written = formats.date_format(monday, "DATE_FORMAT")
    assert f'<time datetime="{monday.isoformat()}">{written}</time>' in html
    if language != "en":
        english = formats.date_format(monday, "j M Y", use_l10n=False)
        assert english not in html


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_every_listed_value_of_a_published_metric_has_a_label_not_its_key(language):
    with translation.override(language):
        for name in metrics.PUBLISHED:
            for dimension in metrics.METRICS[name].dimensions:
                for value in dimension.listed():
                    assert value_label(dimension.name, value) != value, (name, value)


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_the_page_shows_pathways_and_answers_by_their_labels(client, language):
    a_published_week_of_counts()
    html = client.get(f"/{language}/open-data/").content.decode()
    with translation.override(language):
        for dimension, value in (("pathway", "self"), ("pathway", "someone-else"),
                                 ("answer", "a-little"), ("where", "mailbox")):
            assert f">{value_label(dimension, value)}</th>" in html
    for key in ("self", "someone-else", "a-little", "mailbox", "my-child"):
        assert f">{key}</th>" not in html


def test_an_unknown_pathway_an_editor_added_later_is_shown_by_its_key():
    assert value_label("pathway", "new-pathway") == "new-pathway"


def test_the_open_data_page_answers_when_the_cache_is_down(client, settings, redis_down):
    a_published_week_of_counts()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": redis_down}}
    response = client.get("/en/open-data/")
    assert response.status_code == 200
    assert "<td headers=" in response.content.decode()

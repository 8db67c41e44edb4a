"""The find-help search at scale (issue 15, item 6): results come a page at a time with links
that keep the choices, the search index follows every committed change, and a search reads
only its page of services from the database however many there are."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Service
from directory.selectors import DIRECTORY_CARDS, RESULTS_PER_PAGE, search_index
from tests.referrals.factories import make_organization, make_service, result_names

pytestmark = pytest.mark.django_db

MANY = 2 * RESULTS_PER_PAGE + 5


@pytest.fixture
def many():
    """MANY services in German, the only ones of the suite, in one organisation."""
    organization = make_organization("Many org", country="AT")
    return [make_service(organization, name=f"German {number:02d}", languages=["de"])
            for number in range(MANY)]


def cards(response) -> list[str]:
    return result_names(response)


def page_links(response) -> dict[str, str]:
    return {rel: href.replace("&amp;", "&") for href, rel in
            re.findall(r'<a href="([^"]+)" rel="(prev|next)">', response.content.decode())}


def test_results_come_a_page_at_a_time_with_links_that_keep_the_choices(client, many):
    first = client.get("/en/find-help/", {"language": "de", "mode": "online"})
    html = first.content.decode()
    assert f"{MANY} services found" in html
    assert "Page 1 of 3" in html
    assert cards(first) == [f"German {number:02d}" for number in range(RESULTS_PER_PAGE)]
    assert page_links(first) == {"next": "/en/find-help/?language=de&mode=online&page=2#results"}

    second = client.get("/en/find-help/", {"language": "de", "mode": "online", "page": "2"})
    assert "Page 2 of 3" in second.content.decode()
    assert cards(second)[0] == f"German {RESULTS_PER_PAGE:02d}"
    assert page_links(second) == {
        "prev": "/en/find-help/?language=de&mode=online#results",
        "next": "/en/find-help/?language=de&mode=online&page=3#results",
    }

    last = client.get("/en/find-help/", {"language": "de", "mode": "online", "page": "3"})
    assert len(cards(last)) == MANY - 2 * RESULTS_PER_PAGE
    assert set(page_links(last)) == {"prev"}


def test_a_page_past_the_last_shows_the_last(client, many):
    response = client.get("/en/find-help/", {"language": "de", "page": "7"})
    assert response.status_code == 200
    assert "Page 3 of 3" in response.content.decode()
    assert len(cards(response)) == MANY - 2 * RESULTS_PER_PAGE


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1001", "\u0663", "2.5"])
def test_a_page_that_is_not_one_is_ignored_with_the_notice(client, many, page):
    response = client.get("/en/find-help/", {"language": "de", "page": page})
    assert response.status_code == 200
    html = response.content.decode()
    assert "were not understood" in html
    assert "Page 1 of 3" in html


def test_one_page_of_results_has_no_page_links(client, many):
    Service.objects.filter(name__in=[f"German {n:02d}" for n in range(5, MANY)]).delete()
    response = client.get("/en/find-help/", {"language": "de"})
    assert len(cards(response)) == 5
    assert "Page 1 of" not in response.content.decode()
    assert page_links(response) == {}


def test_the_search_follows_a_committed_change(client, many, django_capture_on_commit_callbacks):
    assert len(cards(client.get("/en/find-help/", {"language": "it"}))) == 0
    moved = many[0]
    with django_capture_on_commit_callbacks(execute=True):
        moved.languages = ["it"]
        moved.service_areas = ["IT-25"]  # a region: found under its country
        moved.save()
    assert cards(client.get("/en/find-help/", {"language": "it", "country": "IT"})) == [
        "German 00"
    ]
    assert "German 00" not in cards(client.get("/en/find-help/", {"language": "de"}))
    with django_capture_on_commit_callbacks(execute=True):
        moved.published = False
        moved.save()
    assert cards(client.get("/en/find-help/", {"language": "it"})) == []


def test_a_search_reads_only_its_page_of_services(client, many):
    client.get("/en/find-help/", {"language": "de"})  # the index of this process is built
    assert len(search_index().ids) >= MANY
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/en/find-help/", {"language": "de", "page": "2"})
    assert len(cards(response)) == RESULTS_PER_PAGE
    reads = [query["sql"] for query in captured.captured_queries
             if "referrals_service" in query["sql"]]
    assert len(reads) == 1
    shown = {service.pk.hex for service in many[RESULTS_PER_PAGE:2 * RESULTS_PER_PAGE]}
    assert {service.pk.hex for service in many if service.pk.hex in reads[0]} == shown


def test_a_new_search_reuses_the_cards_other_searches_rendered(client, many):
    first = client.get("/en/find-help/", {"language": "de"})
    DIRECTORY_CARDS.clear()  # as in another process: only the shared cache holds the cards
    with CaptureQueriesContext(connection) as captured:
        other = client.get("/en/find-help/", {"language": "de", "mode": "online"})
    assert cards(other) == cards(first)
    assert not [query for query in captured.captured_queries
                if "referrals_service" in query["sql"]]


def test_an_api_page_reads_only_its_own_services(client, many):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/hsds/services", {"per_page": "5", "page": "3"})
    page = [item["id"] for item in response.json()["contents"]]
    assert len(page) == 5
    assert response.json()["total_items"] >= MANY
    full_reads = [query["sql"] for query in captured.captured_queries
                  if '"referrals_service"."description"' in query["sql"]]
    assert len(full_reads) == 1  # the page's services, by id; the count reads ids only
    listed = {service.pk.hex for service in many if service.pk.hex in full_reads[0]}
    assert len(listed) == 5  # the demo directory's six come first, then these
    assert listed == {service.pk.hex for service in many if str(service.pk) in page}

"""The public directory: filters that work with a plain GET form, and forgiving bad input."""

import pytest

from directory.models import Service
from tests.referrals.factories import make_organization, make_service, result_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory():
    fi = make_organization("Finnish demo", country="FI")
    se = make_organization("Swedish demo", country="SE")
    return {
        "fi_video": make_service(fi, name="Video help FI", languages=["fi", "sv"],
                                 delivery_modes=["video"], cost="free"),
        "fi_wait": make_service(fi, name="Waitlisted FI", intake="waitlist", waitlist_weeks=6,
                                delivery_modes=["in_person"], cost="paid"),
        "se_phone": make_service(se, name="Phone help SE", languages=["sv"],
                                 delivery_modes=["phone"], cost="low", service_areas=["SE-AB"]),
        "closed": make_service(se, name="Closed SE", intake="closed"),
        "defunct": make_service(se, name="Gone SE", status=Service.Status.DEFUNCT),
        "hidden": make_service(fi, name="Unpublished FI", published=False),
    }


def names(response):
    return set(result_names(response))


def test_without_filters_every_published_service_is_listed(client, directory):
    found = names(client.get("/en/find-help/"))
    assert {"Video help FI", "Waitlisted FI", "Phone help SE", "Closed SE"} <= found
    assert "Gone SE" not in found and "Unpublished FI" not in found


@pytest.mark.parametrize(("query", "expected"), [
    ({"country": "FI"}, {"Video help FI", "Waitlisted FI"}),
    ({"country": "se"}, {"Phone help SE", "Closed SE"}),
    ({"language": "sv"}, {"Video help FI", "Phone help SE"}),
    ({"mode": "video"}, {"Video help FI"}),
    ({"cost": "low"}, {"Phone help SE"}),
    ({"accepting": "1", "country": "SE"}, {"Phone help SE"}),
])
def test_each_filter_narrows_the_list(client, directory, query, expected):
    found = names(client.get("/en/find-help/", query))
    assert found & {s.name for s in directory.values()} == expected


def test_results_show_the_waiting_list(client, directory):
    html = client.get("/en/find-help/", {"country": "FI"}).content.decode()
    assert "Waiting list: about 6 weeks" in html
    assert "Demo service: not a real provider" in html


@pytest.mark.parametrize("query", [
    {"country": "XX"}, {"language": "klingon"}, {"mode": "telepathy"}, {"cost": "cheap"},
    {"accepting": "maybe"}, {"country": "<script>"}, {"language": "f" * 500},
])
def test_a_malformed_filter_is_ignored_with_a_visible_notice(client, directory, query):
    everything = client.get("/en/find-help/").context["count"]
    response = client.get("/en/find-help/", query)
    assert response.status_code == 200
    assert "were not understood and were left out" in response.content.decode()
    assert response.context["count"] == everything


def test_the_search_sets_no_cookie_and_may_be_cached_by_the_proxy(client, directory):
    response = client.get("/fi/find-help/", {"country": "FI"})
    assert not response.cookies
    assert "s-maxage=60" in response.headers["Cache-Control"]


def test_a_service_page_shows_its_facts(client, directory):
    service = directory["se_phone"]
    html = client.get(f"/sv/find-help/{service.pk}/").content.decode()
    assert "Phone help SE" in html
    assert "Demotjänst: inte en riktig vårdgivare" in html


@pytest.mark.parametrize("key", ["defunct", "hidden"])
def test_an_unpublished_or_defunct_service_page_is_a_404(client, directory, key):
    assert client.get(f"/en/find-help/{directory[key].pk}/").status_code == 404


def test_an_unknown_or_malformed_service_id_is_a_404(client):
    assert client.get("/en/find-help/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/en/find-help/not-a-uuid/").status_code == 404

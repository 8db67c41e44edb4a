"""The search answers the visitor's questions: who a service is for (audiences and ages),
whether it can be contacted anonymously through this site, and how soon it usually replies;
a search that finds nothing says which choice to leave out (issue 15, items 1 and 2)."""

import pytest
from django.test import Client

from tests.referrals.factories import make_member, make_organization, make_service, result_names
from tests.referrals.test_visitor_referral import form_token
from tests.staff.factories import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory():
    keyed = make_organization("Keyed org", country="FI")
    keyless = make_organization("Keyless org", country="FI", key=False)
    return {
        "young": make_service(keyed, name="Teens FI", audiences=["young-people"],
                              minimum_age=12, maximum_age=17, accepts_anonymous_referrals=True,
                              reply_days=2, cost="free"),
        "adults": make_service(keyed, name="Adults FI", audiences=["self", "young-people"],
                               minimum_age=18, accepts_anonymous_referrals=True, cost="paid"),
        "kids_only": make_service(keyed, name="Children FI", audiences=["self"],
                                  maximum_age=15, accepts_anonymous_referrals=False),
        "no_key": make_service(keyless, name="No key FI", audiences=["self"],
                               accepts_anonymous_referrals=True, reply_days=1),
        "relatives": make_service(keyed, name="Families FI",
                                  audiences=["someone-else", "parents"],
                                  accepts_anonymous_referrals=True, reply_days=5),
    }


def names(response, directory) -> set[str]:
    ours = {service.name for service in directory.values()}
    return set(result_names(response)) & ours


@pytest.mark.parametrize(("query", "expected"), [
    # Young people: the service names them, and its minimum age is under 18.
    ({"audience": "young-people"}, {"Teens FI"}),
    # Adults worried about themselves: not a service whose maximum age is under 18.
    ({"audience": "self"}, {"Adults FI", "No key FI"}),
    ({"audience": "parents"}, {"Families FI"}),
    # Anonymous contact: it takes anonymous referrals and its organisation has a key.
    ({"anonymous": "1"}, {"Teens FI", "Adults FI", "Families FI"}),
    ({"anonymous": "1", "audience": "self"}, {"Adults FI"}),
])
def test_audience_and_anonymous_contact_narrow_the_search(client, directory, query, expected):
    assert names(client.get("/en/find-help/", query), directory) == expected


@pytest.mark.parametrize("query", [{"audience": "children"}, {"audience": "<b>"},
                                   {"anonymous": "maybe"}])
def test_unknown_audience_or_anonymous_values_are_ignored_with_the_notice(
    client, directory, query
):
    response = client.get("/en/find-help/", query)
    assert response.status_code == 200
    assert "were not understood and were left out" in response.content.decode()
    assert names(response, directory) == {service.name for service in directory.values()}


def test_the_form_offers_both_filters_and_keeps_them_chosen(client, directory):
    html = client.get("/fi/find-help/", {"audience": "young-people", "anonymous": "1"}
                      ).content.decode()
    assert '<option value="young-people" selected>' in html
    assert 'id="anonymous" name="anonymous" value="1" checked' in html


def test_a_search_that_finds_nothing_says_which_choice_to_leave_out(client, directory):
    response = client.get("/en/find-help/", {"audience": "young-people", "cost": "paid"})
    html = response.content.decode()
    assert response.context["count"] == 0
    # Without the cost, the young people's service; without the audience, the adults' one and
    # the other paid ones: both suggested, each with how many it would find.
    without_cost = client.get("/en/find-help/", {"audience": "young-people"}).context["count"]
    without_audience = client.get("/en/find-help/", {"cost": "paid"}).context["count"]
    assert f"Leave out the cost: {without_cost} service" in html
    assert f"Leave out who it is for: {without_audience} service" in html
    assert 'href="/en/find-help/?audience=young-people"' in html
    assert 'href="/en/find-help/?cost=paid"' in html


def test_when_no_single_choice_helps_the_page_offers_every_service(client, directory):
    response = client.get("/en/find-help/", {"audience": "parents", "cost": "paid",
                                             "mode": "phone", "country": "SE"})
    html = response.content.decode()
    assert response.context["count"] == 0
    assert "Leave out" not in html
    assert '<a href="/en/find-help/">Show every service</a>' in html


def test_the_young_peoples_pathway_opens_the_search_for_young_people(client, directory):
    html = client.get("/en/pathways/young-people/6/").content.decode()
    assert 'href="/en/find-help/?audience=young-people"' in html
    assert names(client.get("/en/find-help/?audience=young-people"), directory) == {"Teens FI"}


# --- reply time --------------------------------------------------------------------------


def test_the_reply_time_shows_on_the_results_and_the_service_page(client, directory):
    html = client.get("/en/find-help/", {"audience": "young-people"}).content.decode()
    assert "Usually replies within 2 working days." in html
    html = client.get(f"/en/find-help/{directory['relatives'].pk}/").content.decode()
    assert "Usually replies within 5 working days." in html
    html = client.get(f"/en/find-help/{directory['adults'].pk}/").content.decode()
    assert "Has not said how soon it usually replies: allow a week or more." in html


def test_the_referral_form_and_the_codename_page_say_when_to_come_back(client, directory):
    service = directory["young"]
    html = client.get(f"/en/find-help/{service.pk}/refer/").content.decode()
    assert "When to expect a reply:" in html
    assert "<dt>Who it is for:</dt><dd>Young people (from 12 up to 17)" in html
    assert "Usually replies within 2 working days." in html
    response = client.post(f"/en/find-help/{service.pk}/refer/", {
        "message": "I would like to talk to someone, please.", "contact": "",
        "acknowledge": "on", "ages": "on", "once": form_token(client, service),
    })
    assert response.status_code == 200, response.content.decode()[:500]
    assert "Teens FI usually replies within 2 working days. Come back then" in (
        response.content.decode())


@pytest.mark.parametrize(("value", "message"), [
    ("0", "Give at least one working day."),
    ("31", "Give at most 30 working days."),
])
def test_a_clinician_keeps_the_reply_time_current_within_bounds(client, directory, value,
                                                               message):
    service = directory["young"]
    member = make_member(service.organization, "replier")
    sign_in(client, member)
    url = f"/staff/portal/services/{service.pk}/"
    form = {"status": "active", "intake": "accepting", "waitlist_weeks": "",
            "languages": "fi", "service_areas": "FI", "delivery_modes": ["online"]}
    response = client.post(url, {**form, "reply_days": value})
    assert response.status_code == 400
    assert message in response.content.decode()
    client.post(url, {**form, "reply_days": "3"})
    service.refresh_from_db()
    assert service.reply_days == 3
    visitor = Client()  # a fresh visitor, not the signed-in clinician
    assert "Usually replies within 3 working days." in (
        visitor.get(f"/en/find-help/{service.pk}/").content.decode())

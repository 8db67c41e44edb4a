""""Has this helped you stop or reduce what worried you?": one optional question, counted only
as a daily aggregate through the allow-list, with nothing else kept (docs/statistics.md)."""

import re

import pytest
from django.test import Client

from referrals.services import referral_create
from tests.referrals.factories import make_service
from tests.test_no_visitor_data_is_kept import dump_every_table

from .factories import count_of, total_of

pytestmark = pytest.mark.django_db

URL = "/en/did-it-help/"


@pytest.mark.parametrize("answer", ["yes", "a-little", "not-yet", "prefer-not"])
def test_each_answer_is_counted_by_where_it_was_asked_and_the_language(client, answer):
    response = client.post(f"/fi{URL[3:]}", {"answer": answer, "where": "pathway-end"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert count_of("helped", f"answer={answer}|language=fi|where=pathway-end") == 1
    assert total_of("stats_rejected") == 0


@pytest.mark.parametrize("data", [
    {"answer": "maybe", "where": "mailbox"},
    {"answer": "yes", "where": "somewhere-else"},
    {"answer": "yes"},
    {},
])
def test_an_answer_off_the_list_is_refused_with_400_and_counts_nothing(client, data):
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "That answer could not be read" in response.content.decode()
    assert total_of("helped") == 0


def test_a_client_is_counted_a_few_times_a_day_at_most(client):
    for _ in range(5):
        assert client.post(URL, {"answer": "yes", "where": "mailbox"}).status_code == 200
    assert total_of("helped") == 3
    other = Client(REMOTE_ADDR="198.51.100.61")
    other.post(URL, {"answer": "not-yet", "where": "mailbox"})
    assert total_of("helped") == 4


def test_a_get_is_not_an_answer(client):
    assert client.get(URL).status_code == 405
    assert total_of("helped") == 0


def test_nothing_but_the_count_is_kept(client):
    client.post(URL, {"answer": "a-little", "where": "mailbox"})  # the day's first row exists
    before = dump_every_table()
    client.post(URL, {"answer": "a-little", "where": "mailbox"},
                HTTP_USER_AGENT="ProbeAgent/3.1", REMOTE_ADDR="203.0.113.201")
    after = dump_every_table()
    assert "ProbeAgent" not in after and "203.0.113.201" not in after
    changed = set(after.splitlines()) - set(before.splitlines())
    assert len(changed) == 1 and "helped" in changed.pop()


def test_the_open_mailbox_asks_with_prefer_not_to_say_chosen(client):
    _referral, codename = referral_create(service=make_service(),
                                          message="I would like to talk to someone, please.")
    page = client.post("/en/mailbox/", {"codename": codename, "action": "open"}).content.decode()
    assert "Has this helped you stop or reduce what worried you?" in page
    assert 'value="prefer-not" id="helped-prefer-not-mailbox" checked' in page
    assert 'action="/en/did-it-help/"' in page


def test_the_open_data_page_publishes_the_answers_with_the_other_counts(client):
    html = client.get("/en/open-data/").content.decode()
    assert "Answers to &quot;Has this helped?&quot;" in html


def test_the_last_step_of_a_pathway_asks_and_the_others_do_not(client):
    html = client.get("/en/pathways/self/").content.decode()
    steps = sorted({int(n) for n in re.findall(r'href="/en/pathways/self/(\d+)/"', html)})
    assert steps, "the self pathway lists no steps"
    last = client.get(f"/en/pathways/self/{steps[-1]}/").content.decode()
    assert 'name="where" value="pathway-end"' in last
    assert 'value="prefer-not" id="helped-prefer-not-pathway-end" checked' in last
    first = client.get(f"/en/pathways/self/{steps[0]}/").content.decode()
    assert "did-it-help" not in first

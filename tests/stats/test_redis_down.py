"""With Redis down, pages still answer and the lost counts are themselves counted."""

import time

import pytest

from stats.models import DailyCount
from stats.services import record

from .factories import campaign_make, count_of

pytestmark = pytest.mark.django_db


def test_a_counted_page_answers_200_and_the_loss_is_counted_in_the_database(client, redis_down):
    campaign_make()
    before = count_of("stats_dropped")
    started = time.monotonic()
    responses = [
        client.get("/en/pathways/self/1/"),
        client.get("/fi/find-help/?country=FI"),
        client.get("/en/go/search-warning/"),
        client.get("/en/open-data/"),
    ]
    assert [response.status_code for response in responses] == [200, 200, 200, 200]
    # Six counts: the step (and its page view), the search, the landing (and its page view),
    # the open-data page view. None reached Redis; each loss is counted.
    assert count_of("stats_dropped") == before + 6
    assert DailyCount.objects.exclude(metric="stats_dropped").count() == 0
    # A refused connection costs nothing like a timeout per page.
    assert time.monotonic() - started < 5


def test_the_self_check_result_still_shows_with_redis_down(client, redis_down):
    page = client.get("/en/self-check/")
    form = page.context["form"]
    answers = {}
    for name, bound in form.fields.items():
        answers[name] = bound.choices[0][0]
    response = client.post("/en/self-check/", answers)
    assert response.status_code == 200
    assert count_of("stats_dropped") == 1


def test_record_itself_never_raises_with_redis_down(redis_down):
    for _ in range(3):
        record("mailbox_opened")
    assert count_of("stats_dropped") == 3

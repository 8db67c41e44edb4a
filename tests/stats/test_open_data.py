"""The open-data page and JSON feed: suppressed weekly and daily counts, clear errors."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from stats import selectors

from .factories import add_counts, published_week

pytestmark = pytest.mark.django_db

SELFCHECK_FI = "selfcheck_completed|language=fi|pathway=self|urgent=no"
SELFCHECK_EN = "selfcheck_completed|language=en|pathway=self|urgent=no"


def week_with_counts():
    days = published_week()
    for day in days:
        add_counts(day, {SELFCHECK_EN: 40, "mailbox_opened|": 12})
    add_counts(days[2], {SELFCHECK_FI: 3})
    return days


def every_number(data) -> list:
    found = []
    if isinstance(data, dict):
        for value in data.values():
            found += every_number(value)
    elif isinstance(data, list):
        for value in data:
            found += every_number(value)
    elif isinstance(data, int) and not isinstance(data, bool):
        found.append(data)
    return found


def test_the_weekly_feed_shows_large_counts_and_hides_small_ones(client):
    days = week_with_counts()
    response = client.get(f"/api/stats/weekly.json?from={days[0]}&to={days[-1]}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    (week,) = body["data"]
    assert week["start"] == days[0].isoformat()
    selfchecks = week["metrics"]["selfcheck_completed"]
    assert selfchecks["by"]["language"]["fi"] is None
    # The only other non-zero language goes too, or Finnish would be total minus English.
    assert selfchecks["by"]["language"]["en"] is None
    assert selfchecks["total"] == 283
    assert selfchecks["by"]["language"]["sv"] == 0
    assert week["metrics"]["mailbox_opened"]["total"] == 84


def test_no_published_number_is_from_1_to_9(client):
    days = week_with_counts()
    for feed in ("daily", "weekly"):
        body = client.get(f"/api/stats/{feed}.json?from={days[0]}&to={days[-1]}").json()
        numbers = every_number(body["data"])
        assert numbers, "the feed should publish something"
        assert [n for n in numbers if 1 <= n <= 9] == []


def test_the_daily_feed_shows_each_day_of_the_range_the_same_whatever_the_range(client):
    days = week_with_counts()
    whole = client.get(f"/api/stats/daily.json?from={days[0]}&to={days[-1]}").json()
    one = client.get(f"/api/stats/daily.json?from={days[2]}&to={days[2]}").json()
    assert [d["day"] for d in whole["data"]] == [d.isoformat() for d in days]
    assert one["data"] == [whole["data"][2]]
    assert whole["data"][2]["metrics"]["mailbox_opened"]["total"] == 12


def test_a_week_that_has_not_ended_is_not_published(client):
    today = timezone.localdate()
    add_counts(today, {"mailbox_opened|": 500})
    body = client.get(f"/api/stats/daily.json?from={today - timedelta(days=3)}&to={today}").json()
    assert all(day["day"] <= body["published_through"] for day in body["data"])
    assert today.isoformat() not in [day["day"] for day in body["data"]]
    assert selectors.published_through() < today


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2025-13-01", "start date must be a real date"),
        ("from=yesterday", "start date must be a real date"),
        ("from=20250101", "start date must be a real date"),
        ("to=2025-02-30", "end date must be a real date"),
        ("from=2025-03-01&to=2025-02-01", "start date must be on or before the end date"),
        ("from=2024-01-01&to=2025-01-01", "at most 366 days"),
        ("from=9999-12-31", "between the years 1 and 9999"),
        ("to=0001-01-02", "between the years 1 and 9999"),
    ],
)
def test_a_bad_range_gets_a_400_with_a_message_from_the_feed(client, query, message):
    response = client.get(f"/api/stats/daily.json?{query}")
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert "no-store" in response["Cache-Control"]


def test_a_range_of_exactly_366_days_is_fine(client):
    response = client.get("/api/stats/weekly.json?from=2024-01-01&to=2024-12-31")
    assert response.status_code == 200
    assert len(response.json()["data"]) == 53


def test_a_bad_range_on_the_page_gets_a_clear_message_not_an_error(client):
    response = client.get("/en/open-data/?from=2025-03-01&to=2025-02-01")
    assert response.status_code == 400
    assert "The start date must be on or before the end date." in response.content.decode()


def test_the_page_message_is_translated(client):
    response = client.get("/fi/open-data/?from=nonsense")
    assert response.status_code == 400
    assert 'lang="fi"' in response.content.decode()


def test_the_page_shows_the_weeks_with_hidden_counts_marked(client):
    days = week_with_counts()
    response = client.get(f"/en/open-data/?from={days[0]}&to={days[-1]}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Self-checks completed" in page
    assert ">283<" in page  # the week's self-checks
    assert "hidden" in page
    assert "s-maxage=60" in response["Cache-Control"]
    assert not response.cookies


def test_the_page_works_with_no_counts_at_all(client):
    response = client.get("/sv/open-data/")
    assert response.status_code == 200
    assert json.loads(client.get("/api/stats/weekly.json").content)["data"] is not None


def test_a_post_is_refused(client):
    assert client.post("/api/stats/daily.json").status_code == 405

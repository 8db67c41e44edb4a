"""record() keeps only allow-listed metrics and values, and counts what it refuses."""

import pytest

from stats import metrics
from stats.models import DailyCount
from stats.services import counters_sync, record, today

from .factories import count_of, total_of

pytestmark = pytest.mark.django_db


def test_an_allowed_event_is_counted_for_today_under_its_sorted_dimensions():
    record("selfcheck_completed", urgent="no", pathway="self", language="fi")
    record("selfcheck_completed", language="fi", pathway="self", urgent="no")
    row = DailyCount.objects.get(metric="selfcheck_completed")
    assert (row.day, row.dims, row.count) == (today(), "language=fi|pathway=self|urgent=no", 2)


@pytest.mark.parametrize(
    ("metric", "dims"),
    [
        ("page_view", {"kind": "step", "language": "sv"}),
        ("page_view", {"kind": "open-data", "language": "en"}),
        ("landing", {"campaign": "search-warning", "language": "fi"}),
        ("selfcheck_completed", {"pathway": "none", "urgent": "yes", "language": "en"}),
        ("pathway_step_reached", {"pathway": "self", "step": 3, "language": "en"}),
        ("pathway_step_reached", {"pathway": "young-people", "step": "30", "language": "sv"}),
        ("directory_search", {"country": "any", "language": "fi"}),
        ("directory_search", {"country": "SE", "language": "sv"}),
        ("referral_created", {"country": "FI"}),
        ("referral_acknowledged", {"country": "GB"}),
        ("mailbox_opened", {}),
    ],
)
def test_every_metric_on_the_allow_list_is_accepted(metric, dims):
    record(metric, **dims)
    assert total_of(metric) == 1
    assert total_of("stats_rejected") == 0


@pytest.mark.parametrize(
    ("metric", "dims", "counted_as"),
    [
        ("visitor_ip", {"address": "203.0.113.7"}, "unknown"),
        ("page_view", {"kind": "search", "language": "en"}, "page_view"),
        ("page_view", {"kind": "home", "language": "de"}, "page_view"),
        ("page_view", {"kind": "home"}, "page_view"),
        ("page_view", {"kind": "home", "language": "en", "referrer": "x"}, "page_view"),
        ("selfcheck_completed", {"pathway": "Self", "urgent": "no", "language": "en"},
         "selfcheck_completed"),
        ("selfcheck_completed", {"pathway": "self", "urgent": "maybe", "language": "en"},
         "selfcheck_completed"),
        ("pathway_step_reached", {"pathway": "self", "step": 31, "language": "en"},
         "pathway_step_reached"),
        ("pathway_step_reached", {"pathway": "self", "step": "03", "language": "en"},
         "pathway_step_reached"),
        ("pathway_step_reached", {"pathway": "my name is anna", "step": 1, "language": "en"},
         "pathway_step_reached"),
        ("pathway_step_reached", {"pathway": "x" * 41, "step": 1, "language": "en"},
         "pathway_step_reached"),
        ("directory_search", {"country": "XX", "language": "en"}, "directory_search"),
        ("directory_search", {"country": "FI-18", "language": "en"}, "directory_search"),
        ("referral_created", {"country": "any"}, "referral_created"),
        ("landing", {"campaign": "a|b=c", "language": "en"}, "landing"),
        ("mailbox_opened", {"codename": "correct-horse"}, "mailbox_opened"),
    ],
)
def test_anything_off_the_allow_list_is_not_stored_but_counted_as_rejected(
    metric, dims, counted_as
):
    record(metric, **dims)
    # One row, which names at most the metric: nothing the caller sent is kept.
    rows = list(DailyCount.objects.values_list("metric", "dims", "count"))
    assert rows == [("stats_rejected", f"metric={counted_as}", 1)]


def test_a_bad_call_never_raises():
    record("page_view", kind=object(), language=None)
    record(None)
    record("page_view", **{"kind": ["home"], "language": {"en": 1}})
    assert total_of("stats_rejected") == 3


def test_the_internal_metrics_are_not_published():
    assert "stats_rejected" not in metrics.PUBLISHED
    assert "stats_dropped" not in metrics.PUBLISHED
    assert set(metrics.FUNNEL) <= set(metrics.PUBLISHED)


def test_the_step_view_counts_the_step_number(client):
    client.get("/en/pathways/self/2/")
    assert count_of("pathway_step_reached", "language=en|pathway=self|step=2") == 1
    assert total_of("stats_rejected") == 0


def test_a_step_that_does_not_exist_is_not_counted(client):
    assert client.get("/en/pathways/no-such-pathway/1/").status_code == 404
    assert client.get("/en/pathways/self/29/").status_code == 404
    assert total_of("pathway_step_reached") == 0
    assert total_of("stats_rejected") == 0


def test_the_self_check_and_the_directory_send_allowed_values(client):
    client.get("/fi/find-help/?country=FI")
    client.get("/sv/find-help/")
    assert count_of("directory_search", "country=FI|language=fi") == 1
    assert count_of("directory_search", "country=any|language=sv") == 1
    assert total_of("stats_rejected") == 0


@pytest.mark.redis
def test_in_production_an_event_is_one_increment_of_the_days_redis_hash(stats_redis, settings):
    record("referral_created", country="FI")
    record("referral_created", country="FI")
    counters_sync()
    key = f"{settings.STATS_REDIS_PREFIX}{today().isoformat()}"
    assert stats_redis.hgetall(key) == {"referral_created|country=FI": "2"}
    assert DailyCount.objects.count() == 0


@pytest.mark.redis
def test_in_production_a_refused_event_is_counted_in_redis_too(stats_redis, settings):
    record("page_view", kind="nope", language="en")
    counters_sync()
    key = f"{settings.STATS_REDIS_PREFIX}{today().isoformat()}"
    assert stats_redis.hgetall(key) == {"stats_rejected|metric=page_view": "1"}


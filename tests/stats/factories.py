"""Counts and campaigns for the statistics tests."""

from datetime import date, timedelta

from content.models import Campaign
from stats import selectors
from stats.models import DailyCount
from stats.services import counts_add


def count_of(metric: str, dims: str = "", *, day: date | None = None) -> int:
    rows = DailyCount.objects.filter(metric=metric, dims=dims)
    if day is not None:
        rows = rows.filter(day=day)
    return sum(rows.values_list("count", flat=True))


def total_of(metric: str) -> int:
    return sum(DailyCount.objects.filter(metric=metric).values_list("count", flat=True))


def published_week(weeks_ago: int = 1) -> list[date]:
    """The seven days of a week the public may already see (1 = the last published one)."""
    sunday = selectors.published_through() - timedelta(days=7 * (weeks_ago - 1))
    return [sunday - timedelta(days=6 - offset) for offset in range(7)]


def add_counts(day: date, counts: dict[str, int]) -> None:
    """add_counts(day, {"selfcheck_completed|language=fi|pathway=self|urgent=no": 3})."""
    parsed = {}
    for key, count in counts.items():
        metric, _sep, dims = key.partition("|")
        parsed[(metric, dims)] = count
    counts_add(day=day, counts=parsed)


def campaign_make(slug="search-warning", language="en", **fields) -> Campaign:
    defaults = {
        "name": f"{slug} test",
        "title": f"Stop: a test warning ({language})",
        "message": "<p>This is illegal and harms real children. Help is here.</p>",
        "active": True,
    }
    defaults.update(fields)
    campaign, _created = Campaign.objects.update_or_create(
        slug=slug, language=language, defaults=defaults
    )
    return campaign

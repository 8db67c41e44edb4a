"""Reading the counts: raw for staff, suppressed for the public."""

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, pgettext, pgettext_lazy

from helpportal import cache
from helpportal.vocabulary import Audience, country_name

from . import metrics, suppression
from .models import DailyCount

WEEK_CACHE_SECONDS = 24 * 60 * 60
MAX_DAYS = 366

KIND_LABELS = {
    "home": pgettext_lazy("kind of page", "Home page"),
    "pathway": pgettext_lazy("kind of page", "Pathway overview"),
    "step": pgettext_lazy("kind of page", "Pathway step"),
    "plan": pgettext_lazy("kind of page", "Personal plan"),
    "page": pgettext_lazy("kind of page", "Information page"),
    "directory": pgettext_lazy("kind of page", "Provider search"),
    "selfcheck": pgettext_lazy("kind of page", "Self-check"),
    "landing": pgettext_lazy("kind of page", "Campaign page"),
    "open-data": pgettext_lazy("kind of page", "Open data"),
}

# The seeded pathways, in the audience words every app shares; the two pathways for parents
# are told apart. A pathway an editor adds later is shown by its key.
PATHWAY_LABELS = {
    "self": Audience.SELF.label,
    "someone-else": Audience.SOMEONE_ELSE.label,
    "parents": gettext_lazy("Parents: keeping children safe online"),
    "my-child": gettext_lazy("Parents: worried about their child's behaviour"),
    "young-people": Audience.YOUNG_PEOPLE.label,
    "none": gettext_lazy("No pathway"),
}
# The same words as the question's own answers (stats/_helped_form.html).
ANSWER_LABELS = {
    "yes": gettext_lazy("Yes"),
    "a-little": gettext_lazy("A little"),
    "not-yet": gettext_lazy("Not yet"),
    "prefer-not": gettext_lazy("Prefer not to say"),
}
WHERE_LABELS = {
    "pathway-end": gettext_lazy("At the end of a pathway"),
    "mailbox": gettext_lazy("In an open mailbox"),
}


def language_in_text(code: str) -> str:
    """A language's name as it reads inside a sentence or list ("suomi" in Finnish)."""
    return str(dict(settings.LANGUAGES).get(code, code))


def value_label(dimension: str, value: str) -> str:
    """A readable, translated name for a dimension value, standing on its own (a row label,
    so with a capital)."""
    if dimension == "language":
        return capfirst(language_in_text(value))
    if dimension == "country":
        if value == "any":
            return gettext("Any country")
        return country_name(value)
    if dimension == "urgent":
        return gettext("Yes") if value == "yes" else gettext("No")
    if dimension == "step":
        return pgettext("pathway step", "Step %(number)s") % {"number": value}
    if dimension == "kind":
        return str(KIND_LABELS.get(value, value))
    labels = {"pathway": PATHWAY_LABELS, "answer": ANSWER_LABELS, "where": WHERE_LABELS}
    return str(labels.get(dimension, {}).get(value, value))


# --------------------------------------------------------------------------------------------
# Staff: raw counts


def counts_between(*, start: date, end: date):
    return DailyCount.objects.filter(day__range=(start, end))


def totals_by_key(*, start: date, end: date) -> dict[tuple[str, str], int]:
    """{(metric, dims): count} summed over the days from start to end."""
    rows = (
        counts_between(start=start, end=end)
        .values("metric", "dims")
        .annotate(total=Sum("count"))
        .order_by()
    )
    return {(row["metric"], row["dims"]): row["total"] for row in rows}


@dataclass
class Dashboard:
    start: date
    end: date
    funnel: list[tuple[str, str, int]]  # (metric, label, count)
    languages: list[tuple[str, str]]  # (code, label)
    by_language: list[tuple[str, str, list[int]]]  # (metric, label, count per language)
    pathways: list[tuple[str, list[tuple[int, int]]]]  # (pathway, [(step, count)])
    rejected: list[tuple[str, int]]
    dropped: int
    daily_totals: list[tuple[date, int]] = field(default_factory=list)


def dashboard(*, start: date, end: date) -> Dashboard:
    """Everything the staff dashboard shows, from raw (unsuppressed) counts."""
    totals = totals_by_key(start=start, end=end)
    per_metric: dict[str, int] = defaultdict(int)
    per_language: dict[tuple[str, str], int] = defaultdict(int)
    steps: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rejected: dict[str, int] = defaultdict(int)
    for (metric, dims), count in totals.items():
        per_metric[metric] += count
        parsed = metrics.dims_parse(dims)
        if "language" in parsed:
            per_language[(metric, parsed["language"])] += count
        if metric == "pathway_step_reached":
            steps[parsed["pathway"]][int(parsed["step"])] += count
        if metric == "stats_rejected":
            rejected[parsed.get("metric", "unknown")] += count
    languages = [(code, value_label("language", code)) for code, _name in settings.LANGUAGES]
    with_language = [m for m in metrics.PUBLISHED if "language" in metrics.METRICS[m].names]
    return Dashboard(
        start=start,
        end=end,
        funnel=[(m, str(metrics.METRICS[m].label), per_metric.get(m, 0)) for m in metrics.FUNNEL],
        languages=languages,
        by_language=[
            (m, str(metrics.METRICS[m].label), [per_language.get((m, code), 0)
                                                 for code, _label in languages])
            for m in with_language
        ],
        pathways=[
            (pathway, [(number, by_step.get(number, 0))
                       for number in range(1, max(by_step) + 1)])
            for pathway, by_step in sorted(steps.items())
        ],
        rejected=sorted(rejected.items()),
        dropped=per_metric.get("stats_dropped", 0),
    )


def export_rows(*, start: date, end: date) -> Iterator[tuple[str, str, str, int]]:
    """(day, metric, dimensions, count) for every daily row in the range, for CSV."""
    rows = counts_between(start=start, end=end).order_by("day", "metric", "dims")
    for day, metric, dims, count in rows.values_list("day", "metric", "dims", "count").iterator():
        yield day.isoformat(), metric, dims, count


# --------------------------------------------------------------------------------------------
# Public: suppressed counts, published by whole ISO weeks


def published_through(now=None) -> date:
    """The last day the public may see: the Sunday of the last week that has ended (and has
    had STATS_PUBLISH_DELAY for late roll-ups)."""
    now = now or timezone.now()
    reference = timezone.localdate(now - settings.STATS_PUBLISH_DELAY)
    return reference - timedelta(days=reference.weekday() + 1)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Publication:
    start: date
    end: date  # the last day shown (never after published_through)
    through: date
    # metric -> the published weeks overlapping the range, oldest first
    weeks: dict[str, list[suppression.Week]]

    def daily(self) -> list[tuple[date, dict[str, suppression.Period]]]:
        by_day: dict[date, dict[str, suppression.Period]] = {}
        for metric, weeks in self.weeks.items():
            for week in weeks:
                for day, period in week.days.items():
                    if self.start <= day <= self.end:
                        by_day.setdefault(day, {})[metric] = period
        return sorted(by_day.items())

    def weekly(self) -> list[tuple[date, dict[str, suppression.Period]]]:
        by_week: dict[date, dict[str, suppression.Period]] = {}
        for metric, weeks in self.weeks.items():
            for week in weeks:
                by_week.setdefault(week.monday, {})[metric] = week.week
        return sorted(by_week.items())


def publication(*, start: date, end: date, now=None) -> Publication:
    """The suppressed counts of every published metric for each whole ISO week that overlaps
    start..end and has been published. The weeks are computed whole whatever the range, so
    every request shows the same suppression of the same numbers."""
    through = published_through(now)
    end = min(end, through)
    weeks: dict[str, list[suppression.Week]] = {metric: [] for metric in metrics.PUBLISHED}
    if start > end:
        return Publication(start=start, end=end, through=through, weeks=weeks)
    first, last = monday_of(start), monday_of(end)
    rows: dict[tuple[str, date], list[tuple[date, str, int]]] = defaultdict(list)
    queryset = DailyCount.objects.filter(
        day__range=(first, last + timedelta(days=6)), metric__in=metrics.PUBLISHED
    ).values_list("day", "metric", "dims", "count")
    for day, metric, dims, count in queryset.iterator():
        rows[(metric, monday_of(day))].append((day, dims, count))
    monday = first
    while monday <= last:
        for metric in metrics.PUBLISHED:
            weeks[metric].append(_week(metric, monday, rows.get((metric, monday), [])))
        monday += timedelta(days=7)
    return Publication(start=start, end=end, through=through, weeks=weeks)


def _week(metric: str, monday: date, rows: list[tuple[date, str, int]]) -> suppression.Week:
    rows = sorted(rows)
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:24]
    key = f"stats:published:{metric}:{monday.isoformat()}:{settings.STATS_SMALL_COUNT}:{digest}"
    found = cache.get(key)
    if found is not None:
        return found
    definition = metrics.METRICS[metric]
    week = suppression.week_protect(
        days=[monday + timedelta(days=offset) for offset in range(7)],
        rows=[(day, metrics.dims_parse(dims), count) for day, dims, count in rows],
        dimensions=[(d.name, d.listed()) for d in definition.dimensions],
        threshold=settings.STATS_SMALL_COUNT,
    )
    cache.set(key, week, WEEK_CACHE_SECONDS)
    return week

"""The open-data page and feed (suppressed counts) and the staff dashboard (raw counts)."""

import csv
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accounts import roles
from helpportal.cache_headers import public_page
from helpportal.origin import post_from_this_site

from . import charts, metrics, selectors
from .ranges import DateRange, RangeError, date_range_parse
from .services import helped_answer_allowed, record, today

PAGE_DAYS = 28  # the open-data page shows the last four published weeks by default
FEED_DAYS = {"day": 28, "week": 84}
DASHBOARD_DAYS = 28
SUPPRESSION_NOTE = (
    "null means hidden: every count from 1 to {largest} is hidden, and where needed one more "
    "count, so that no small count can be worked out from a total. Weeks are ISO weeks (Monday "
    "to Sunday), published once they have ended."
)


# --------------------------------------------------------------------------------------------
# Public


@require_safe
@public_page
def open_data(request):
    record("page_view", kind="open-data", language=get_language())
    through = selectors.published_through()
    error = ""
    try:
        chosen = date_range_parse(request.GET, default_end=through, default_days=PAGE_DAYS)
    except RangeError as exc:
        error = str(exc)
        chosen = DateRange(start=through - timedelta(days=PAGE_DAYS - 1), end=through)
    tables = [] if error else _tables(selectors.publication(start=chosen.start, end=chosen.end))
    context = {
        "error": error,
        "chosen": chosen,
        "through": through,
        "tables": tables,
        "feed_daily": f"{reverse('stats_feed', args=['daily'])}?{chosen.as_query()}",
        "feed_weekly": f"{reverse('stats_feed', args=['weekly'])}?{chosen.as_query()}",
        "largest_hidden": settings.STATS_SMALL_COUNT - 1,
    }
    return render(request, "stats/open_data.html", context, status=400 if error else 200)


# The form is on cached public pages, which carry no CSRF token (they set no cookie). A POST
# from another site is refused (post_from_this_site); one that slips past can only add one
# count, and each client's answers are counted a few times a day at most.
@csrf_exempt
@require_POST
def helped(request):
    """An answer to "Has this helped you stop or reduce what worried you?": counted as a
    daily aggregate (metric "helped"), nothing else kept; a thank-you page, never cached."""
    if not post_from_this_site(request):
        return render(request, "errors/403_other_site.html", {"sensitive": True}, status=403)
    answer = request.POST.get("answer", "")
    where = request.POST.get("where", "")
    if answer not in metrics.HELPED_ANSWERS or where not in metrics.HELPED_WHERE:
        return render(request, "stats/helped.html", {"invalid": True, "sensitive": True},
                      status=400)
    if helped_answer_allowed(str(request.client_key)):
        record("helped", answer=answer, where=where, language=get_language())
    return render(request, "stats/helped.html", {"answer": answer, "sensitive": True})


def _tables(published: selectors.Publication) -> list[dict]:
    """One table per metric: rows are the total and each breakdown, columns the weeks (newest
    first, so that a phone shows the latest week without scrolling)."""
    tables = []
    for name in metrics.PUBLISHED:
        weeks = list(reversed(published.weeks[name]))
        if not weeks:
            continue
        definition = metrics.METRICS[name]
        groups = []
        for dimension in definition.dimensions:
            values = list(dict.fromkeys(v for week in weeks for v in week.week.by[dimension.name]))
            if not values:
                continue
            groups.append({
                "label": dimension.label,
                "rows": [
                    {
                        "label": selectors.value_label(dimension.name, value),
                        "values": [week.week.by[dimension.name].get(value, 0) for week in weeks],
                    }
                    for value in values
                ],
            })
        tables.append({
            "name": name,
            "label": definition.label,
            "description": definition.description,
            "weeks": [{"monday": w.monday, "sunday": w.monday + timedelta(days=6)}
                      for w in weeks],
            "totals": [week.week.total for week in weeks],
            "groups": groups,
        })
    return tables


@require_safe
@public_page
def feed(request, period):
    """/api/stats/daily.json and weekly.json: the suppressed counts as JSON."""
    period = "day" if period == "daily" else "week"
    through = selectors.published_through()
    try:
        chosen = date_range_parse(
            request.GET, default_end=through, default_days=FEED_DAYS[period]
        )
    except RangeError as exc:
        return _json({"status": 400, "message": str(exc)}, status=400)
    published = selectors.publication(start=chosen.start, end=chosen.end)
    if period == "day":
        data = [
            {"day": day.isoformat(), "metrics": _metrics_json(by_metric)}
            for day, by_metric in published.daily()
        ]
    else:
        data = [
            {
                "week": selectors.week_label(monday),
                "start": monday.isoformat(),
                "end": (monday + timedelta(days=6)).isoformat(),
                "metrics": _metrics_json(by_metric),
            }
            for monday, by_metric in published.weekly()
        ]
    body = {
        "period": period,
        "from": chosen.start.isoformat(),
        "to": chosen.end.isoformat(),
        "published_through": through.isoformat(),
        "suppression": {
            "threshold": settings.STATS_SMALL_COUNT,
            "note": SUPPRESSION_NOTE.format(largest=settings.STATS_SMALL_COUNT - 1),
        },
        "metrics": {
            name: {"dimensions": [d.name for d in metrics.METRICS[name].dimensions]}
            for name in metrics.PUBLISHED
        },
        "data": data,
    }
    response = _json(body)
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


def _metrics_json(by_metric: dict) -> dict:
    return {name: period.as_dict() for name, period in by_metric.items()}


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


# --------------------------------------------------------------------------------------------
# Staff (under /staff/: signed in with a second factor; never cached)


def _staff_range(request) -> tuple[DateRange, str]:
    end = today()
    try:
        return date_range_parse(request.GET, default_end=end, default_days=DASHBOARD_DAYS), ""
    except RangeError as exc:
        return DateRange(start=end - timedelta(days=DASHBOARD_DAYS - 1), end=end), str(exc)


def _staff_only(request) -> None:
    if not roles.may_read_statistics(request.user):
        raise PermissionDenied


@login_required
@require_safe
def dashboard(request):
    _staff_only(request)
    chosen, error = _staff_range(request)
    data = selectors.dashboard(start=chosen.start, end=chosen.end)
    context = {
        "chosen": chosen,
        "error": error,
        "data": data,
        "funnel": _funnel_chart(data),
        "languages": _language_chart(data),
        "pathways": _pathway_charts(data),
        "export_url": f"{reverse('stats:export')}?{chosen.as_query()}",
    }
    return render(request, "stats/dashboard.html", context, status=400 if error else 200)


def _share(count: int, of: int) -> str:
    """count as a whole percentage of `of`, which the caller makes at least `count` (a share
    above 100 % would say nothing)."""
    return f"{round(100 * count / of)} %" if of else "-"


def _funnel_chart(data: selectors.Dashboard) -> charts.Chart:
    return charts.bar_chart(
        key="funnel",
        title=_("From arrival to help, %(start)s to %(end)s")
        % {"start": date_format(data.start), "end": date_format(data.end)},
        description=_(
            "Horizontal bars, one per stage: %(stages)s. The table below gives the same numbers."
        ) % {"stages": "; ".join(f"{label} {count}" for _m, label, count in data.funnel)},
        rows=[
            (label, [(label, count, str(count))]) for _metric, label, count in data.funnel
        ],
    )


def _language_chart(data: selectors.Dashboard) -> charts.Chart:
    languages = data.languages
    return charts.bar_chart(
        key="languages",
        title=_("By language"),
        description=_(
            "Grouped horizontal bars: for each measure, one bar per language (%(languages)s), "
            "each labelled with its language and number. The table below gives the same numbers."
        ) % {"languages": ", ".join(selectors.language_in_text(code) for code, _l in languages)},
        rows=[
            (label, [(languages[i][1], count, f"{languages[i][0]}: {count}")
                     for i, count in enumerate(counts)])
            for _metric, label, counts in data.by_language
        ],
    )


def _pathway_charts(data: selectors.Dashboard) -> list[dict]:
    drawn = []
    for pathway, steps in data.pathways:
        # Shares of the step read most, not of step 1: a visitor can open any step first (a
        # link, a bookmark), so a later step can have more readers than step 1.
        most = max((count for _number, count in steps), default=0)
        label = selectors.value_label("pathway", pathway)
        rows = [
            (_("Step %(number)s") % {"number": number},
             [(str(number), count, f"{count} ({_share(count, most)})")])
            for number, count in steps
        ]
        chart = charts.bar_chart(
            key=f"pathway-{pathway}",
            title=_("Pathway %(pathway)s: readers at each step") % {"pathway": label},
            description=_(
                "Horizontal bars, one per step, each labelled with the number of readers and "
                "their share of the step read most: %(steps)s."
            ) % {"steps": "; ".join(f"{number}: {count}" for number, count in steps)},
            rows=rows,
        )
        drawn.append({
            "pathway": pathway,
            "label": label,
            "chart": chart,
            "steps": [(number, count, _share(count, most)) for number, count in steps],
        })
    return drawn


@login_required
@require_safe
def export(request):
    """The raw daily counts of the range as CSV: day, metric, dimensions, count."""
    _staff_only(request)
    chosen, error = _staff_range(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="helpportal-stats-{chosen.start}-{chosen.end}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["day", "metric", "dimensions", "count"])
    writer.writerows(selectors.export_rows(start=chosen.start, end=chosen.end))
    return response

"""A visitor's journey is counted (and nothing about them is), the roll-up runs, and a staff
member sees it in the dashboard's funnel; the open data and the dashboard pass axe."""

import os
import uuid
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group

from content.models import Campaign
from stats.services import counts_add, rollup_run
from tests.staff.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def counting(settings):
    """Counting as in production when Redis is there (under a prefix of this test's own),
    else straight into the database as in the embedded mode."""
    url = os.environ.get("REDIS_URL", "")
    settings.STATS_REDIS_URL = url
    prefix = f"test-stats-e2e-{uuid.uuid4().hex[:8]}:"
    settings.STATS_REDIS_PREFIX = prefix
    yield
    if url:
        import redis

        client = redis.Redis.from_url(url)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)


def test_a_counted_journey_shows_in_the_staff_funnel(new_context, axe_violations, counting):
    Campaign.objects.update_or_create(
        slug="search-warning", language="en",
        defaults={"name": "test", "title": "Stop: this can lead to abuse images",
                  "message": "<p>Every image is a real child. Help is here.</p>"},
    )
    visitor = new_context(javascript=False)
    page = visitor.page
    visitor.goto("/en/go/search-warning/")
    assert page.get_by_role("heading", name="Stop: this can lead to abuse images").is_visible()
    page.get_by_role("link", name="Not sure where to start? Take a short self-check").click()
    assert page.url.endswith("/en/self-check/")
    for name in ("who_0", "happened_1", "offline-worry_1", "feeling_0", "help-before_0", "want_0"):
        page.locator(f"#id_{name}").check()
    page.get_by_role("button", name="See what may help").click()
    visitor.goto("/en/pathways/self/1/")
    visitor.goto("/en/pathways/self/2/")
    visitor.goto("/en/find-help/")
    page.select_option("#country", "FI")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert visitor.foreign_requests == []

    rollup_run()

    staff = new_context(javascript=True)
    user = make_user("stats-editor")
    user.groups.add(Group.objects.get(name="Editors"))
    page = staff.page
    staff.sign_in(user)
    staff.goto("/staff/stats/")

    chart = page.locator('svg[role="img"][aria-labelledby="funnel-title funnel-desc"]')
    assert chart.is_visible()
    assert "From arrival to help" in chart.locator("title").first.text_content()
    bars = {}
    for rect in chart.locator("rect").all():
        label = rect.locator("title").text_content().rsplit(":", 1)[0]
        bars[label] = int(rect.get_attribute("data-value"))
    assert bars["Arrivals on a campaign page"] >= 1
    assert bars["Self-checks completed"] >= 1
    assert bars["Pathway steps read"] >= 2
    assert bars["Searches for a provider"] >= 1
    table = {
        row.get_attribute("data-metric"): int(row.locator("td").inner_text())
        for row in page.locator("tr[data-metric]").all()
    }
    assert table["landing"] >= 1 and table["pathway_step_reached"] >= 2
    assert axe_violations(page) == []


def test_the_open_data_page_has_no_accessibility_violations(new_context, axe_violations):
    for offset, count in enumerate([3, 40, 0, 12, 250, 7, 31]):
        day = date(2025, 1, 6) + timedelta(days=offset)
        counts_add(day=day, counts={
            ("selfcheck_completed", "language=fi|pathway=self|urgent=no"): count,
            ("selfcheck_completed", "language=en|pathway=parents|urgent=yes"): 40 - offset,
            ("page_view", "kind=step|language=sv"): count * 3,
        })
    visit = new_context(javascript=True)
    for language in ("en", "fi", "sv"):
        visit.goto(f"/{language}/open-data/?from=2025-01-01&to=2025-03-31")
        assert axe_violations(visit.page) == []
    # The page with its error message, too (a 400).
    response = visit.page.goto(visit.url("/en/open-data/?from=2025-02-01&to=2025-01-01"))
    assert response.status == 400
    assert visit.page.get_by_role("alert").is_visible()
    assert axe_violations(visit.page) == []

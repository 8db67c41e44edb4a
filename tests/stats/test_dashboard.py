"""The staff dashboard: signed-in editors and administrators only, raw counts as accessible
SVG charts and tables, and the CSV export of the daily counts."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from accounts.models import Membership
from accounts.roles import EDITORS_GROUP
from stats.services import today
from tests.referrals.factories import make_organization
from tests.staff.factories import make_user, sign_in

from .factories import add_counts

pytestmark = pytest.mark.django_db


def make_editor(username="editor"):
    user = make_user(username)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


@pytest.fixture
def staff_client(client):
    sign_in(client, make_editor())
    return client


def some_counts():
    day = today()
    add_counts(day, {
        "landing|campaign=search-warning|language=en": 7,
        "selfcheck_completed|language=fi|pathway=self|urgent=no": 3,
        "pathway_step_reached|language=en|pathway=self|step=1": 20,
        "pathway_step_reached|language=en|pathway=self|step=2": 15,
        "pathway_step_reached|language=fi|pathway=self|step=2": 1,
        "directory_search|country=FI|language=fi": 4,
        "referral_created|country=FI": 2,
        "stats_rejected|metric=page_view": 5,
        "stats_dropped|": 6,
    })
    add_counts(day - timedelta(days=40), {"referral_created|country=SE": 9})
    return day


def test_the_dashboard_asks_a_visitor_to_sign_in(client):
    response = client.get("/staff/stats/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert client.get("/staff/stats/export.csv").status_code == 302


def test_a_password_alone_is_not_enough(client):
    user = make_user("editor")
    client.force_login(user)  # no second factor yet
    response = client.get("/staff/stats/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/verify/")


def test_a_signed_in_account_that_is_not_staff_is_refused(client):
    sign_in(client, make_user("someone", staff=False))
    assert client.get("/staff/stats/").status_code == 403
    assert client.get("/staff/stats/export.csv").status_code == 403


def test_clinicians_and_managers_are_refused(client):
    organization = make_organization()
    for role in (Membership.Role.CLINICIAN, Membership.Role.MANAGER):
        user = make_user(f"staff-{role}")
        Membership.objects.create(user=user, organization=organization, role=role)
        sign_in(client, user)
        assert client.get("/staff/stats/").status_code == 403
        assert client.get("/staff/stats/export.csv").status_code == 403


def test_an_administrator_reads_the_dashboard(client):
    sign_in(client, make_user("admin", superuser=True))
    assert client.get("/staff/stats/").status_code == 200
    assert client.get("/staff/stats/export.csv").status_code == 200


def test_staff_see_the_raw_counts_in_charts_and_tables(staff_client):
    some_counts()
    response = staff_client.get("/staff/stats/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    funnel = dict(
        (metric, int(count))
        for metric, count in re.findall(r'<tr data-metric="(\w+)"><th scope="row">[^<]+</th>'
                                        r"<td>(\d+)</td>", page)
    )
    assert funnel == {
        "landing": 7, "selfcheck_completed": 3, "pathway_step_reached": 36,
        "directory_search": 4, "referral_created": 2, "referral_acknowledged": 0,
    }
    # Raw, not suppressed: the 3 is shown as 3.
    assert response.context["data"].funnel[1][2] == 3
    assert page.count('role="img"') >= 3
    for key in ("funnel", "languages", "pathway-self"):
        assert f'<title id="{key}-title">' in page
        assert f'<desc id="{key}-desc">' in page
        assert f'aria-labelledby="{key}-title {key}-desc"' in page
    steps = response.context["pathways"][0]["steps"]
    assert steps == [(1, 20, "100 %"), (2, 16, "80 %")]
    assert "6 counts were lost" in page


def test_the_date_range_filter_narrows_the_counts(staff_client):
    day = some_counts()
    old = day - timedelta(days=40)
    response = staff_client.get(f"/staff/stats/?from={old}&to={old}")
    assert response.context["data"].funnel[4][2] == 9  # referral_created in SE, 40 days ago


def test_a_bad_range_on_the_dashboard_is_explained(staff_client):
    response = staff_client.get("/staff/stats/?from=2025-02-01&to=2025-01-01")
    assert response.status_code == 400
    assert "The start date must be on or before the end date." in response.content.decode()


def test_the_csv_export_has_every_daily_row_of_the_range(staff_client):
    day = some_counts()
    response = staff_client.get(f"/staff/stats/export.csv?from={day - timedelta(days=1)}&to={day}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["day", "metric", "dimensions", "count"]
    selfchecks = [day.isoformat(), "selfcheck_completed", "language=fi|pathway=self|urgent=no", "3"]
    assert selfchecks in rows
    assert [day.isoformat(), "stats_dropped", "", "6"] in rows
    assert len(rows) == 1 + 9  # the row from 40 days ago is outside the range
    assert all(row[0] == day.isoformat() for row in rows[1:])


def test_a_bad_range_for_the_export_is_a_400(staff_client):
    assert staff_client.get("/staff/stats/export.csv?from=x").status_code == 400

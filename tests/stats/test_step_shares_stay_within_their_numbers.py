"""The dashboard's step-by-step shares: a percentage of the step read most, so none is above
100 % even when a later step has more readers than step 1 (a bookmark, a link to a step)."""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import formats

from accounts.roles import EDITORS_GROUP
from stats.services import today
from stats.views import _share
from tests.staff.factories import make_user, sign_in

from .factories import add_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    editor = make_user("editor")
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    sign_in(client, editor)
    return client


def test_a_later_step_read_more_than_step_1_is_at_most_100_percent(staff_client):
    add_counts(today(), {
        "pathway_step_reached|language=en|pathway=self|step=1": 6,
        "pathway_step_reached|language=en|pathway=self|step=5": 12,
    })
    response = staff_client.get("/staff/stats/")
    page = response.content.decode()
    steps = response.context["pathways"][0]["steps"]
    assert steps == [(1, 6, "50 %"), (2, 0, "0 %"), (3, 0, "0 %"), (4, 0, "0 %"),
                     (5, 12, "100 %")]
    shares = [int(share) for share in re.findall(r"\((\d+) %\)", page)]
    assert shares and max(shares) <= 100
    assert "200 %" not in page
    # Named by its audience, not its key; the chart's dates in the locale's format.
    assert response.context["pathways"][0]["label"] == "People worried about themselves"
    assert formats.date_format(today()) in page


def test_a_share_of_nothing_is_a_dash():
    assert _share(0, 0) == "-"

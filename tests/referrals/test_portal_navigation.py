"""The staff navigation: every portal page reaches every other in at most two clicks, and signs
out in one; the same navigation on the staff error pages and in the admin."""

import re
from collections import deque

import pytest

from accounts.models import Membership
from referrals.services import referral_create
from tests.referrals.factories import (
    login_verified,
    make_member,
    make_organization,
    make_service,
    make_user,
)
from tests.staff.factories import sign_in

pytestmark = pytest.mark.django_db

HREF = re.compile(r'<a [^>]*href="(/staff/[^"#?]*)')
SIGN_OUT = re.compile(r'<form method="post" action="/staff/logout/"[^>]*>.*?<button type="submit">'
                      r"Sign out", re.S)


@pytest.fixture
def manager():
    organization = make_organization("Organisation A", country="FI")
    service = make_service(organization, name="Service of A")
    referral_create(service=service, message="Please help me stop")
    return make_member(organization, "aino", role=Membership.Role.MANAGER)


def crawl(client, start="/staff/portal/"):
    """Every staff page reachable by links from `start`, each with the pages it links to."""
    links, queue = {}, deque([start])
    while queue:
        path = queue.popleft()
        if path in links:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert SIGN_OUT.search(html), f"{path} has no sign-out button"
        links[path] = {link for link in HREF.findall(html) if not link.startswith(
            ("/staff/admin/", "/staff/logout/"))}
        queue.extend(links[path] - set(links))
    return links


def clicks(links, start) -> dict:
    distance, queue = {start: 0}, deque([start])
    while queue:
        path = queue.popleft()
        for link in links[path]:
            if link not in distance:
                distance[link] = distance[path] + 1
                queue.append(link)
    return distance


def test_every_portal_page_reaches_every_other_in_two_clicks_and_signs_out_in_one(
        client, manager):
    login_verified(client, manager)
    links = crawl(client)
    # The pages a manager works on, all found by following links.
    for part in ("/referrals/", "/services/", "/members/", "/words/", "/staff/account/"):
        assert any(part in path for path in links), part
    assert len(links) >= 7
    for start in links:
        distance = clicks(links, start)
        far = {path: hops for path, hops in distance.items() if hops > 2}
        unreached = set(links) - set(distance)
        assert not far and not unreached, (start, far, unreached)


def test_the_current_page_is_marked_in_the_navigation(client, manager):
    login_verified(client, manager)
    html = client.get("/staff/portal/").content.decode()
    assert '<a href="/staff/portal/" aria-current="page">Overview</a>' in html
    assert html.count('aria-current="page"') == 1


def test_the_staff_404_and_403_pages_have_the_staff_layout_and_navigation(client, manager):
    login_verified(client, manager)
    missing = client.get("/staff/portal/organisations/00000000-0000-0000-0000-000000000000/"
                         "referrals/")
    assert missing.status_code == 404
    html = missing.content.decode()
    assert 'aria-label="Staff pages"' in html and SIGN_OUT.search(html)
    assert "staff.css" in html and "site.css" not in html


def test_a_signed_out_visitor_sees_the_staff_404_without_navigation(client):
    response = client.get("/staff/nothing-here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "staff.css" in html and 'aria-label="Staff pages"' not in html
    assert 'href="/staff/login/"' in html


def test_an_editor_has_the_navigation_in_the_admin_with_statistics_and_sign_out(client):
    from django.contrib.auth.models import Group

    from accounts.roles import EDITORS_GROUP

    editor = make_user("edith")
    Group.objects.get_or_create(name=EDITORS_GROUP)[0].user_set.add(editor)
    sign_in(client, editor)
    html = client.get("/staff/admin/").content.decode()
    nav = html[html.index('aria-label="Staff pages"'):]
    nav = nav[:nav.index("</nav>")]
    assert 'href="/staff/stats/"' in nav and 'href="/staff/account/"' in nav
    assert "/staff/portal/" not in nav  # an editor has no portal
    assert SIGN_OUT.search(html)
    account = client.get("/staff/account/").content.decode()
    assert 'href="/staff/admin/"' in account  # and back

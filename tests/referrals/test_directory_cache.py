"""The directory's pages are rendered once per search and directory version, then reused.

Any change to an organisation, service or location (portal, admin, HSDS import) makes the
next request render afresh in the same process at once; a reused page is byte-for-byte and
header-for-header the page a fresh rendering gives, and every request is still counted.
"""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from directory import selectors
from directory.models import Organization, Service
from tests.referrals.factories import login_verified, make_member, make_organization, make_service
from tests.stats.factories import count_of

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "directory" / "seed" / "demo-directory.json"
FINNISH_CHAT = "36bf1277-bffd-4e66-90d8-fc2b55dc2070"
SEARCH = {"country": "FI", "language": "fi", "mode": "video", "cost": "free"}
NOTICE = "were not understood and were left out"


@pytest.fixture
def service():
    organization = make_organization("Cached organisation", country="FI")
    return make_service(organization, name="Cached video help", languages=["fi"],
                        delivery_modes=["video"], cost="free")


def service_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"referrals_service"' in q["sql"]]


def test_a_repeated_search_renders_nothing_and_reads_no_service(client, service):
    first = client.get("/fi/find-help/", SEARCH)
    assert "directory/directory.html" in [t.name for t in first.templates]
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/fi/find-help/", SEARCH)
    assert second.templates == []
    assert service_queries(queries) == []
    assert second.content == first.content
    assert "Cached video help" in second.content.decode()


def test_two_spellings_of_one_search_share_one_rendering(client, service):
    client.get("/fi/find-help/", {"country": "fi", "language": "FI"})
    again = client.get("/fi/find-help/", {"country": " FI ", "language": "fi"})
    assert again.templates == []
    assert "Cached video help" in again.content.decode()


def test_each_language_has_its_own_rendering(client, service):
    client.get("/fi/find-help/", SEARCH)
    swedish = client.get("/sv/find-help/", SEARCH)
    assert swedish.templates != []
    assert '<html lang="sv"' in swedish.content.decode()


def test_the_unfiltered_directory_and_a_service_page_are_reused(client, service):
    for path in ("/en/find-help/", f"/en/find-help/{service.pk}/"):
        first = client.get(path)
        assert first.templates != []
        again = client.get(path)
        assert again.templates == []
        assert again.content == first.content


def test_a_reused_page_has_the_same_headers_and_sets_no_cookie(client, service):
    first = client.get("/fi/find-help/", SEARCH)
    again = client.get("/fi/find-help/", SEARCH)
    assert again.templates == []
    assert not again.cookies
    assert "s-maxage=60" in again.headers["Cache-Control"]
    assert "Content-Security-Policy" in again.headers
    assert dict(again.headers) == dict(first.headers)


@pytest.mark.parametrize("query", [{"country": "XX"}, {"country": "<script>"},
                                   {"cost": "cheap"}, {"accepting": "maybe"}])
def test_an_ignored_filter_still_shows_its_notice_when_reused(client, service, query):
    assert NOTICE not in client.get("/en/find-help/").content.decode()
    for _ in range(2):
        assert NOTICE in client.get("/en/find-help/", query).content.decode()
    assert NOTICE not in client.get("/en/find-help/").content.decode()


def test_garbage_values_share_one_rendering_and_the_kept_renderings_are_bounded(
    client, service, monkeypatch
):
    client.get("/en/find-help/", {"country": "QQ"})
    kept = len(selectors.DIRECTORY_RENDERS)
    for number in range(20):
        response = client.get("/en/find-help/", {"country": f"Z{number}", "mode": "x" * number})
        assert NOTICE in response.content.decode()
    assert len(selectors.DIRECTORY_RENDERS) == kept + 1  # ignored country, and ignored mode

    monkeypatch.setattr(selectors.DIRECTORY_RENDERS, "size", 3)
    for country in ("FI", "SE", "NO", "DK", "IS"):
        client.get("/en/find-help/", {"country": country})
    assert len(selectors.DIRECTORY_RENDERS) == 3


def test_every_request_is_counted_even_when_the_page_is_reused(client, service, settings):
    settings.STATS_REDIS_URL = ""  # counts go straight to the database
    for _ in range(3):
        client.get("/fi/find-help/", {"country": "FI"})
    assert count_of("directory_search", "country=FI|language=fi") == 3


def test_a_portal_edit_shows_at_once_on_the_search_and_the_service_page(
    client, service, django_capture_on_commit_callbacks
):
    detail = f"/en/find-help/{service.pk}/"
    waiting = "Waiting list: about 11 weeks"
    assert waiting not in client.get("/en/find-help/", {"country": "FI"}).content.decode()
    assert waiting not in client.get(detail).content.decode()

    login_verified(client, make_member(service.organization, role=Membership.Role.CLINICIAN))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/portal/services/{service.pk}/", {
            "status": "active", "intake": "waitlist", "waitlist_weeks": "11",
            "languages": "fi", "service_areas": "FI", "delivery_modes": ["video"],
        })
    assert response.status_code == 302

    assert waiting in client.get("/en/find-help/", {"country": "FI"}).content.decode()
    assert waiting in client.get(detail).content.decode()


def test_a_change_that_is_not_committed_yet_shows_only_after_the_commit(
    client, service, django_capture_on_commit_callbacks
):
    client.get("/en/find-help/")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Service.objects.filter(pk=service.pk).get().delete()
    assert len(callbacks) == 1
    assert "Cached video help" in client.get("/en/find-help/").content.decode()
    callbacks[0]()
    assert "Cached video help" not in client.get("/en/find-help/").content.decode()


def test_an_admin_style_save_or_cascading_delete_shows_at_once(
    client, service, django_capture_on_commit_callbacks
):
    client.get(f"/en/find-help/{service.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        organization = Organization.objects.get(pk=service.organization_id)
        organization.name = "Renamed organisation"
        organization.save()
    assert "Renamed organisation" in client.get(f"/en/find-help/{service.pk}/").content.decode()
    assert "Renamed organisation" in client.get("/en/find-help/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        organization.delete()
    assert client.get(f"/en/find-help/{service.pk}/").status_code == 404
    assert "Cached video help" not in client.get("/en/find-help/").content.decode()


def test_an_hsds_import_shows_at_once_and_bumps_the_version_once(
    client, tmp_path, django_capture_on_commit_callbacks
):
    detail = f"/en/find-help/{FINNISH_CHAT}/"
    assert "Renamed chat" not in client.get("/en/find-help/").content.decode()
    assert "Renamed chat" not in client.get(detail).content.decode()
    version = selectors.directory_version()

    document = json.loads(DEMO.read_text(encoding="utf-8"))
    for organization in document["organizations"]:
        organization["name"] += " (renamed)"
        for record in organization["services"]:
            if record["id"] == FINNISH_CHAT:
                record["name"] = "Renamed chat (demo)"
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("hsds_import", str(path), verbosity=0)

    assert selectors.directory_version() == version + 1  # once per import, not once per row
    assert "Renamed chat (demo)" in client.get("/en/find-help/").content.decode()
    assert "Renamed chat (demo)" in client.get(detail).content.decode()

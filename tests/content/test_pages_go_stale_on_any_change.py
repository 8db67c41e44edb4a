"""A rendered public page goes stale on any change to what it shows, not only on a publish.

The changes go through the real admin, signed in as staff; each page is viewed (and so kept
rendered) before the change and must show the change on the next view.
"""

import re
import time

import pytest
from django.core.cache import cache

from content.models import Page, Step
from helpportal import renders
from tests.content.factories import make_pathway, make_staff
from tests.staff.factories import sign_in

pytestmark = pytest.mark.django_db

ADMIN = "/staff/admin/content"


@pytest.fixture
def editor_client(client):
    sign_in(client, make_staff(superuser=True))
    return client


def pathway_form(pathway) -> dict:
    """The pathway's admin form with its steps inline, as the browser posts it unchanged."""
    steps = list(pathway.steps.all())
    data = {
        "key": pathway.key,
        "audience": pathway.audience,
        "order": pathway.order,
        "steps-TOTAL_FORMS": len(steps),
        "steps-INITIAL_FORMS": len(steps),
        "steps-MIN_NUM_FORMS": 0,
        "steps-MAX_NUM_FORMS": 1000,
    }
    for index, step in enumerate(steps):
        data.update({
            f"steps-{index}-id": step.pk,
            f"steps-{index}-pathway": pathway.pk,
            f"steps-{index}-key": step.key,
            f"steps-{index}-order": step.order,
            f"steps-{index}-minutes": step.minutes,
        })
    return data


def admin_save(client, capture, url, data):
    with capture(execute=True):  # the test's transaction never commits: run on_commit now
        response = client.post(url, {**data, "_save": "Save"})
    assert response.status_code == 302, response.content.decode()[:2000]


def pathway_page(client) -> str:
    return client.get("/en/pathways/test-pathway/").content.decode()


def home_pathway_keys(client) -> list[str]:
    html = client.get("/en/").content.decode()
    return re.findall(r'href="/en/pathways/([a-z0-9-]+)/"', html)


def test_a_steps_minutes_changed_in_the_admin_show_on_the_pathway_page_at_once(
    editor_client, django_capture_on_commit_callbacks
):
    pathway = make_pathway()
    assert "about 4 minutes in all" in pathway_page(editor_client)
    data = pathway_form(pathway)
    data["steps-0-minutes"] = 17
    admin_save(editor_client, django_capture_on_commit_callbacks,
               f"{ADMIN}/pathway/{pathway.pk}/change/", data)
    html = pathway_page(editor_client)
    assert "about 19 minutes in all" in html
    assert "17 min" in html


def test_a_pathways_order_changed_in_the_admin_shows_on_the_home_page_at_once(
    editor_client, django_capture_on_commit_callbacks
):
    pathway = make_pathway()
    assert home_pathway_keys(editor_client)[-1] == "test-pathway"  # order 99: last
    data = pathway_form(pathway)
    data["order"] = 0
    admin_save(editor_client, django_capture_on_commit_callbacks,
               f"{ADMIN}/pathway/{pathway.pk}/change/", data)
    assert home_pathway_keys(editor_client)[0] == "test-pathway"


def test_a_page_marked_sensitive_in_the_admin_gets_its_neutral_title_at_once(
    editor_client, django_capture_on_commit_callbacks, settings
):
    settings.NEUTRAL_TITLES = True
    page = Page.objects.get(key="about")
    assert not page.sensitive
    assert "<title>Information</title>" not in editor_client.get("/en/about/").content.decode()
    admin_save(editor_client, django_capture_on_commit_callbacks,
               f"{ADMIN}/page/{page.pk}/change/", {"key": "about", "sensitive": "on"})
    assert "<title>Information</title>" in editor_client.get("/en/about/").content.decode()


def test_a_step_deleted_in_the_admin_is_gone_from_its_pathway_at_once(
    editor_client, django_capture_on_commit_callbacks
):
    pathway = make_pathway()
    assert "2 steps" in pathway_page(editor_client)
    assert editor_client.get("/en/pathways/test-pathway/2/").status_code == 200
    data = pathway_form(pathway)
    data["steps-1-DELETE"] = "on"
    admin_save(editor_client, django_capture_on_commit_callbacks,
               f"{ADMIN}/pathway/{pathway.pk}/change/", data)
    assert not Step.objects.filter(pathway=pathway, key="step-2").exists()
    assert "1 step," in pathway_page(editor_client)
    assert editor_client.get("/en/pathways/test-pathway/2/").status_code == 404


def test_a_page_kept_in_this_process_is_not_served_once_older_than_the_render_cache_ttl(
    client, monkeypatch
):
    make_pathway()
    assert "about 4 minutes in all" in pathway_page(client)
    # A change that sends no signal (nothing bumps the version) and the cache's own expiry:
    # only the copy kept in this process could still serve the old page.
    Step.objects.filter(pathway__key="test-pathway").update(minutes=20)
    cache.clear()
    assert "about 4 minutes in all" in pathway_page(client)
    later = time.time() + renders.RENDER_CACHE_SECONDS + 1
    monkeypatch.setattr(renders.time, "time", lambda: later)
    assert "about 40 minutes in all" in pathway_page(client)


def content_a_visitor_sees():
    from django.apps import apps

    from content.models import ContentVersion, Revision

    models = apps.get_app_config("content").get_models()
    return [model for model in models if model not in (ContentVersion, Revision)]


@pytest.mark.parametrize("model", content_a_visitor_sees(), ids=lambda model: model.__name__)
def test_saving_or_deleting_any_content_a_visitor_sees_makes_the_rendered_pages_stale(
    model, django_capture_on_commit_callbacks
):
    from content.models import Campaign
    from content.selectors import PAGES

    row = model.objects.first()
    if row is None and model is Campaign:
        row = Campaign.objects.create(slug="stale", name="n", language="en", title="t", message="m")
    version = PAGES.version()
    with django_capture_on_commit_callbacks(execute=True):
        row.save()
        row.save()  # one transaction: one bump
    assert PAGES.version() == version + 1
    with django_capture_on_commit_callbacks(execute=True):
        row.delete()
    assert PAGES.version() == version + 2
